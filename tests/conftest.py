"""Settings shared by the whole suite."""

from hypothesis import HealthCheck, settings

# The machine is shared (2 cores): a slow example is not a failure; timing lives in bench/.
settings.register_profile("misper", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("misper")
