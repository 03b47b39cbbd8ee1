"""Route closing an episode (found and closed), with the interview and referral it started."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, create_model

from misper.app.access import Actor
from misper.app.api import DB, ERRORS, allowed
from misper.app.episodes.closing import FOUND_FIELDS, close_episode
from misper.app.episodes.schemas import EpisodeOut
from misper.app.episodes.views import episode_out
from misper.app.schemas import Id, Note, Pid, StoreModel, canonical_type
from misper.incidents.schema import BY_NAME

router = APIRouter(prefix="/api/episodes", tags=["episodes"], responses=ERRORS)


class WithAssociate(StoreModel):
    associate_id: Pid
    kind: Literal["person", "address", "unknown"] = "unknown"
    description: Note | None = None


EpisodeClose = create_model(
    "EpisodeClose",
    __base__=StoreModel,
    version=(Id, ...),
    found_at=(canonical_type(BY_NAME["found_at"]), ...),
    with_rids=(list[Pid], Field(default_factory=list, max_length=20)),
    associates=(list[WithAssociate], Field(default_factory=list, max_length=20)),
    **{n: (canonical_type(BY_NAME[n]) | None, None) for n in FOUND_FIELDS if n != "found_at"},
)


class Closed(BaseModel):
    episode: EpisodeOut
    return_home_interview_id: int
    referral_id: int | None
    referral_meeting: str | None


@router.post("/{rid}/close", response_model=Closed)
def close(
    rid: Annotated[str, Path(min_length=1, max_length=64)],
    body: EpisodeClose,
    session: DB,
    actor: Actor = allowed("episodes", "update"),
):
    found = body.model_dump(include=set(FOUND_FIELDS), exclude_none=True)
    episode, pid, rhi, referral = close_episode(
        session,
        actor,
        rid,
        body.version,
        found,
        list(body.with_rids),
        [a.model_dump() for a in body.associates],
    )
    return Closed(
        episode=episode_out(episode, pid),
        return_home_interview_id=rhi.id,
        referral_id=referral and referral.id,
        referral_meeting=referral and referral.meeting,
    )
