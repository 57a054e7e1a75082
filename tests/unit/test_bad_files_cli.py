"""Issue 12's bad files, each refused by the command line with exit 2 and its one line.

Every file here once froze the bot, ate gigabytes, blocked forever, crashed with exit 1 or
flooded the terminal. Commands read files given with ``--network``, so no database is used.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest

from atlasbot.cli import main
from atlasbot.domain import Network
from atlasbot.training.calendar import check_schedule, schedule
from atlasbot.training.events_file import DateRange, load_events
from tests.conftest import DEMO_NETWORK_FILE, REPO_ROOT

DEMO_EVENTS_FILE = REPO_ROOT / "data" / "exercises-2027.yaml"
NETWORK = str(DEMO_NETWORK_FILE)

REQUEST = """\
id: req-1
requesting_country: BE
crisis: hostage_taking
location: {lat: 50.85, lon: 4.35}
needs: {hostage_rescue: 1}
assistance: [action]
"""

EVENTS = """\
horizon: {start: 2027-01-04, end: 2027-12-17}
rules: {min_gap_days: 14}
events:
  - {id: a, kind: training, title: A, duration_days: 2, participants: [de-1, nl-1]}
blackouts:
  - {unit: de-1, start: 2027-07-01, end: 2027-08-31}
"""


@pytest.fixture(autouse=True)
def _no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    _, err = capsys.readouterr()
    return status, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plan(capsys: pytest.CaptureFixture[str], request: Path) -> tuple[int, str]:
    return run(capsys, "plan", "--network", NETWORK, "--request", str(request))


def schedule_file(capsys: pytest.CaptureFixture[str], events: Path, *args: str) -> tuple[int, str]:
    return run(capsys, "schedule", "--network", NETWORK, "--events", str(events), *args)


def demo_network_with(old: str, new: str) -> str:
    text = DEMO_NETWORK_FILE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


# --- request files ------------------------------------------------------------------------


def test_a_required_key_left_empty_is_bad_input_not_an_unexpected_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "req.yaml", REQUEST.replace("id: req-1", "id:"))
    assert plan(capsys, path) == (2, f"error: {path}: id: empty: give it a value\n")


def test_a_401_digit_latitude_in_a_request_is_out_of_range_in_one_short_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "req.yaml", REQUEST.replace("lat: 50.85", "lat: " + "1" * 401))
    assert plan(capsys, path) == (
        2,
        f"error: {path}: location.lat: a number of 401 digits is out of range (-90 to 90)\n",
    )


def test_dev_zero_as_a_request_file_is_refused_not_read(capsys: pytest.CaptureFixture[str]):
    assert plan(capsys, Path("/dev/zero")) == (
        2,
        "error: /dev/zero: cannot read the file: it is a device, not a regular file\n",
    )


def test_a_request_file_with_several_problems_prints_the_first_and_how_many_more(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = "".join(f"- {{{REQUEST.strip().replace(chr(10), ', ')}}}\n" for _ in range(152))
    path = write(tmp_path, "req.yaml", entries)
    assert plan(capsys, path) == (
        2,
        f"error: {path}: [1].id: duplicate id 'req-1', already used by [0] "
        "(and 150 more problems)\n",
    )


# --- events files -------------------------------------------------------------------------


def test_a_min_gap_of_2_to_the_63_is_refused_before_the_solver_sees_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, "events.yaml", EVENTS.replace("min_gap_days: 14", f"min_gap_days: {2**63}")
    )
    assert schedule_file(capsys, path) == (
        2,
        f"error: {path}: rules.min_gap_days: Input should be less than or equal to 365 "
        "(got a number of 19 digits)\n",
    )


def test_a_blackout_until_9999_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "events.yaml", EVENTS.replace("end: 2027-08-31", "end: 9999-12-31"))
    started = time.perf_counter()
    assert schedule_file(capsys, path) == (
        2,
        f"error: {path}: blackouts[0].end: 9999-12-31 is too far off: dates run from "
        "2000-01-01 to 2099-12-31\n",
    )
    assert time.perf_counter() - started < 2


def test_a_horizon_reaching_9999_with_a_5_second_limit_finishes_promptly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "events.yaml", EVENTS.replace("end: 2027-12-17", "end: 9999-12-17"))
    started = time.perf_counter()
    status, err = schedule_file(capsys, path, "--time-limit", "5")
    assert time.perf_counter() - started < 5
    assert (status, err) == (
        2,
        f"error: {path}: horizon.end: 9999-12-17 is too far off: dates run from "
        "2000-01-01 to 2099-12-31\n",
    )


def test_a_horizon_longer_than_the_setting_is_refused_naming_the_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "events.yaml", EVENTS.replace("end: 2027-12-17", "end: 2031-01-03"))
    assert schedule_file(capsys, path) == (
        2,
        f"error: {path}: horizon: 1,461 days long, at most 1,098 "
        "(the setting ATLASBOT_TRAINING_MAX_HORIZON_DAYS)\n",
    )
    monkeypatch.setenv("ATLASBOT_TRAINING_MAX_HORIZON_DAYS", "1461")
    status, err = schedule_file(capsys, path, "--time-limit", "2")
    assert status == 0, err


def test_a_billion_laughs_events_file_is_refused_by_schedule_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    path = write(tmp_path, "events.yaml", laughs + EVENTS.replace("events:", "events: *i\nx:"))
    status, err = schedule_file(capsys, path)
    assert status == 2
    assert err.startswith(f"error: {path}: the YAML holds more than 100,000 values once")
    assert err.count("\n") == 1


def test_an_events_file_with_thousands_of_duplicates_prints_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = "  - {id: a, kind: training, title: A, duration_days: 2, participants: [de-1, nl-1]}\n"
    path = write(
        tmp_path,
        "events.yaml",
        "horizon: {start: 2027-01-04, end: 2027-12-17}\nevents:\n" + event * 2000,
    )
    assert schedule_file(capsys, path) == (
        2,
        f"error: {path}: events[1].id: duplicate event id 'a' (already used by events[0]) "
        "(and 1,998 more problems)\n",
    )


def test_the_calendar_stops_working_out_days_when_its_limit_passes(demo_network: Network):
    # Past validation (a caller building a plan in code): a 70-year horizon, 45 events.
    plan = load_events(DEMO_EVENTS_FILE, demo_network)
    huge = dataclasses.replace(
        plan,
        horizon=DateRange(plan.horizon.start, plan.horizon.start.replace(year=2097)),
        events=tuple(dataclasses.replace(event, window=None) for event in plan.events),
    )
    started = time.perf_counter()
    result = schedule(demo_network, huge, time_limit_s=1.0)
    # Without the stop, working out 45 events' days over 70 years takes about 7 s.
    assert time.perf_counter() - started < 1.0 + 1.5
    assert check_schedule(demo_network, huge, result) == []
    assert not result.proven_optimal
    reasons = [missing.reason for missing in result.unscheduled]
    assert reasons, "a 70-year horizon cannot be worked out for 45 events in one second"
    assert all(reason.startswith("not placed within the time limit") for reason in reasons)


# --- network files ------------------------------------------------------------------------


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
            "{code: hostage_rescue, name: Hostage rescue}",
            "{code: hostage_rescue, name: Hostage rescue}\n  - {code: " + "c" * 65 + ", name: C}",
            "capabilities[1].code: must be at most 64 characters (got 65)",
        ),
        (
            "lat: 47.8,",
            "lat: " + "4" * 401 + ",",
            "units[0].base.lat (unit 'at-1'): must be between -90 and 90 "
            "(got a number of 401 digits)",
        ),
        (
            "escalation: {request_reminder_s: 300,",
            "escalation: {request_reminder_s: " + "3" * 401 + ",",
            "countries[0].escalation.request_reminder_s (country 'AT'): must be at most "
            "604,800 seconds (a week) (got a number of 401 digits)",
        ),
    ],
    ids=["unit-id-65", "name-201", "nul", "capability-code-65", "latitude-401", "escalation-401"],
)
def test_network_check_refuses_what_a_database_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    path = write(tmp_path, "network.yaml", demo_network_with(old, new))
    assert run(capsys, "network", "check", str(path)) == (2, f"error: {path}: {expected}\n")


def test_network_check_lists_at_most_20_problems_and_counts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = "{code: hostage_rescue, name: Hostage rescue}"
    path = write(tmp_path, "network.yaml", demo_network_with(line, line + f"\n  - {line}" * 9999))
    status, err = run(capsys, "network", "check", str(path))
    lines = err.splitlines()
    assert status == 2
    assert len(lines) == 21
    assert lines[0] == (
        f"error: {path}: capabilities[1].code: duplicate capability code 'hostage_rescue': "
        "capabilities[0] already has it"
    )
    assert lines[-1] == "(and 9,979 more problems)"


def test_a_fifo_given_to_network_check_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "network.yaml"
    os.mkfifo(fifo)
    outcome: list[tuple[int, str]] = []
    checker = threading.Thread(
        target=lambda: outcome.append(run(capsys, "network", "check", str(fifo))), daemon=True
    )
    checker.start()
    checker.join(timeout=5)
    if checker.is_alive():
        with open(fifo, "w"):
            pass
        pytest.fail("network check blocked on a FIFO")
    refusal = "cannot read the file: it is a named pipe (FIFO), not a regular file"
    assert outcome == [(2, f"error: {fifo}: {refusal}\n")]
