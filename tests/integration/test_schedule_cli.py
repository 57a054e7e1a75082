"""`atlasbot schedule` as a coordinator runs it: exit codes, output files, one-line errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from atlasbot.cli import main

from ..conftest import DEMO_NETWORK_FILE, REPO_ROOT

DEMO_EVENTS_FILE = REPO_ROOT / "data" / "exercises-2027.yaml"

SMALL = """\
horizon: {start: 2027-03-01, end: 2027-06-30}
rules: {min_gap_days: 7, max_hosted_per_country: 3}
events:
  - {id: a, kind: training, title: A, duration_days: 2, participants: [de-1, at-1]}
"""


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], events: Path, *args: str) -> tuple[int, str, str]:
    status = main(
        ["schedule", "--network", str(DEMO_NETWORK_FILE), "--events", str(events), *args]
    )
    out, err = capsys.readouterr()
    return status, out, err


def events_file(tmp_path: Path, text: str = SMALL) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_tiny_time_limit_still_places_what_first_fit_places(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, DEMO_EVENTS_FILE, "--json", "--time-limit", "0.1")
    assert status == 0
    document = json.loads(out)
    assert len(document["events"]) >= 38  # first fit's count on the demo year
    assert document["status"] == "partial"
    assert all(
        u["reason"].startswith("not placed within the time limit") for u in document["unscheduled"]
    )


def test_unknown_keys_are_ignored_with_a_warning_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    text = "version: 1\n" + SMALL.replace("participants:", "notes: boots, windw: 3, participants:")
    path = events_file(tmp_path, text)
    with caplog.at_level(logging.WARNING):
        status, out, err = run(capsys, path, "--json")
    assert status == 0, err
    assert len(json.loads(out)["events"]) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"{path}: version: unknown key 'version', ignored" in warnings
    assert f"{path}: events[0].notes: unknown key 'notes', ignored" in warnings
    assert (
        f"{path}: events[0].windw: unknown key 'windw', ignored; did you mean 'window'?"
        in warnings
    )


def test_a_boolean_duration_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = events_file(tmp_path, SMALL.replace("duration_days: 2", "duration_days: true"))
    status, out, err = run(capsys, path)
    assert status == 2 and out == ""
    assert err == f"error: {path}: events[0].duration_days: true is not a whole number\n"


def test_a_window_past_the_horizon_is_scheduled_inside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SMALL.replace(
        "participants: [de-1, at-1]}",
        "participants: [de-1, at-1], window: {start: 2027-06-01, end: 2027-12-31}}",
    )
    status, out, err = run(capsys, events_file(tmp_path, text), "--json")
    assert status == 0, err
    placed = json.loads(out)["events"][0]
    assert placed["start"] >= "2027-06-01" and placed["end"] <= "2027-06-30"


@pytest.mark.parametrize(
    ("option", "name", "expected"),
    [
        ("--ics", "missing/plan.ics", "the folder missing does not exist"),
        ("--chart", "missing/plan.png", "the folder missing does not exist"),
        ("--chart", ".", "is a folder, not a file"),
        ("--chart", "plan.jpg", "the chart is PNG or SVG; name the file .png or .svg"),
    ],
)
def test_an_output_file_that_cannot_be_written_is_refused_before_solving(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    name: str,
    expected: str,
) -> None:
    status, out, err = run(capsys, events_file(tmp_path), option, name)
    assert status == 2 and out == ""
    assert err == f"error: {option} {name}: {expected}\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("option", ["--ics", "--chart"])
def test_a_failed_write_gives_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    status, _, err = run(capsys, events_file(tmp_path), option, "/dev/full")
    assert status == 2
    assert err == "error: cannot write /dev/full: No space left on device\n"


def test_the_chart_is_svg_when_the_file_name_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, events_file(tmp_path), "--chart", "plan.svg", "--ics", "p.ics")
    assert status == 0, err
    assert (tmp_path / "plan.svg").read_bytes().startswith(b"<?xml")
    assert b"UID:a@2027.atlasbot" in (tmp_path / "p.ics").read_bytes()
    assert "wrote plan.svg" in err
