"""Co-missing and associate network: who links which children, in which communities, and over time.

Nodes are children (`child:<pid>`) and associates (`associate:<id>`: adults or addresses named in
incidents). A child and an associate are joined when the associate is named in the child's
incident; two children are joined when their incidents are linked as going missing together
(`linked_rids`). Edge weights count the incidents behind the link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from misper.insight.early_warning import IN_CARE
from misper.insight.episodes import EXPLOITATION_FLAGS, has_any

CHILD, ASSOCIATE = "child:", "associate:"
TOP_ASSOCIATES = 20  # drawn with their neighbours


def _explode(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per (incident, list item) with the incident's rid, pid, reported_at."""
    lists = frame[column].array.__arrow_array__()
    import pyarrow.compute as pc

    flat = pc.list_flatten(lists).to_numpy(zero_copy_only=False)
    parents = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False))
    rows = frame.iloc[parents]
    return pd.DataFrame(
        {
            "rid": rows["rid"].to_numpy(),
            "pid": rows["pid"].to_numpy(),
            "reported_at": rows["reported_at"].to_numpy(),
            "item": flat,
        }
    )


def associate_links(frame: pd.DataFrame) -> pd.DataFrame:
    """(associate_id, pid, rid, reported_at, in_care, flagged) per associate named in incidents."""
    if "associate_ids" not in frame.columns:
        raise ValueError("the network needs the column associate_ids, absent here")
    links = _explode(frame, "associate_ids").rename(columns={"item": "associate_id"})
    per_rid = frame.set_index("rid")
    in_care = (
        per_rid["in_care"].isin(IN_CARE)
        if "in_care" in frame.columns
        else pd.Series(False, index=per_rid.index)
    )
    flagged = (
        has_any(per_rid["risk_flags"], EXPLOITATION_FLAGS)
        if "risk_flags" in frame.columns
        else pd.Series(False, index=per_rid.index)
    )
    links["in_care"] = in_care.reindex(links["rid"]).to_numpy(dtype=bool)
    links["flagged"] = flagged.reindex(links["rid"]).to_numpy(dtype=bool)
    return links


def co_missing_links(frame: pd.DataFrame) -> pd.DataFrame:
    """(pid_a, pid_b, rid, linked_rid, reported_at) per link between two different children."""
    if "linked_rids" not in frame.columns:
        return pd.DataFrame(columns=["pid_a", "pid_b", "rid", "linked_rid", "reported_at"])
    pairs = _explode(frame, "linked_rids")
    owner = frame.set_index("rid")["pid"]
    pairs["pid_b"] = owner.reindex(pairs["item"]).to_numpy()
    pairs = pairs.rename(columns={"pid": "pid_a", "item": "linked_rid"}).dropna(subset=["pid_b"])
    pairs = pairs[pairs["pid_a"] != pairs["pid_b"]]
    return pairs[["pid_a", "pid_b", "rid", "linked_rid", "reported_at"]].reset_index(drop=True)


def associate_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Associates by distinct children they link (then children in care, flagged, incidents)."""
    links = associate_links(frame)
    if links.empty:
        return pd.DataFrame(
            columns=[
                "rank",
                "associate_id",
                "children",
                "children_in_care",
                "children_flagged",
                "incidents",
                "first",
                "last",
            ]
        )
    children = links.groupby("associate_id").agg(
        children=("pid", "nunique"),
        incidents=("rid", "nunique"),
        first=("reported_at", "min"),
        last=("reported_at", "max"),
    )
    for column, name in (("in_care", "children_in_care"), ("flagged", "children_flagged")):
        children[name] = (
            links[links[column]]
            .groupby("associate_id")["pid"]
            .nunique()
            .reindex(children.index, fill_value=0)
        )
    ranked = children.sort_values(
        ["children", "children_in_care", "children_flagged", "incidents"],
        ascending=False,
        kind="stable",
    ).reset_index()
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked[
        [
            "rank",
            "associate_id",
            "children",
            "children_in_care",
            "children_flagged",
            "incidents",
            "first",
            "last",
        ]
    ]


def build_graph(frame: pd.DataFrame) -> nx.Graph:
    """The child-associate-child graph with incident counts as weights."""
    graph = nx.Graph()
    graph.add_nodes_from((CHILD + p for p in frame["pid"].unique()), kind="child")
    links = associate_links(frame)
    for (a, p), n in links.groupby(["associate_id", "pid"]).size().items():
        graph.add_node(ASSOCIATE + a, kind="associate")
        graph.add_edge(ASSOCIATE + a, CHILD + p, weight=int(n))
    pairs = co_missing_links(frame)
    # Both children's incidents may list each other: one pair of incidents is one link.
    ends = np.sort(pairs[["pid_a", "pid_b"]].to_numpy(dtype=object), axis=1)
    rids = np.sort(pairs[["rid", "linked_rid"]].to_numpy(dtype=object), axis=1)
    together = pd.DataFrame(
        {"a": ends[:, 0], "b": ends[:, 1], "outing": rids[:, 0] + "|" + rids[:, 1]}
    )
    for (a, b), n in together.groupby(["a", "b"])["outing"].nunique().items():
        graph.add_edge(CHILD + a, CHILD + b, weight=int(n))
    return graph


def communities(graph: nx.Graph, seed: int = 0, min_children: int = 2) -> pd.DataFrame:
    """Louvain communities of the linked part of the graph with at least `min_children` children.

    Columns: community (1 = most children), children, associates, members (node names).
    """
    linked = graph.subgraph([n for n in graph if graph.degree(n) > 0])
    rows = []
    for members in nx.community.louvain_communities(linked, weight="weight", seed=seed):
        kids = sorted(m for m in members if m.startswith(CHILD))
        if len(kids) >= min_children:
            rows.append(
                {
                    "children": len(kids),
                    "associates": len(members) - len(kids),
                    "members": sorted(members),
                }
            )
    out = pd.DataFrame(rows, columns=["children", "associates", "members"])
    out = out.sort_values(["children", "associates"], ascending=False, ignore_index=True)
    out.insert(0, "community", np.arange(1, len(out) + 1))
    return out


def over_time(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per calendar year: children and associates linked, communities, the largest, the top one."""
    rows = []
    for year, part in frame.groupby(frame["reported_at"].dt.year):
        graph = build_graph(part)
        found = communities(graph, seed)
        ranking = associate_ranking(part)
        rows.append(
            {
                "year": int(year),
                "children_linked": sum(1 for n in graph if n.startswith(CHILD) and graph.degree(n)),
                "associates": sum(1 for n in graph if n.startswith(ASSOCIATE)),
                "communities": len(found),
                "largest_community_children": int(found["children"].max()) if len(found) else 0,
                "top_associate": ranking["associate_id"].iloc[0] if len(ranking) else None,
                "top_associate_children": int(ranking["children"].iloc[0]) if len(ranking) else 0,
            }
        )
    return pd.DataFrame(rows)


def precision_at_k(
    ranking: pd.DataFrame, truth: pd.DataFrame, ks: tuple[int, ...] = (10, 20)
) -> dict[int, float]:
    """Share of the top-k ranked associates that the truth table marks `is_exploiter`."""
    exploiter = truth.set_index("associate_id")["is_exploiter"].astype(bool)
    top = ranking.sort_values("rank")["associate_id"]
    return {
        k: float(exploiter.reindex(top.iloc[:k]).fillna(False).mean()) for k in ks if len(top) >= k
    }


@dataclass(frozen=True)
class GraphLayout:
    """Positions of a part of the graph for drawing (seeded spring layout), in the graph's order."""

    nodes: pd.DataFrame  # node, kind (child / associate), x, y, degree (within the part)
    edges: pd.DataFrame  # source, target, x0, y0, x1, y1


def layout_around(graph: nx.Graph, associates: Iterable[str], seed: int = 0) -> GraphLayout:
    """The associates (ids without the node prefix) and their neighbours, laid out."""
    centre = [ASSOCIATE + a for a in associates]
    nodes = set(centre)
    for a in centre:
        nodes.update(graph.neighbors(a))
    # Built in sorted order: a subgraph view iterates a set, whose order (and so the seeded
    # layout) would change from one run to the next.
    view = graph.subgraph(nodes)
    part = nx.Graph()
    part.add_nodes_from(sorted(view.nodes(data=True)))
    part.add_edges_from(sorted((*sorted((a, b)), data) for a, b, data in view.edges(data=True)))
    position = nx.spring_layout(part, seed=seed) if len(part) else {}
    return GraphLayout(
        nodes=pd.DataFrame(
            [
                {
                    "node": n,
                    "kind": part.nodes[n].get("kind"),
                    "x": float(position[n][0]),
                    "y": float(position[n][1]),
                    "degree": int(part.degree(n)),
                }
                for n in part
            ],
            columns=["node", "kind", "x", "y", "degree"],
        ),
        edges=pd.DataFrame(
            [
                {
                    "source": a,
                    "target": b,
                    "x0": float(position[a][0]),
                    "y0": float(position[a][1]),
                    "x1": float(position[b][0]),
                    "y1": float(position[b][1]),
                }
                for a, b in part.edges()
            ],
            columns=["source", "target", "x0", "y0", "x1", "y1"],
        ),
    )


@dataclass(frozen=True)
class NetworkSummary:
    """The network of a history: associates ranked, communities, each year's graph, a drawing."""

    children: int  # distinct children in the history
    linked_children: int  # linked to an associate or to another child
    ranking: pd.DataFrame  # associate_ranking
    communities: pd.DataFrame
    by_year: pd.DataFrame  # over_time
    top: int  # associates drawn
    layout: GraphLayout  # the top associates and their neighbours
    precision: Mapping[int, float] | None  # precision_at_k against a truth table, when given


def summarise_network(
    frame: pd.DataFrame,
    top: int = TOP_ASSOCIATES,
    truth: pd.DataFrame | None = None,
    seed: int = 0,
) -> NetworkSummary:
    """Everything the network page shows; `truth` (associate_id, is_exploiter) adds precision."""
    ranking = associate_ranking(frame)
    graph = build_graph(frame)
    return NetworkSummary(
        children=int(frame["pid"].nunique()),
        linked_children=sum(1 for n in graph if n.startswith(CHILD) and graph.degree(n)),
        ranking=ranking,
        communities=communities(graph, seed),
        by_year=over_time(frame, seed),
        top=top,
        layout=layout_around(graph, ranking["associate_id"].head(top), seed),
        precision=None if truth is None else precision_at_k(ranking, truth),
    )
