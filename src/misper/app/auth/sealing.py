"""Authenticator (TOTP) secrets sealed at rest: AES-GCM under a key derived from the store's audit
key (HKDF, its own purpose label), so that a copy of the database or of a backup without the key
file cannot make a user's codes (ASVS 2.8.2).

Stored as `v1:` and the nonce and ciphertext in URL-safe base64; the user's id is bound in as
associated data, so a sealed secret copied onto another user's row does not open. A value without
the prefix is a secret kept in clear before sealing: it still works, and is sealed when next used.
"""

from __future__ import annotations

import base64
import logging
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from misper.app.audit.keys import AuditKey, key_for

PREFIX = "v1:"
PURPOSE = b"misper users.totp_secret v1"  # HKDF info: no other use of the audit key derives this
NONCE_BYTES = 12

_log = logging.getLogger(__name__)


class SealedSecretError(RuntimeError):
    """A sealed secret this store's key does not open (another key, or a value tampered with)."""


def _cipher(key: AuditKey) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(key.secret)
    return AESGCM(derived)


def _bound(user_id: int) -> bytes:
    return f"users.totp_secret:{user_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal(key: AuditKey, user_id: int, secret: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, secret.encode(), _bound(user_id))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: AuditKey, user_id: int, stored: str) -> str:
    """The secret of a stored value: opened if sealed, as it is if kept in clear from before."""
    if not is_sealed(stored):
        return stored
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        opened = _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _bound(user_id))
    except (InvalidTag, ValueError):
        raise SealedSecretError(
            f"user {user_id}'s authenticator secret does not open with this store's key"
        ) from None
    return opened.decode()


def store_key(session: Session) -> AuditKey:
    """The audit key of the store the session works on (audit.keys.key_for)."""
    return key_for(session.get_bind().engine.url)


def sealed_for(session: Session, user_id: int, secret: str) -> str:
    """The value to store for a user's new secret."""
    return seal(store_key(session), user_id, secret)


def secret_of(session: Session, user_id: int, stored: str) -> str | None:
    """The user's secret; None (no code will match) when this store's key does not open it."""
    try:
        return unseal(store_key(session), user_id, stored)
    except SealedSecretError as exc:
        _log.warning("%s: the user cannot sign in with a code", exc)
        return None
