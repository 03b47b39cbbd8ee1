"""Session fixtures for the insight tests: the simulated history is built once."""

import pytest

from insight.simulated import simulate


@pytest.fixture(scope="session")
def simulated():
    """(incidents, associates truth) from the seeded simulation."""
    return simulate()
