"""The associate network on five children whose links can be drawn by hand."""

import pandas as pd

from insight.simulated import incidents
from misper.insight.network import (
    associate_ranking,
    build_graph,
    co_missing_links,
    communities,
    layout_around,
    over_time,
    precision_at_k,
    summarise_network,
)

T = pd.Timestamp("2021-03-01 21:00")


def five_children():
    day = pd.Timedelta(days=1)
    return incidents(
        [
            {
                "rid": "r1",
                "pid": "p1",
                "reported_at": T,
                "associate_ids": ["X", "Y"],
                "in_care": "no",
            },
            {
                "rid": "r2",
                "pid": "p2",
                "reported_at": T + day,
                "associate_ids": ["X"],
                "in_care": "no",
                "risk_flags": ["cse"],
            },
            {
                "rid": "r3",
                "pid": "p3",
                "reported_at": T + 2 * day,
                "associate_ids": ["X"],
                "in_care": "full_care",
            },
            {
                "rid": "r4",
                "pid": "p4",
                "reported_at": T + 400 * day,
                "associate_ids": ["Y"],
                "linked_rids": ["r5"],
                "in_care": "no",
            },
            {
                "rid": "r5",
                "pid": "p5",
                "reported_at": T + 400 * day,
                "associate_ids": [],
                "linked_rids": ["r4"],
                "in_care": "no",
            },
            {
                "rid": "r6",
                "pid": "p4",
                "reported_at": T + 401 * day,
                "associate_ids": ["Y", "Z"],
                "in_care": "no",
            },
        ]
    )


def test_associates_ranked_by_children_linked():
    ranking = associate_ranking(five_children()).set_index("associate_id")
    assert ranking["rank"].to_dict() == {"X": 1, "Y": 2, "Z": 3}
    assert ranking.loc[
        "X", ["children", "children_in_care", "children_flagged", "incidents"]
    ].tolist() == [3, 1, 1, 3]
    assert ranking.loc["Y", ["children", "incidents"]].tolist() == [2, 3]


def test_going_missing_together_is_one_link_even_when_both_reports_list_it():
    frame = five_children()
    assert len(co_missing_links(frame)) == 2
    graph = build_graph(frame)
    assert graph.edges["child:p4", "child:p5"]["weight"] == 1
    assert graph.edges["associate:Y", "child:p4"]["weight"] == 2


def test_communities_and_time():
    found = communities(build_graph(five_children()), seed=0)
    community_of = {node: i for i, m in enumerate(found["members"]) for node in m}
    assert community_of["child:p2"] == community_of["child:p3"] == community_of["associate:X"]
    assert community_of["child:p4"] == community_of["child:p5"] != community_of["associate:X"]
    years = over_time(five_children()).set_index("year")
    assert (
        years.loc[2021, "top_associate"] == "X" and years.loc[2021, "top_associate_children"] == 3
    )
    assert years.loc[2022, "children_linked"] == 2


def test_precision_at_k_against_the_truth(simulated):
    frame, truth = simulated
    ranking = associate_ranking(frame)
    precision = precision_at_k(ranking, truth, ks=(5, 10))
    top = ranking.head(10)["associate_id"]
    assert precision[10] == truth.set_index("associate_id").loc[top, "is_exploiter"].mean()
    assert precision[5] >= 0.6  # the simulated exploiters each link several children
    assert precision_at_k(ranking.head(3), truth, ks=(10,)) == {}  # fewer than k ranked: no figure


def test_layout_draws_the_associates_and_their_neighbours_the_same_whatever_the_order():
    graph = build_graph(five_children())
    drawn = layout_around(graph, ["Y"])
    nodes = drawn.nodes.set_index("node")
    # Y is named with p1 and p4; p4's link to p5 is outside the drawn part.
    assert list(nodes.index) == ["associate:Y", "child:p1", "child:p4"]
    assert nodes["kind"].tolist() == ["associate", "child", "child"]
    assert nodes["degree"].tolist() == [2, 1, 1]
    assert drawn.edges[["source", "target"]].values.tolist() == [
        ["associate:Y", "child:p1"],
        ["associate:Y", "child:p4"],
    ]
    shuffled = type(graph)()
    shuffled.add_nodes_from(reversed(list(graph.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(graph.edges(data=True))))
    again = layout_around(shuffled, ["Y"])
    pd.testing.assert_frame_equal(again.nodes, drawn.nodes)
    pd.testing.assert_frame_equal(again.edges, drawn.edges)


def test_summary_counts_linked_children_and_scores_against_the_truth():
    frame = five_children()
    truth = pd.DataFrame({"associate_id": ["X", "Y", "Z"], "is_exploiter": [True, False, False]})
    summary = summarise_network(frame, top=1, truth=truth)
    assert (summary.children, summary.linked_children) == (5, 5)
    assert summary.top == 1 and set(summary.layout.nodes["node"]) == {
        "associate:X",
        "child:p1",
        "child:p2",
        "child:p3",
    }
    assert summary.precision == {}  # three associates ranked: no precision at 10 or 20
    assert summarise_network(frame).precision is None
