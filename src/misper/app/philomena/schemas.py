"""API shapes of a Philomena profile: the grab sheet's headings, each free text."""

from __future__ import annotations


from pydantic import BaseModel

from misper.app.schemas import Stamp, StoreModel, text

Entry = text(4_000)


class PhilomenaContent(StoreModel):
    description: Entry | None = None
    distinguishing_features: Entry | None = None
    medical_needs: Entry | None = None
    places_frequented: Entry | None = None
    friends_and_associates: Entry | None = None
    phone_and_social_media: Entry | None = None
    previous_episodes_notes: Entry | None = None
    photo_reference: text(500) | None = None


class ProfileOut(BaseModel):
    version: int
    content: PhilomenaContent
    created_by: int
    created_by_agency_id: int
    created_at: Stamp
