"""The generator's parameters: in one module, each naming its source; the distributions sound."""

import ast
import io
import math
import re
import tokenize
from importlib import resources

import pytest

from misper.incidents.schema import MARKERS
from misper.synth import parameters as P

SOURCE = re.compile(
    r"\b(?:Tables?|Figures?|Appendix) \d+|\bref [a-z_0-9]+|\bCase [A-I]\b"
    r"|\b[Aa]ssumption\b|\b[Gg]uard\b"
)
REF_KEY = re.compile(r"\bref ([a-z_0-9]+(?:\.[a-z_0-9]+)*)")
# Float literals that may stay outside parameters.py: they are arithmetic, not the world.
NOT_PARAMETERS = {
    ("population.py", 0.5),  # mid-rank: (rank + 0.5) / n
    ("population.py", 0.99),  # an age of 17 runs to 17.99
}


def _text(name: str) -> str:
    return resources.files("misper.synth").joinpath(name).read_text("utf-8")


def _comments(text: str) -> dict[int, str]:
    """Line number -> the comment on that line."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


def _parameters(text: str) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of each public module-level constant."""
    out = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                out += [
                    (n.id, node.lineno, node.end_lineno)
                    for n in names
                    if isinstance(n, ast.Name) and n.id.isupper()
                ]
    return out


def test_every_parameter_names_its_source():
    text = _text("parameters.py")
    comments = _comments(text)
    lines = text.splitlines()
    unsourced = []
    for name, first, last in _parameters(text):
        said = [comments.get(k, "") for k in range(first, last + 1)]
        above = first - 1  # the comment lines directly above belong to it too
        while above >= 1 and lines[above - 1].lstrip().startswith("#"):
            said.append(comments[above])
            above -= 1
        if not any(SOURCE.search(comment) for comment in said):
            unsourced.append(name)
    assert unsourced == []


def test_every_reference_key_named_exists():
    import yaml

    text = resources.files("misper").joinpath("reference/herts-2019-2022.yaml").read_text("utf-8")
    reference = yaml.safe_load(text)
    keys = set(REF_KEY.findall(_text("parameters.py")))
    assert keys
    missing = []
    for key in sorted(keys):
        node = reference
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                missing.append(key)
                break
            node = node[part]
    assert missing == []


@pytest.mark.parametrize(
    "module",
    [
        "calendar.py",
        "calibration.py",
        "columns.py",
        "episodes.py",
        "generator.py",
        "outcomes.py",
        "places.py",
        "population.py",
        "recording.py",
        "traits.py",
    ],
)
def test_no_probability_outside_parameters(module):
    """geography.py is a gazetteer (coordinates and populations) and is not scanned."""
    found = [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(_text(module)))
        if isinstance(node, ast.Constant)
        and type(node.value) is float
        and 1e-3 <= node.value < 1
        and (module, node.value) not in NOT_PARAMETERS
    ]
    assert found == [], f"{module}: move these to parameters.py"


def test_distributions_sum_to_one_and_probabilities_are_probabilities():
    drawn_as_is = {  # passed to rng.choice without normalising
        "HARM": P.HARM,
        "PREVENTION_INTERVIEW": P.PREVENTION_INTERVIEW,
        "ADULT_RISK": P.ADULT_RISK,
        **{f"FOUND_LOCATION[{k}]": v for k, v in P.FOUND_LOCATION.items()},
    }
    for name, shares in drawn_as_is.items():
        assert math.isclose(sum(shares.values()), 1.0), name
    for name, weights in P.HOUR_PROFILE.items():
        assert len(weights) == 24 and math.isclose(weights.sum(), 1.0), name
    assert set(P.MARKER_PROBABILITY) == set(MARKERS)
    for trait, if_carrier, base, per_quantile in P.MARKER_PROBABILITY.values():
        assert 0 <= base + per_quantile <= 1 and (trait is None or 0 <= if_carrier <= 1)
    for name, value in vars(P).items():
        if isinstance(value, float) and any(w in name for w in ("SHARE", "PROBABILITY", "NAMED")):
            assert 0 <= value <= 1, name
