"""Typed settings read from the environment, checked once at start-up.

Every `RELANCE_*` variable of DESIGN.md section 6 is read here and nowhere else; a
`NAME_FILE` variant reads a secret from a file (Docker and systemd credentials).
A wrong value stops Relance at start-up with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Env:
    values: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def str(self, name: str, default: str = "") -> str:
        return self.values.get(name, default).strip()

    def secret(self, name: str, default: str = "") -> str:
        """`name`, or the content of the file named by `name_FILE`."""
        path = self.values.get(f"{name}_FILE")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{name}_FILE={path}: cannot read it ({exc.strerror})") from None
        return self.values.get(name, default)

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self.values.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")

    def int(self, name: str, default: int) -> int:
        raw = self.values.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r}: expected a whole number") from None

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.str(name, default).lower()
        if value not in choices:
            raise ConfigError(f"{name}={value!r}: expected one of {', '.join(choices)}")
        return value

    def list(self, name: str, default: list[str]) -> list[str]:
        raw = self.values.get(name)
        if raw is None:
            return default
        return [part.strip() for part in raw.split(",") if part.strip()]


SQLITE_MMAP = 1 << 30  # bytes of the database file read through a memory map


def database(env: Env, base_dir: Path) -> dict[str, Any]:
    url = env.str("RELANCE_DATABASE_URL") or f"sqlite:///{base_dir / 'relance.sqlite3'}"
    if not url.startswith(("sqlite:", "postgres:", "postgresql:", "pgsql:")):
        raise ConfigError(
            f"RELANCE_DATABASE_URL={url!r}: use sqlite:///path/to/file.sqlite3 "
            "or postgresql://user@host:port/name"
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ConfigError(f"RELANCE_DATABASE_URL={url!r}: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app read while an import or a run writes; a busy timeout
        # makes a second writer wait instead of failing at once. The reports read
        # hundreds of megabytes: memory-mapped reads skip a copy per page, a 64 MiB
        # page cache (SQLite's default is 2 MiB) keeps an index between two queries,
        # and sorts and temporary indexes stay in memory (bench/README.md, issue 8).
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA mmap_size={SQLITE_MMAP}; PRAGMA cache_size=-65536; "
                "PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            # Seconds a writer waits for another to finish before it gives up.
            "timeout": env.int("RELANCE_DB_TIMEOUT", 20),
        }
        config["CONN_MAX_AGE"] = 0
    return config


def require_secret_key(debug: bool, from_env: bool) -> None:
    """The web app signs sessions and links: it needs a stable key, except in debug."""
    if not (debug or from_env):
        raise ConfigError(
            "RELANCE_SECRET_KEY (or RELANCE_SECRET_KEY_FILE) is required to serve the web "
            "app unless RELANCE_DEBUG=1; make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
