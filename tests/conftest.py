"""Settings shared by the whole suite."""

import pytest
from hypothesis import HealthCheck, settings

# The machine is shared (2 cores): a slow example is not a failure; timing lives in bench/.
settings.register_profile("misper", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("misper")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """After any shuffle (`--random-order`), keep a module's tests of one backend together: a
    module's shared store (`module_database_url`) is built once per backend, not again at every
    switch between them. The order within each group stays as shuffled."""
    first: dict[tuple[str, str], int] = {}
    for position, item in enumerate(items):
        first.setdefault(_group(item), position)
    module_first: dict[str, int] = {}
    for (module, _backend), position in first.items():  # in order of position
        module_first.setdefault(module, position)
    items.sort(key=lambda item: (module_first[_group(item)[0]], first[_group(item)]))


def _group(item) -> tuple[str, str]:
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("module_database_url", "") if callspec else ""
    return item.nodeid.split("::")[0], str(backend)
