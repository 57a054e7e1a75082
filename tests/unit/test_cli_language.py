"""The command line speaks ATLASBOT_LANGUAGE: English by default (scripts parse it, and the
operator's LANG is not read), French or German when chosen, a bad value refused in one line.

The French tests assert the translations of the command line's messages: they pass once the
catalogs carry them (``make i18n``). Click's own words ("Usage:") stay English.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atlasbot.cli import main
from atlasbot.i18n import current_locale

# `schedule` checks the chart's file name before reading anything: a failure without a
# database, a network or an events file.
BAD_CHART = ("schedule", "--events", "events.yaml", "--chart", "plan.gif")
ENGLISH_LINE = "error: --chart plan.gif: the chart is PNG or SVG; name the file .png or .svg\n"
# A command that reads the settings first (a command may fail on its own input before that).
READS_SETTINGS = ("db", "current")


@pytest.fixture(autouse=True)
def _quiet_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .env, no database of the developer's, no language but the one a test sets, and a
    wide terminal so that no help line is wrapped."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATLASBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    monkeypatch.delenv("ATLASBOT_LANGUAGE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_without_the_setting_a_failure_is_the_english_line_it_always_was(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, *BAD_CHART) == (2, "", ENGLISH_LINE)


def test_the_operators_locale_is_not_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.setenv(name, "fr_FR.UTF-8")
    assert run(capsys, *BAD_CHART) == (2, "", ENGLISH_LINE)


def test_english_chosen_on_purpose_is_english(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLASBOT_LANGUAGE", "en")
    assert run(capsys, *BAD_CHART) == (2, "", ENGLISH_LINE)
    status, out, _ = run(capsys, "schedule", "--help")
    assert status == 0
    assert "Plan the year's joint trainings, exercises and meetings." in out
    assert "Write an iCalendar file." in out


def test_an_unsupported_language_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLASBOT_LANGUAGE", "xx")
    status, out, err = run(capsys, *READS_SETTINGS)
    assert (status, out) == (2, "")
    assert err == (
        "error: invalid settings: ATLASBOT_LANGUAGE: Value error, unsupported language 'xx': "
        "use one of en, fr, de\n"
    )


def test_settings_that_cannot_be_read_are_reported_in_english(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The language is one of the settings: when they cannot be read, it is not known.
    monkeypatch.setenv("ATLASBOT_LANGUAGE", "fr")
    monkeypatch.setenv("ATLASBOT_TIMEZONE", "Mars/Olympus_Mons")
    status, _, err = run(capsys, *READS_SETTINGS)
    assert status == 2
    assert err == (
        "error: invalid settings: ATLASBOT_TIMEZONE: Value error, "
        "unknown IANA time zone 'Mars/Olympus_Mons'\n"
    )


def test_the_language_is_the_commands_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLASBOT_LANGUAGE", "de")
    run(capsys, *BAD_CHART)
    assert current_locale() == "en"


# --- French: these pass once the catalogs carry the command line's translations -------------


def test_french_a_failure_line_is_french(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLASBOT_LANGUAGE", "fr")
    assert run(capsys, *BAD_CHART) == (
        2,
        "",
        "erreur : --chart plan.gif : le diagramme est en PNG ou SVG ; "
        "nommez le fichier .png ou .svg\n",
    )


def test_french_help_is_french_but_clicks_own_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLASBOT_LANGUAGE", "fr")
    status, out, _ = run(capsys, "schedule", "--help")
    assert status == 0
    assert "Planifier les entraînements communs, exercices et réunions de l'année." in out
    assert "Écrire un fichier iCalendar." in out
    assert "Plan the year's" not in out
    assert "Usage:" in out  # Click's own words stay English
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "Le registre du réseau : vérifier, importer et exporter des fichiers du réseau." in out
    assert "Sauvegarder la base de données" in out
