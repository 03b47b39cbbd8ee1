"""API shapes of a Philomena profile: the grab sheet's headings, each free text."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, create_model

from misper.app.philomena.service import MAX_AGREED_WAIT
from misper.app.schemas import Stamp, StoreModel, text
from misper.process.philomena import FIELDS

Entry = text(4_000)


# The fields of the Philomena Protocol form, defined once in `process.philomena.FIELDS`.
PhilomenaContent = create_model(
    "PhilomenaContent", __base__=StoreModel, **{key: (Entry | None, None) for key in FIELDS}
)
AgreedWait = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_AGREED_WAIT,
        description=(
            "The risk plan agreed with the police and the social worker: report if the child is "
            "not back this many minutes after the expected time; none: the carer's flowchart's "
            "default wait"
        ),
    ),
]


class ProfileIn(PhilomenaContent):
    agreed_wait_minutes: AgreedWait | None = None


class ProfileOut(BaseModel):
    version: int
    content: PhilomenaContent
    agreed_wait_minutes: int | None
    created_by: int
    created_by_agency_id: int
    created_at: Stamp
