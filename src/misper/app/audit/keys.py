"""The audit log's secret key, kept outside the database: finding, making and reading the key file.

With the key, the store MACs every event before its commit and keys every link of the chain; an
attacker holding the database but not the key can neither write an event the store will accept
nor rebuild the chain. Where the key lives (first found wins):

- `MISPER_AUDIT_KEY_FILE`, a file made by `misper audit keygen FILE`; it must exist;
- for a SQLite store in a file, `<store>.audit-key` beside it, made on first use (the demo's and
  a single machine's set-up: whoever can read the store's folder can read the key too);
- for an in-memory SQLite store, a key of this process (nothing outlives it anyway).

A PostgreSQL store without `MISPER_AUDIT_KEY_FILE` refuses to record: no event goes unMACed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

KEY_ENV = "MISPER_AUDIT_KEY_FILE"
CHECKPOINTS_ENV = "MISPER_AUDIT_CHECKPOINTS"
KEY_BYTES = 32
KEY_SUFFIX = ".audit-key"
CHECKPOINTS_SUFFIX = ".audit-checkpoints"

_log = logging.getLogger(__name__)
_PROCESS_KEY = secrets.token_bytes(KEY_BYTES)  # in-memory stores only
_KEYS: dict[Path, bytes] = {}
_LOCK = threading.Lock()


class AuditKeyError(RuntimeError):
    """The audit key cannot be found or read: nothing is recorded without it."""


@dataclass(frozen=True)
class AuditKey:
    """The key of one store, where it came from, and where the store's checkpoints go."""

    secret: bytes
    path: Path | None  # None: the process key of an in-memory store
    checkpoints: Path | None  # None: no checkpoints (in-memory store)

    def mac(self, purpose: str, parts: list) -> str:
        """HMAC-SHA256 over `parts` as compact JSON; `purpose` keeps MACs of different kinds
        apart (an event's MAC can never pass as a chain link or a checkpoint)."""
        message = json.dumps([purpose, *parts], separators=(",", ":")).encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def key_for(url: URL) -> AuditKey:
    """The key of the store at `url` (see the module's docstring for where it is looked for)."""
    named = os.environ.get(KEY_ENV)
    database = url.database or ""
    in_memory = url.get_backend_name() == "sqlite" and database in ("", ":memory:")
    if named:
        path = Path(named)
        secret = _read(path)
    elif url.get_backend_name() == "sqlite" and not in_memory:
        path = Path(database + KEY_SUFFIX)
        secret = _read_or_make(path)
    elif in_memory:
        return AuditKey(_PROCESS_KEY, None, None)
    else:
        raise AuditKeyError(
            f"the audit log needs its key: set {KEY_ENV} to a key file made with "
            "`misper audit keygen FILE` (kept outside the database)"
        )
    return AuditKey(secret, path, _checkpoints(url, path, in_memory))


def _checkpoints(url: URL, key_path: Path, in_memory: bool) -> Path | None:
    named = os.environ.get(CHECKPOINTS_ENV)
    if named:
        return Path(named)
    if in_memory:
        return None
    if url.get_backend_name() == "sqlite":  # beside the store: two stores never share a file
        return Path(url.database + CHECKPOINTS_SUFFIX)
    return key_path.parent / f"{url.database}{CHECKPOINTS_SUFFIX}"


def keygen(path: Path) -> None:
    """Write a new random key to `path`, readable by its owner only; never over an existing file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_hex(KEY_BYTES) + "\n")
        out.flush()
        os.fsync(out.fileno())


def _read(path: Path) -> bytes:
    resolved = path.resolve()
    with _LOCK:
        if resolved in _KEYS:
            return _KEYS[resolved]
    try:
        text = resolved.read_text().strip()
        mode = resolved.stat().st_mode
    except OSError as exc:
        raise AuditKeyError(
            f"cannot read the audit key {path} ({exc.strerror}): make one with "
            f"`misper audit keygen {path}`"
        ) from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < KEY_BYTES:
        raise AuditKeyError(f"{path} is not an audit key (made by `misper audit keygen`)")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _log.warning("the audit key %s is open to other users than its owner (chmod 600)", path)
    with _LOCK:
        _KEYS[resolved] = secret
    return secret


def _read_or_make(path: Path) -> bytes:
    """The key beside a SQLite store, made whole under a temporary name and linked into place, so
    that two processes starting together agree on one key."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        keygen(temporary)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return _read(path)
