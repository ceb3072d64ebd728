"""Partner keys: ``hfp_<prefix>_<secret>``, random, shown once and stored as a SHA-256 digest.

A key is 32 random bytes, not a password a person chose, so a fast digest is enough to keep a stolen
table of digests useless (a slow password hash would only cost every call its time). The prefix is
stored in clear to find the partner without scanning, and to name the key in the audit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NamedTuple

KEY_START = "hfp_"


class NewKey(NamedTuple):
    key: str  # the whole key, given to the partner once
    prefix: str
    digest: str


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> NewKey:
    prefix = secrets.token_hex(4)
    key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(key, prefix, key_digest(key))


def key_prefix(key: str) -> str | None:
    """The prefix a key names, or None when it does not have a key's shape."""
    if not key.startswith(KEY_START):
        return None
    prefix, _, secret = key[len(KEY_START):].partition("_")
    return prefix if len(prefix) == 8 and secret else None


def key_matches(key: str, digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), digest)
