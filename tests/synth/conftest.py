"""One default synthetic data set per test session (generation takes seconds, not minutes)."""

from importlib import resources

import pytest
import yaml

from misper.synth import generate


@pytest.fixture(scope="session")
def synthetic():
    return generate(seed=0)


@pytest.fixture(scope="session")
def incidents(synthetic):
    return synthetic.incidents


@pytest.fixture(scope="session")
def u18(incidents):
    """The report's analysed set: under-18 missing-person reports."""
    frame = incidents[(incidents["age"] < 18) & (incidents["record_type"] == "missing_report")]
    return frame.assign(year=frame["reported_at"].dt.year)


@pytest.fixture(scope="session")
def published():
    """The published figures, read independently of the generator's own calibration module."""
    text = resources.files("misper").joinpath("reference/herts-2019-2022.yaml").read_text("utf-8")
    return yaml.safe_load(text)
