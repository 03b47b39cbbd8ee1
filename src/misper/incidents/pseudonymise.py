"""Keyed pseudonymisation: ids replaced by HMAC-SHA256 digests, free text dropped.

The same key gives the same pseudonym for the same id in every file and year, so repeat incidents
and links still join; without the key the ids cannot be recovered or recomputed. Each kind of id
(person, incident, place, associate) is hashed in its own domain, so equal raw values of different
kinds do not produce equal pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd
import pyarrow as pa

from misper.incidents.frame import LIST_DTYPE
from misper.incidents.schema import COLUMNS, Kind

DIGEST_CHARS = 20  # 80 bits: collisions negligible at national scale (tens of millions of ids)
PREFIX = {"person": "p", "incident": "r", "place": "h", "associate": "a"}


class KeyFileError(Exception):
    """The key file is missing or unusable."""


def new_key_file(path: str | Path) -> None:
    """Write a new random 256-bit key (hex), readable by the owner only; never overwrite one."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")


def read_key(path: str | Path) -> bytes:
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyFileError(
            f"key file {path} not found; create one with `misper keygen {path}`"
        ) from None
    except UnicodeDecodeError:
        raise KeyFileError(f"key file {path} is not a key written by `misper keygen`") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise KeyFileError(
            f"key file {path} is not hex text as written by `misper keygen`"
        ) from None
    if len(key) < 16:
        raise KeyFileError(f"key file {path} holds {len(key)} bytes; at least 16 are needed")
    return key


class Pseudonymiser:
    """Replaces identifier columns of canonical frames; one instance per key, reused per chunk."""

    def __init__(self, key: bytes, keep_text: bool = False, keep_extra: bool = False):
        self.key = key
        self.keep_text = keep_text
        self.keep_extra = keep_extra
        self.dropped: list[str] = []

    def pseudonym(self, domain: str, value: str) -> str:
        digest = hmac.new(self.key, f"{domain}:{value}".encode(), hashlib.sha256).hexdigest()
        return PREFIX[domain] + digest[:DIGEST_CHARS]

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for column in COLUMNS:
            if column.name not in out:
                continue
            if column.identifier:
                out[column.name] = self._ids(column.identifier, out[column.name], column.kind)
            elif column.free_text and not self.keep_text:
                out = out.drop(columns=column.name)
                self._note(column.name)
        if not self.keep_extra:
            known = {c.name for c in COLUMNS}
            extras = [c for c in out.columns if c not in known]
            out = out.drop(columns=extras)
            for name in extras:
                self._note(name)
        return out

    def _ids(self, domain: str, values: pd.Series, kind: Kind) -> pd.Series:
        cache: dict[str, str] = {}

        def one(v: str) -> str:
            if v not in cache:
                cache[v] = self.pseudonym(domain, v)
            return cache[v]

        if kind is Kind.LIST:
            lists = [[one(x) for x in v] if isinstance(v, list) else None for v in values.tolist()]
            return pd.Series(
                pa.array(lists, type=pa.list_(pa.string())), dtype=LIST_DTYPE, index=values.index
            )
        uniques = values.dropna().unique()
        mapping = {v: one(v) for v in uniques}
        return values.map(mapping).astype("string")

    def _note(self, name: str) -> None:
        if name not in self.dropped:
            self.dropped.append(name)
