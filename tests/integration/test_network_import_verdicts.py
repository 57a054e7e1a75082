"""`network import` gives the same verdict on SQLite and PostgreSQL for the same file.

PostgreSQL enforces column lengths and refuses NUL; SQLite does neither. The network file's
validation checks both, so a file is refused (exit 2, one line, nothing changed) or accepted
(every value stored as written) alike on each database. Each test runs on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from atlasbot.cli import main
from atlasbot.services.registry import load_network

from ..conftest import DEMO_NETWORK_FILE

# Unit at-1 is units[0] of the demo network; AT is countries[0].
AT_1 = "  - id: at-1\n    name: Demo Unit Austria 1\n"
AT_1_BASE = "base: {lat: 47.8, lon: 16.23, place: Wiener Neustadt}"


def network_file(tmp_path: Path, old: str, new: str) -> Path:
    text = DEMO_NETWORK_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "network.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def import_file(
    db_url: str, path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", db_url)
    status = main(["network", "import", str(path)])
    _, err = capsys.readouterr()
    return status, err


def registry_unit_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return {unit.id for unit in load_network(session).units}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "id: at-1",
            "id: " + "a" * 65,
            "units[0].id (unit 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'): must be at most "
            "64 characters (got 65)",
        ),
        (
            "name: Demo Unit Austria 1",
            "name: " + "N" * 201,
            "units[0].name (unit 'at-1'): must be at most 200 characters (got 201)",
        ),
        (
            "name: Demo Unit Austria 1",
            'name: "Demo Unit\\0Austria 1"',
            "units[0].name (unit 'at-1'): must not contain control characters "
            "(found NUL at position 10)",
        ),
        (
            "place: Wiener Neustadt",
            "place: " + "P" * 201,
            "units[0].base.place (unit 'at-1'): must be at most 200 characters (got 201)",
        ),
        (
            "{code: hostage_rescue, name: Hostage rescue}",
            "{code: hostage_rescue, name: Hostage rescue}\n  - {code: " + "c" * 65 + ", name: C}",
            "capabilities[1].code: must be at most 64 characters (got 65)",
        ),
        (
            "  - code: AT\n    name: Austria\n",
            "  - code: AT\n    name: " + "A" * 201 + "\n",
            "countries[0].name (country 'AT'): must be at most 200 characters (got 201)",
        ),
    ],
    ids=["unit-id-65", "unit-name-201", "nul", "place-201", "capability-code-65", "country-201"],
)
def test_a_file_a_database_would_refuse_is_refused_alike_on_both(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    expected: str,
) -> None:
    path = network_file(tmp_path, old, new)
    assert import_file(db_url, path, capsys, monkeypatch) == (2, f"error: {path}: {expected}\n")
    assert registry_unit_ids(engine) == set()


def test_a_file_at_every_limit_is_stored_as_written_on_both(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unit_id, name, place = "a" * 64, "N" * 200, "P" * 200
    path = network_file(tmp_path, AT_1, f"  - id: {unit_id}\n    name: {name}\n")
    at_limit_base = AT_1_BASE.replace("Wiener Neustadt", place)
    path.write_text(path.read_text(encoding="utf-8").replace(AT_1_BASE, at_limit_base, 1))
    status, err = import_file(db_url, path, capsys, monkeypatch)
    assert status == 0, err
    with Session(engine) as session:
        unit = load_network(session).unit(unit_id)
    assert (unit.name, unit.base.place) == (name, place)
