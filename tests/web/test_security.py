"""Security basics: HTTPS settings, cookies, password hashing, the login's rate limit."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from tests.members import member

from relance.audit import Event

PASSWORD = "correct horse battery"


def _check_deploy(tmp_path: Path, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    env |= {
        "RELANCE_SECRET_KEY": secrets.token_urlsafe(60),
        "RELANCE_ALLOWED_HOSTS": "relance.example",
        "RELANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--settings=relance.settings"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_behind_https_the_deployment_check_finds_nothing(tmp_path):
    out = _check_deploy(tmp_path, RELANCE_HTTPS="1")
    assert "no issues" in out, out


def test_without_https_the_deployment_check_names_the_missing_settings(tmp_path):
    out = _check_deploy(tmp_path)
    for warning in ("W004", "W008", "W012", "W016"):  # HSTS, redirect, both cookies
        assert f"security.{warning}" in out, out


def test_the_session_cookie_is_out_of_reach_of_scripts(client, db):
    member("alice", password=PASSWORD)
    client.post("/login/", {"username": "alice", "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_passwords_are_stored_with_pbkdf2(db):
    user = member("alice", password=PASSWORD)
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert PASSWORD not in user.password


@pytest.fixture
def fresh_limits(settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_ATTEMPTS_PER_MINUTE = 3


def test_a_failed_login_is_audited_without_the_password(client, db, fresh_limits):
    alice = member("alice", password=PASSWORD)
    response = client.post("/login/", {"username": "alice", "password": "wrong guess 42"})
    assert response.status_code == 200
    event = Event.objects.get(verb="login_failed")
    assert (event.subject_type, event.subject_id) == ("user", alice.pk)
    assert event.data == {"username": "alice", "address": "127.0.0.1", "why": "invalid"}
    assert "wrong guess" not in str(event.data)


def test_too_many_attempts_for_one_username_lock_it_out_even_with_the_right_password(
    client, db, fresh_limits
):
    member("alice", password=PASSWORD)
    for n in range(3):
        ip = {"REMOTE_ADDR": f"10.0.0.{n}"}
        client.post("/login/", {"username": "alice", "password": "nope nope"}, **ip)
    response = client.post(
        "/login/", {"username": "Alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(verb="login_failed", data__why="locked").count() == 1


def test_too_many_attempts_from_one_address_lock_it_out(client, db, fresh_limits):
    member("bob", password=PASSWORD)
    for name in ("ann", "carl", "dora"):
        client.post("/login/", {"username": name, "password": "nope nope"})
    response = client.post("/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429
    other = client.post(
        "/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert other.status_code == 302  # another address, another count


def test_a_good_login_under_the_limit_goes_through(client, db, fresh_limits):
    member("alice", password=PASSWORD)
    client.post("/login/", {"username": "alice", "password": "nope nope"})
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert not Event.objects.filter(data__why="locked").exists()
