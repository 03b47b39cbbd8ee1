"""API shapes of a Philomena profile: the grab sheet's headings, each free text."""

from __future__ import annotations


from pydantic import BaseModel, create_model

from misper.app.schemas import Stamp, StoreModel, text
from misper.process.philomena import FIELDS

Entry = text(4_000)


# The fields of the Philomena Protocol form, defined once in `process.philomena.FIELDS`.
PhilomenaContent = create_model("PhilomenaContent", __base__=StoreModel,
                                **{key: (Entry | None, None) for key in FIELDS})


class ProfileOut(BaseModel):
    version: int
    content: PhilomenaContent
    created_by: int
    created_by_agency_id: int
    created_at: Stamp
