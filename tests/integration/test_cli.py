"""The command line as an administrator uses it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from atlasbot.cli import main
from atlasbot.storage import db

from ..conftest import DEMO_NETWORK_FILE


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_network_check_accepts_the_demo_network(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "network", "check", str(DEMO_NETWORK_FILE))
    assert status == 0
    assert "valid" in out


def test_network_check_rejects_a_broken_file_with_its_field_path(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = DEMO_NETWORK_FILE.read_text().replace("lat: 48.", "lat: 148.", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    status, _, err = run(capsys, "network", "check", str(path))
    assert status == 2
    assert "broken.yaml" in err
    assert ".base.lat" in err
    assert "Traceback" not in err


def test_network_check_of_a_missing_file_says_so(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "network", "check", "no-such-file.yaml")
    assert status == 2
    assert "no-such-file.yaml" in err


def test_network_import_twice_reports_no_changes_the_second_time(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "network", "import", str(DEMO_NETWORK_FILE))[0] == 0
    status, out, _ = run(capsys, "network", "import", str(DEMO_NETWORK_FILE))
    assert status == 0
    assert "no changes" in out


def test_network_export_round_trips_through_check(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "network", "import", str(DEMO_NETWORK_FILE))
    exported = tmp_path / "exported.yaml"
    assert run(capsys, "network", "export", "-o", str(exported))[0] == 0
    assert run(capsys, "network", "check", str(exported))[0] == 0


def test_invite_prints_a_code_and_refuses_a_wrong_scope(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "network", "import", str(DEMO_NETWORK_FILE))
    status, out, _ = run(capsys, "invite", "--role", "authority", "--country", "BE")
    assert status == 0
    assert len(out.strip().replace("-", "")) == 12
    status, _, err = run(capsys, "invite", "--role", "commander", "--country", "BE")
    assert status == 2
    assert "needs --unit" in err


def test_audit_verify_fails_loudly_after_a_row_is_altered_by_hand(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "network", "import", str(DEMO_NETWORK_FILE))
    run(capsys, "invite", "--role", "coordinator")
    status, out, _ = run(capsys, "audit", "verify")
    assert status == 0
    assert "intact" in out
    engine = db.make_engine(cli_db)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        connection.execute(text("UPDATE audit_entry SET action = 'nothing' WHERE seq = 1"))
    engine.dispose()
    status, _, err = run(capsys, "audit", "verify")
    assert status == 1
    assert "#1 was altered" in err


def test_invalid_settings_stop_with_one_clear_line(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATLASBOT_TIMEZONE", "Mars/Olympus")
    status, _, err = run(capsys, "audit", "verify")
    assert status == 2
    assert "ATLASBOT_TIMEZONE" in err
    assert "Traceback" not in err


def test_a_second_bot_on_the_same_sqlite_file_stops_with_one_line(
    cli_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from atlasbot import serving
    from atlasbot.storage.leadership import AlreadyRunning

    def second_process(_settings: object) -> None:
        raise AlreadyRunning("another atlasbot process (pid 4242) already uses cli.db")

    monkeypatch.setenv("ATLASBOT_TOKEN", "123:ABC")
    monkeypatch.setattr(serving, "serve_telegram", second_process)
    status, _, err = run(capsys, "run")
    assert status == 2
    assert err == "error: another atlasbot process (pid 4242) already uses cli.db\n"


def test_plan_json_names_the_teams_asked_and_when_each_capability_is_on_scene(
    cli_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_file = tmp_path / "antwerp.yaml"
    request_file.write_text(
        "id: antwerp\nrequesting_country: BE\ncrisis: hostage_taking\n"
        "location: {lat: 51.2194, lon: 4.4025}\n"
        "needs: {hostage_rescue: 2, negotiation: 1, precision_marksmen: 1, eod: 1}\n"
        "assistance: [action]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ATLASBOT_PLAN_STEP_MIN", "1")
    args = ("plan", "--network", str(DEMO_NETWORK_FILE), "--request", str(request_file))
    status, out, _ = run(capsys, *args, "--json")
    assert status == 0
    (entry,) = json.loads(out)["requests"]
    assert entry["step_minutes"] == 1
    first = entry["plans"][0]
    assert first["on_scene_minutes"]["hostage_rescue"] == 87
    assert first["on_scene_minutes"]["eod"] == 224
    assert {u["id"]: u["asked"] for u in first["units"]}["de-1"] == {"eod": 1}
    assert (first["state_count"], first["unit_count"]) == (2, 3)
    status, out, _ = run(capsys, *args)
    assert status == 0
    assert "Hostage rescue ×2: nl-1 (NL), on scene in 1 h 27 min by helicopter" in out
    assert "de-1 is in every plan: the only unit with explosive ordnance disposal" in out


def test_a_planning_step_below_one_minute_is_refused(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATLASBOT_PLAN_STEP_MIN", "0")
    status, _, err = run(capsys, "audit", "verify")
    assert status == 2
    assert "ATLASBOT_PLAN_STEP_MIN" in err
