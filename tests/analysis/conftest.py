import importlib.util
from pathlib import Path

import pytest

from misper.analysis.selection import Shared, select


def load_five_children():
    """The hand-countable fixture module (tests run in importlib mode: no sys.path entry)."""
    spec = importlib.util.spec_from_file_location(
        "five_children", Path(__file__).with_name("five_children.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIVE = load_five_children()


@pytest.fixture(scope="session")
def five():
    return FIVE


@pytest.fixture(scope="session")
def raw():
    return FIVE.frame()


@pytest.fixture(scope="session")
def selection(raw):
    return select(raw)


@pytest.fixture(scope="session")
def shared(selection):
    return Shared(selection.frame, selection.start, selection.end)
