"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL.

Storage and service tests take the ``db_url`` (or ``engine``) fixture and so run twice. The
PostgreSQL half needs ``ATLASBOT_TEST_POSTGRES_URL`` (CI sets it); without it, it is skipped
with a visible reason. Each PostgreSQL test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from atlasbot.domain import Network
from atlasbot.network import load_network
from atlasbot.storage import db

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_NETWORK_FILE = REPO_ROOT / "data" / "network.yaml"
POSTGRES_ENV = "ATLASBOT_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture(scope="session")
def demo_network() -> Network:
    return load_network(DEMO_NETWORK_FILE)


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'atlasbot-test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables), on each backend."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_ENV} (CI sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A database migrated to the newest revision, on each backend."""
    db.upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()
