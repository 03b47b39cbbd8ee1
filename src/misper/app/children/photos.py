"""A child's photo for the Philomena profile: checked by its content (never its name), re-encoded
to a small thumbnail with no metadata, and read only within the identity scope, each read audited.
"""

from __future__ import annotations

import io
import warnings
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from misper.app import access
from misper.app.access import Actor, visible_child
from misper.app.audit import service as audit
from misper.app.children.models import Child, ChildPhoto
from misper.app.errors import Invalid, NotFound

MAX_BYTES = 2_000_000  # a phone's photo, cropped or sent at "medium" size
MAX_PIXELS = 40_000_000  # larger is a decompression bomb, not a photo of a child
FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}  # Pillow's name -> the name people know
THUMBNAIL = (240, 240)  # enough to recognise a face in a banner or on a phone
MEDIA_TYPE = "image/jpeg"


def thumbnail(data: bytes) -> bytes:
    """The photo as a small JPEG made from its pixels alone (no EXIF, location or comment kept);
    Invalid("photo") naming what is wrong when it is not a JPEG, PNG or WebP photo under the
    limit."""
    if not data:
        raise Invalid("photo", "choose a photo to upload")
    if len(data) > MAX_BYTES:
        raise Invalid(
            "photo",
            f"the photo is {len(data) / 1_000_000:.1f} MB: choose one under "
            f"{MAX_BYTES // 1_000_000} MB (a phone's 'medium' size)",
        )
    kinds = ", ".join(FORMATS.values())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Invalid("photo", "the photo is too large in pixels: send a smaller one")
                image.load()
                picture = ImageOps.exif_transpose(image)  # upright, as the phone showed it
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid("photo", f"the file is not a photo the store takes ({kinds})") from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt
        unread = f"the photo could not be read: is it a whole {kinds} file?"
        raise Invalid("photo", unread) from None
    picture = picture.convert("RGB")
    picture.thumbnail(THUMBNAIL)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def save_photo(session: Session, actor: Actor, pid: str, data: bytes) -> ChildPhoto:
    """Keep the child's photo (replacing the one before): by those who keep the child's Philomena
    profile (`access.profiles`)."""
    access.require(actor, "philomena", "create")
    child = visible_child(session, actor, pid, scope=access.profiles)
    return keep_photo(session, actor, child, thumbnail(data))


def keep_photo(session: Session, actor: Actor, child: Child, content: bytes) -> ChildPhoto:
    """Keep a thumbnail made by `thumbnail` as the child's photo; the caller has been allowed the
    child's profile."""
    photo = session.scalar(select(ChildPhoto).where(ChildPhoto.child_id == child.id))
    if photo is None:
        photo = ChildPhoto(child_id=child.id)
        session.add(photo)
    photo.content, photo.media_type = content, MEDIA_TYPE
    photo.uploaded_by, photo.uploaded_at = actor.user_id, datetime.now()
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "child_photo",
        photo.id,
        child_id=child.id,
        detail={"bytes": len(content)},
    )
    return photo


def has_photo(session: Session, child_id: int) -> bool:
    """Whether the child has a photo (the caller has been allowed the child)."""
    return session.scalar(select(ChildPhoto.id).where(ChildPhoto.child_id == child_id)) is not None


def read_photo(session: Session, actor: Actor, pid: str) -> ChildPhoto:
    """The photo of a child whose identity the actor may see (`access.identified_children`);
    absent (404) otherwise, exactly as a child with none. The read is audited."""
    access.require(actor, "child_identity", "read")
    child = visible_child(session, actor, pid, scope=access.identified_children)
    photo = session.scalar(select(ChildPhoto).where(ChildPhoto.child_id == child.id))
    if photo is None:
        raise NotFound("photo")
    audit.record(session, actor, "read", "child_photo", photo.id, child_id=child.id)
    return photo
