"""When repeat missing escalates: referral to a MARM, then to a MACE if episodes continue.

Rules (configurable; defaults from the report): three episodes within 30 days; any exploitation
flag; a first episode that already carries risk indicators. After a MARM referral, continued
episodes (two within 90 days) escalate to a MACE. Each reason is returned in words, so the
referral and the list say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from misper.process.config import EscalationRules


@dataclass(frozen=True)
class Episode:
    """What the rules need of one episode: when it was reported and its risk flags."""

    reported_at: pd.Timestamp
    risk_flags: tuple[str, ...] = ()


def marm_reasons(history: Sequence[Episode], rules: EscalationRules) -> list[str]:
    """Why the child should be referred to a MARM as of its latest episode (empty: no referral).

    A window of `within_days` days is inclusive: episodes on day 0, 15 and 30 are within 30 days;
    day 0, 15 and 31 are not.
    """
    if not history:
        return []
    episodes = sorted(history, key=lambda e: e.reported_at)
    latest = episodes[-1]
    marm = rules.marm
    reasons = []
    start = latest.reported_at - pd.Timedelta(days=marm.within_days)
    recent = [e for e in episodes if e.reported_at >= start]
    if len(recent) >= marm.episodes:
        reasons.append(f"{len(recent)} episodes within {marm.within_days} days")
    exploitation = sorted(set(latest.risk_flags) & set(marm.exploitation_flags))
    if exploitation:
        reasons.append("exploitation flag: " + ", ".join(exploitation))
    if len(episodes) == 1:
        indicators = sorted(set(latest.risk_flags) & set(marm.first_episode_indicators))
        if indicators:
            reasons.append("first episode with risk indicators: " + ", ".join(indicators))
    return reasons


def mace_reasons(
    history: Sequence[Episode], marm_referred_at: pd.Timestamp | None, rules: EscalationRules
) -> list[str]:
    """Why a child already referred to a MARM should go to a MACE (episodes continued after it)."""
    if marm_referred_at is None:
        return []
    mace = rules.mace
    end = pd.Timestamp(marm_referred_at) + pd.Timedelta(days=mace.within_days)
    after = [e for e in history if pd.Timestamp(marm_referred_at) < e.reported_at <= end]
    if len(after) >= mace.episodes_after_marm:
        return [f"{len(after)} episodes within {mace.within_days} days after the MARM referral"]
    return []
