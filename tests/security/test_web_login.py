"""Logging in: throttling comes before hashing (a throttled attempt costs no
argon2 time), and an unknown user gets the same answer as a known one with a
wrong password, in the same time (design rule 13)."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from typing import Any

from core.app import Kernel
from core.auth import SESSION_COOKIE, Passwords
from tests.conftest import PASSWORD, Client


class CountingPasswords(Passwords):
    """The kernel's hasher, counting every argon2 verification and hash."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.verified = 0
        self.hashed = 0

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified += 1
        return super().verify(stored, password)

    def hash(self, password: str) -> str:
        self.hashed += 1
        return super().hash(password)


def _attempt(client: Any, username: str, password: str) -> Any:
    return client.submit("/login", {"username": username, "password": password}, follow_redirects=False)


def test_a_throttled_login_spends_no_hashing(kernel, make, client, new_client):
    counting = kernel.passwords = CountingPasswords(kernel.settings)
    make.user(username="lina")
    # five wrong passwords: each one verified (argon2), then the account is locked
    for _ in range(kernel.settings.login_max_failures):
        assert _attempt(client, "lina", "wrong-password").status_code == 401
    assert counting.verified == kernel.settings.login_max_failures
    # from now on, the right password and wrong ones, from anywhere, are refused unhashed
    elsewhere = new_client()
    for password in (PASSWORD, "wrong-password", PASSWORD):
        assert _attempt(elsewhere, "lina", password).status_code == 429
    assert counting.verified == kernel.settings.login_max_failures
    assert counting.hashed == 0
    assert SESSION_COOKIE not in elsewhere.cookies


def test_a_throttled_address_spends_no_hashing_on_unknown_users(kernel, client):
    counting = kernel.passwords = CountingPasswords(kernel.settings)
    for n in range(kernel.settings.login_max_failures):
        assert _attempt(client, f"ghost{n}", "wrong-password").status_code == 401
    assert counting.verified == kernel.settings.login_max_failures  # unknown users cost a hash too
    for n in range(3):
        assert _attempt(client, f"other{n}", "wrong-password").status_code == 429
    assert counting.verified == kernel.settings.login_max_failures


def _timed(client: Any, username: str, password: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = _attempt(client, username, password)
    return time.perf_counter() - started, response


def test_unknown_and_known_users_get_the_same_answer_in_the_same_time(kernel, make, base_settings):
    make.user(username="lina")
    make.user(username="gone")
    from core.models import User

    with kernel.db.session() as db:
        db.query(User).filter(User.username == "gone").one().active = False
    hasher = Passwords(base_settings)
    stored = hasher.hash("some-password-123")
    # no lockout during the measurement: only the hashing differs, if anything
    patient = Kernel(replace(base_settings, login_max_failures=10_000))
    try:
        with Client(patient.asgi(), base_url="http://testserver") as client:
            client.csrf()
            _attempt(client, "lina", "warm-up-password")  # the first request builds caches
            cases = {"a known user, a wrong password": ("lina", "wrong-password"),
                     "an unknown user": ("nobody-here", "wrong-password"),
                     "a deactivated user, the right password": ("gone", PASSWORD)}
            rounds: list[dict[str, float]] = []
            answers: dict[str, set[tuple[int, str]]] = {name: set() for name in cases}
            for _ in range(12):
                # one round: each case and a bare argon2 verification, back to back,
                # so that a slow moment of a shared machine slows the whole round
                took: dict[str, float] = {}
                for name, (username, password) in cases.items():
                    took[name], response = _timed(client, username, password)
                    error = response.text.split('class="alert alert-danger', 1)[-1].split("</div>", 1)[0]
                    answers[name].add((response.status_code, error))
                started = time.perf_counter()
                hasher.verify(stored, "wrong-password")
                took["one argon2 verification"] = time.perf_counter() - started
                rounds.append(took)
            assert SESSION_COOKIE not in client.cookies
        # the same answer: 401 and the same message
        assert len({frozenset(a) for a in answers.values()}) == 1, answers
        assert {status for status, _ in answers["an unknown user"]} == {401}
        # the same time: the median of each round's ratio to a known user's within 30 %
        known = "a known user, a wrong password"
        ratios = {name: statistics.median(r[name] / r[known] for r in rounds) for name in rounds[0]}
        for name in cases:
            assert 1 / 1.3 <= ratios[name] <= 1.3, (name, ratios)
        # and that time is a hash's: an unknown user costs an argon2 verification too
        unknown = statistics.median(r["an unknown user"] / r["one argon2 verification"] for r in rounds)
        assert unknown >= 0.7, (unknown, ratios)
    finally:
        patient.db.dispose()
