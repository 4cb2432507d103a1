from pathlib import Path

import pytest

from relance.audit import AppendOnly, Event
from relance.config import ConfigError, Env, database, require_secret_key


def test_secrets_are_read_from_their_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert Env({"RELANCE_SECRET_KEY_FILE": str(secret)}).secret("RELANCE_SECRET_KEY") == "s3cret"


def test_an_unreadable_secret_file_is_named():
    with pytest.raises(ConfigError, match="RELANCE_EMAIL_HOST_PASSWORD_FILE=/nope"):
        Env({"RELANCE_EMAIL_HOST_PASSWORD_FILE": "/nope"}).secret("RELANCE_EMAIL_HOST_PASSWORD")


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_booleans(raw, value):
    assert Env({"X": raw}).bool("X") is value


def test_a_bad_boolean_or_number_is_refused_with_the_variable_name():
    with pytest.raises(ConfigError, match="RELANCE_DEBUG"):
        Env({"RELANCE_DEBUG": "maybe"}).bool("RELANCE_DEBUG")
    with pytest.raises(ConfigError, match="RELANCE_EMAIL_PORT"):
        Env({"RELANCE_EMAIL_PORT": "twenty-five"}).int("RELANCE_EMAIL_PORT", 25)


def test_the_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path):
    config = database(Env({}), tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(config["NAME"]) == tmp_path / "relance.sqlite3"


def test_postgresql_urls_are_understood():
    config = database(
        Env({"RELANCE_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/relance"}), Path()
    )
    assert (config["ENGINE"], config["NAME"], config["PORT"]) == (
        "django.db.backends.postgresql",
        "relance",
        5432,
    )


def test_other_databases_are_refused():
    with pytest.raises(ConfigError, match="RELANCE_DATABASE_URL"):
        database(Env({"RELANCE_DATABASE_URL": "mysql://root@localhost/x"}), Path())


def test_the_web_app_needs_a_secret_key_outside_debug():
    with pytest.raises(ConfigError, match="RELANCE_SECRET_KEY"):
        require_secret_key(debug=False, from_env=False)
    require_secret_key(debug=True, from_env=False)


@pytest.mark.django_db
def test_audit_events_can_be_neither_changed_nor_deleted():
    event = Event.objects.create(actor="t", verb="x.y", subject_type="x", subject_id=1)
    event.verb = "changed"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        Event.objects.filter(pk=event.pk).update(verb="z")
    with pytest.raises(AppendOnly):
        Event.objects.all().delete()


def test_a_cache_address_that_is_not_redis_stops_relance_without_echoing_it(tmp_path):
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "relance.cli", "report", "aging"],
        env={**os.environ, "RELANCE_CACHE_URL": "memcached://:s3cret@cache:11211",
             "RELANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, said
    assert "RELANCE_CACHE_URL: a redis://, rediss:// or unix:// address is expected" in said
    assert "s3cret" not in said
