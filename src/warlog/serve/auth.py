"""Write tokens: created with `warlog token create`, stored as SHA-256 hashes, never in clear.

A token is 32 random bytes (URL-safe base64, prefixed ``wl_``): hashing it with SHA-256 is
enough, as nothing guessable goes in.  The name given at creation is who the audit log records.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, insert, select, update

from warlog.store.db import api_tokens

PREFIX = "wl_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, name: str) -> str:
    """A new token for `name`; only its hash is stored, so it is shown this once."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("a token needs a name of 1 to 200 characters (who the audit log records)")
    token = PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(insert(api_tokens), [{"name": name, "token_hash": _hash(token), "prefix": token[:10],
                                           "created_at": datetime.now(timezone.utc), "revoked_at": None}])
    return token


def check_token(engine: Engine, token: str | None) -> str | None:
    """The name the token was created for, or None if it is unknown or revoked."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _hash(token)
    with engine.connect() as conn:
        row = conn.execute(select(api_tokens.c.name, api_tokens.c.token_hash)
                           .where(api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None))).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row.name


def list_tokens(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.prefix, api_tokens.c.created_at,
                   api_tokens.c.revoked_at).order_by(api_tokens.c.id)).mappings()]


def revoke_token(engine: Engine, token_id: int) -> bool:
    with engine.begin() as conn:
        result = conn.execute(update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                              .values(revoked_at=datetime.now(timezone.utc)))
    return result.rowcount > 0
