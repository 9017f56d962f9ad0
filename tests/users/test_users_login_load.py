"""Authentication under load: the lock-out holds under parallel guessing, refusals look alike,
hashing is bounded, rate limits apply (both databases)."""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from shebao.core.db import session_scope
from shebao.users.service import (
    LOGIN_FAILED,
    MAX_FAILED_LOGINS,
    LoginThrottled,
    UserError,
    add_user,
    authenticate_password,
)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def limits(monkeypatch):
    from shebao.core.settings import get_settings

    def set_(**values):
        for k, v in values.items():
            monkeypatch.setenv(f"SHEBAO_{k.upper()}", str(v))
        get_settings.cache_clear()

    return set_


def _run_parallel(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_100_parallel_wrong_logins_lock_the_account_with_at_most_the_limit_checked(db, limits, monkeypatch):
    from shebao.users import service
    from shebao.users.models import User

    limits(login_rate_per_user=1000, login_rate_per_ip=1000, login_hash_workers=4, login_hash_wait=5)
    with session_scope() as s:
        add_user(s, username="wang", role="reviewer", password=PASSWORD)
    real = service._hasher
    dummy = service._dummy_hash()
    checked: list[str] = []
    lock = threading.Lock()

    def counting_verify(password_hash, password):  # the real Argon2 check, counted
        if password_hash != dummy:
            with lock:
                checked.append(password)
        return real.verify(password_hash, password)

    class Counting:  # the real hasher, its checks counted
        verify = staticmethod(counting_verify)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(service, "_hasher", Counting())

    def guess(i: int):
        with session_scope() as s:
            # the right password sits inside the burst: it must not get in once the lock is set
            return authenticate_password(s, username="wang", password=PASSWORD if i == 60 else f"wrong-{i}",
                                         client="10.0.0.9")

    results = _run_parallel(100, guess)
    assert len(checked) <= MAX_FAILED_LOGINS, len(checked)
    errors = [r for r in results if isinstance(r, Exception)]
    # each refused alike, or told to wait (429) when the bounded hashing pool stayed full
    assert all((type(e) is UserError and str(e) == LOGIN_FAILED) or type(e) is LoginThrottled for e in errors), \
        {repr(e) for e in errors}
    with session_scope() as s:
        user = s.query(User).filter_by(username="wang").one()
        if PASSWORD not in checked:  # the usual case: the right password came after the lock
            assert len(errors) == 100 and user.locked_until is not None
            assert user.failed_logins == MAX_FAILED_LOGINS
    if PASSWORD not in checked:
        with session_scope() as s, pytest.raises(UserError):
            authenticate_password(s, username="wang", password=PASSWORD)
        assert len(checked) <= MAX_FAILED_LOGINS  # a locked account's password is not even checked


def test_failures_are_counted_exactly_and_a_right_password_clears_them(db, limits):
    from shebao.users.models import User

    limits(login_rate_per_user=1000)
    with session_scope() as s:
        add_user(s, username="li", role="clerk", password=PASSWORD)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with session_scope() as s, pytest.raises(UserError):
            authenticate_password(s, username="li", password="nope-nope")
    with session_scope() as s:
        assert s.query(User).filter_by(username="li").one().failed_logins == MAX_FAILED_LOGINS - 1
    with session_scope() as s:
        assert authenticate_password(s, username="li", password=PASSWORD).username == "li"
    with session_scope() as s:
        user = s.query(User).filter_by(username="li").one()
        assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_and_existing_users_get_the_same_answer_in_the_same_time(db, limits):
    limits(login_rate_per_user=1000, login_rate_per_ip=1000)
    with session_scope() as s:
        add_user(s, username="zhao", role="clerk", password=PASSWORD)

    def timed(name: str) -> tuple[float, str]:
        t = time.perf_counter()
        with session_scope() as s, pytest.raises(UserError) as exc:
            authenticate_password(s, username=name, password="wrong-password")
        return time.perf_counter() - t, str(exc.value)

    existing = [timed("zhao") for _ in range(3)]
    unknown = [timed(f"ghost{i}") for i in range(3)]
    assert {m for _, m in existing} == {m for _, m in unknown} == {LOGIN_FAILED}
    a = statistics.median(t for t, _ in existing)
    b = statistics.median(t for t, _ in unknown)
    assert 0.5 < a / b < 2.0, (a, b)  # both pay one Argon2 check (was 145 ms against 5 ms)


def test_rate_limits_per_user_and_per_address(db, limits):
    limits(login_rate_per_user=3, login_rate_per_ip=5)
    for i in range(3):
        with session_scope() as s, pytest.raises(UserError) as exc:
            authenticate_password(s, username="someone", password="x" * 8, client=f"10.0.0.{i}")
        assert not isinstance(exc.value, LoginThrottled)
    with session_scope() as s, pytest.raises(LoginThrottled, match="该账户登录尝试过于频繁，请一分钟后再试"):
        authenticate_password(s, username="someone", password="x" * 8, client="10.0.0.200")
    for i in range(5):  # five names from one address: each within its own limit
        with session_scope() as s, pytest.raises(UserError) as exc:
            authenticate_password(s, username=f"other{i}", password="x" * 8, client="10.0.0.50")
        assert not isinstance(exc.value, LoginThrottled)
    with session_scope() as s, pytest.raises(LoginThrottled, match="本地址登录尝试过于频繁，请一分钟后再试"):
        authenticate_password(s, username="third", password="x" * 8, client="10.0.0.50")


def test_a_full_hashing_pool_answers_429_instead_of_piling_up(db, limits):
    from shebao.users import service

    limits(login_hash_workers=1, login_hash_wait=0.05, login_rate_per_user=1000)
    held = service._slots()
    assert held.acquire(timeout=1)
    try:
        with session_scope() as s, pytest.raises(LoginThrottled, match="登录请求过多，请稍后再试"):
            authenticate_password(s, username="nobody", password="x" * 8)
    finally:
        held.release()


def test_the_rate_windows_forget_idle_names():
    from shebao.users.service import _Window

    window = _Window()
    for i in range(100_001):
        window.allow(f"name{i}", 10, now=0.0)
    assert window.allow("fresh", 10, now=120.0)  # a minute later: the idle names are dropped
    assert len(window.hits) == 1
