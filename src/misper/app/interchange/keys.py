"""The export secret, kept outside the database, and the key it gives each recipient of a file.

Every analyst's file is pseudonymised with a key of their own, HMAC-SHA256(secret, recipient), so
two analysts cannot join their files on ids, the same analyst gets the same pseudonyms year after
year, and without the secret no one (a reader of the database included) can map a pseudonym back
to the store's id. Where the secret lives (first found wins):

- `MISPER_EXPORT_KEY_FILE`, made there (readable by its owner only) on first use;
- for a SQLite store in a file, `<store>.export-key` beside it, made on first use;
- for an in-memory SQLite store, a secret of this process (nothing outlives it anyway).

A PostgreSQL store without `MISPER_EXPORT_KEY_FILE` refuses to export: a key made in whatever
folder the server happened to start in would change the pseudonyms whenever it moved.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import URL

from misper.app.errors import Unavailable
from misper.incidents.pseudonymise import KeyFileError, new_key_file, read_key

KEY_ENV = "MISPER_EXPORT_KEY_FILE"
KEY_SUFFIX = ".export-key"
RECIPIENT = "misper-export-recipient:{}"  # what the secret MACs to make a recipient's key

_PROCESS_SECRET = secrets.token_bytes(32)  # in-memory stores only


def export_secret(url: URL) -> bytes:
    """The export secret of the store at `url` (see the module's docstring for where it lives)."""
    named = os.environ.get(KEY_ENV)
    database = url.database or ""
    sqlite = url.get_backend_name() == "sqlite"
    if named:
        return _read_or_make(Path(named))
    if sqlite and database not in ("", ":memory:"):
        return _read_or_make(Path(database + KEY_SUFFIX))
    if sqlite:
        return _PROCESS_SECRET
    raise Unavailable(
        f"exports need their key: set {KEY_ENV} to a file outside the database (it is made "
        "there, readable by its owner only, on first use)"
    )


def recipient_key(secret: bytes, recipient: int) -> bytes:
    """The key of one recipient (a user id): their pseudonyms, and no one else's."""
    return hmac.new(secret, RECIPIENT.format(recipient).encode(), hashlib.sha256).digest()


def _read_or_make(path: Path) -> bytes:
    """The key at `path`, made whole under a temporary name and linked into place first if it is
    missing, so that two processes exporting together agree on one key."""
    try:
        if not path.exists():
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
            new_key_file(temporary)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                temporary.unlink()
        return read_key(path)
    except (OSError, KeyFileError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise Unavailable(f"the export key {path} cannot be used: {reason}") from None
