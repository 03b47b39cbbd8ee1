"""The process configuration (YAML, defaults from the report), validated when loaded."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from misper.incidents.schema import RISK_FLAGS, RISK_LEVELS

PACKAGED = Path(__file__).resolve().parent.parent / "config"

_Model = TypeVar("_Model", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReturnHomeInterviewRules(_Strict):
    target_hours: float = Field(72, gt=0)


class PhilomenaRules(_Strict):
    review_days: int = Field(90, gt=0)


def _known(allowed: tuple[str, ...], what: str) -> AfterValidator:
    """A pydantic check that every item of a tuple field is one of `allowed`."""

    def check(value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(allowed)
        if unknown:
            raise ValueError(
                f"unknown {what} {sorted(unknown)}; expected among {', '.join(allowed)}"
            )
        return value

    return AfterValidator(check)


RiskLevels = Annotated[tuple[str, ...], _known(RISK_LEVELS, "risk level(s)")]
RiskFlags = Annotated[tuple[str, ...], _known(RISK_FLAGS, "risk flag(s)")]


class RiskRules(_Strict):
    # The levels the control room's assessment offers; the record's other values (absent,
    # unknown) stay valid for imported episodes but are not offered as a grading.
    levels: RiskLevels = ("no_apparent_risk", "low", "medium", "high")
    forbidden_for_under_18: RiskLevels = ()


class Choice(_Strict):
    key: str
    label: str


class FlowchartRules(_Strict):
    steps: tuple[Choice, ...]
    report_now_if: tuple[Choice, ...]
    wait_minutes: int = Field(60, ge=0)


class MarmRules(_Strict):
    episodes: int = Field(3, ge=1)
    within_days: int = Field(30, ge=1)
    exploitation_flags: RiskFlags = ()
    first_episode_indicators: RiskFlags = ()


class MaceRules(_Strict):
    episodes_after_marm: int = Field(2, ge=1)
    within_days: int = Field(90, ge=1)


class EscalationRules(_Strict):
    marm: MarmRules
    mace: MaceRules


class EmergingRules(_Strict):
    recent_days: int = Field(30, ge=1)
    baseline_days: int = Field(90, ge=1)
    min_recent_episodes: int = Field(2, ge=1)


class FrequentRules(_Strict):
    episodes: int = Field(3, ge=1)  # frequently missing: this many episodes in the last year


class LateRules(_Strict):
    hours: float = Field(2, gt=0)  # ended this soon by the child's own return: late, not missing


class TimeLimits(_Strict):
    """How far from now a time typed into a form may lie (the forms and the API share them)."""

    clock_skew_minutes: int = Field(default=5, ge=0, le=60)
    delay_review_max_hours: float = Field(default=24, gt=0)
    meeting_past_days: int = Field(default=1, ge=0)
    meeting_horizon_days: int = Field(default=90, ge=1)


class RecordSharingRules(_Strict):
    """One force reaching a child's record another force holds (app/children/requests.py)."""

    break_glass_hours: float = Field(default=24, gt=0, le=168)  # how long an opening lasts


class ProcessConfig(_Strict):
    return_home_interview: ReturnHomeInterviewRules
    philomena_profile: PhilomenaRules
    risk_assessment: RiskRules
    carer_flowchart: FlowchartRules
    escalation: EscalationRules
    emerging_frequent: EmergingRules
    frequently_missing: FrequentRules
    late_not_missing: LateRules
    time_limits: TimeLimits = TimeLimits()
    record_sharing: RecordSharingRules = RecordSharingRules()


class Task(_Strict):
    name: str
    levels: RiskLevels


class TaskLibrary(_Strict):
    tasks: tuple[Task, ...]


def _read(path: Path, model: type[_Model]) -> _Model:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{path} is invalid:\n" + "\n".join(lines)) from None


def load_process_config(path: str | Path | None = None) -> ProcessConfig:
    """The given file, else $MISPER_PROCESS_CONFIG, else the packaged defaults."""
    path = path or os.environ.get("MISPER_PROCESS_CONFIG") or PACKAGED / "process.yaml"
    return _read(Path(path), ProcessConfig)


def load_task_library(path: str | Path | None = None) -> TaskLibrary:
    path = path or os.environ.get("MISPER_TASK_LIBRARY") or PACKAGED / "tasks.yaml"
    return _read(Path(path), TaskLibrary)


@lru_cache(maxsize=1)
def default_config() -> ProcessConfig:
    return load_process_config()
