"""Checks on a risk assessment that the force's policy sets (e.g. levels forbidden for children)."""

from misper.incidents.schema import RISK_LEVELS
from misper.process.config import RiskRules


class RiskLevelRefused(ValueError):
    """A level the policy does not allow; the message says which and why."""


def check_level(level: str, age: int | None, rules: RiskRules) -> str:
    if level not in RISK_LEVELS:
        raise RiskLevelRefused(f"risk level {level!r} is not one of {', '.join(RISK_LEVELS)}")
    if age is not None and age < 18 and level in rules.forbidden_for_under_18:
        allowed = [
            lv for lv in RISK_LEVELS if lv not in rules.forbidden_for_under_18 and lv != "unknown"
        ]
        raise RiskLevelRefused(
            f"the force's policy does not allow {level!r} for under-18s; "
            f"choose one of {', '.join(allowed)}"
        )
    return level
