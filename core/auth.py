"""Authentication: argon2id hashes, server-side sessions, login throttling,
CSRF tokens and API tokens (design rules 12 and 13)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import utcnow
from core.i18n import N_
from core.models import ApiToken, AuthSession, LoginThrottle, User

SESSION_COOKIE = "suanpan_session"
CSRF_COOKIE = "suanpan_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MIN_PASSWORD_LENGTH = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    """A hash of a random password at these costs, made once per process."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)
    return hasher.hash(secrets.token_hex(16))


class Passwords:
    """argon2id at m = 19 MiB, t = 2, p = 1 (OWASP's minimum)."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=1,
            type=Type.ID,
        )
        # Unknown users are checked against this hash, so they take as long.
        self._dummy = _dummy_hash(settings.argon2_time_cost, settings.argon2_memory_kib)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False


def password_problems(password: str, *, username: str = "") -> list[str]:
    """What is wrong with a new password (message ids, untranslated)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(N_("Use at least 10 characters."))
    if username and password.lower() == username.lower():
        problems.append(N_("The password must differ from the username."))
    return problems


# ------------------------------------------------------------------ sessions


def create_session(
    db: Session, user: User, *, days: int, ip: str = "", user_agent: str = ""
) -> str:
    """Start a session for ``user``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.add(
        AuthSession(
            id=_digest(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(days=days),
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return token


def session_user(db: Session, token: str | None) -> User | None:
    """The active user of a live session, or None."""
    if not token:
        return None
    row = db.execute(
        select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.id == _digest(token), AuthSession.expires_at > utcnow())
    ).scalar_one_or_none()
    if row is None or not row.active:
        return None
    return row


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(AuthSession).where(AuthSession.id == _digest(token)))


def end_all_sessions(db: Session, user_id: int, *, keep: str | None = None) -> None:
    """End every session of a user (password change, deactivation)."""
    stmt = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep:
        stmt = stmt.where(AuthSession.id != _digest(keep))
    db.execute(stmt)


# ------------------------------------------------------------------ throttling


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    window: timedelta
    lockout: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        return cls(
            settings.login_max_failures,
            timedelta(seconds=settings.login_window_seconds),
            timedelta(seconds=settings.login_lockout_seconds),
        )

    def locked(self, db: Session, keys: list[str]) -> bool:
        now = utcnow()
        rows = db.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
        return any(r.locked_until and r.locked_until > now for r in rows)

    def fail(self, db: Session, keys: list[str]) -> None:
        now = utcnow()
        for key in keys:
            row = db.get(LoginThrottle, key)
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_start=now)
                db.add(row)
            if now - row.window_start > self.window:
                row.failures, row.window_start = 0, now
            row.failures += 1
            if row.failures >= self.max_failures:
                row.locked_until = now + self.lockout
                row.failures, row.window_start = 0, now

    def succeed(self, db: Session, user_key: str) -> None:
        db.execute(delete(LoginThrottle).where(LoginThrottle.key == user_key))


# ------------------------------------------------------------------ logging in


class LoginThrottled(Exception):
    """Too many recent failures for this account or address (HTTP 429)."""


class LoginFailed(Exception):
    """Wrong username or password, or an inactive account (HTTP 401)."""


def authenticate(
    db: Session, passwords: Passwords, throttle: Throttle, *, username: str, password: str, ip: str
) -> User:
    """Check a login. Throttling comes before any hashing; unknown users cost
    a hash too, so both failures look and take the same. A failure is counted
    per account and per address in ``db`` (the caller commits it)."""
    keys = [f"user:{username.lower()}", f"ip:{ip}"]
    if throttle.locked(db, keys):
        raise LoginThrottled()
    user = db.scalar(select(User).where(User.username == username))
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        throttle.fail(db, keys)
        raise LoginFailed()
    throttle.succeed(db, keys[0])
    return user


# ------------------------------------------------------------------ CSRF


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(cookie: str | None, submitted: str | None) -> bool:
    """Double-submit check: the form field or header must equal the cookie."""
    return bool(cookie and submitted and hmac.compare_digest(cookie, submitted))


# ------------------------------------------------------------------ API tokens


def create_api_token(db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue an API token; the plain token is shown once and never stored."""
    plain = "sp_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=plain[:10], token_hash=_digest(plain))
    db.add(token)
    return token, plain


def revoke_api_token(db: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens; another user's token is not found."""
    from core.permissions import NotFound

    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user_id or token.revoked_at is not None:
        raise NotFound()
    token.revoked_at = utcnow()


def api_token_user(db: Session, plain: str) -> User | None:
    row = db.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(plain), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row[1].active:
        return None
    return row[1]
