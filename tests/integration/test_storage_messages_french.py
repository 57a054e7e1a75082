"""What an operator reads from ``audit verify`` and ``backup`` follows the reader's language
(issue 15): the same problem and the same refusal, in French, while English stays the source
wording the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from atlasbot.i18n import using_locale
from atlasbot.storage import audit
from atlasbot.storage.backup import BackupError, backup
from atlasbot.storage.db import session_scope

from .test_audit_log import drop_audit_triggers, write_entries


def verify(engine: Engine) -> audit.VerifyReport:
    with session_scope(engine, read_only=True) as session:
        return audit.verify(session)


def test_an_audit_verify_problem_line_reads_in_french(engine: Engine) -> None:
    write_entries(engine, 3)
    drop_audit_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 2"))
    assert verify(engine).problems == (
        "entry #2 was altered: its hash no longer matches its content",
    )
    with using_locale("fr"):
        report = verify(engine)
    assert report.problems == (
        "l'entrée #2 a été modifiée : son empreinte ne correspond plus à son contenu",
    )


def test_a_backup_refusal_reads_in_french(tmp_path: Path) -> None:
    target = tmp_path / "atlasbot.backup"
    target.write_bytes(b"an earlier backup")
    url = f"sqlite:///{tmp_path / 'atlasbot.db'}"
    with pytest.raises(BackupError) as refused:
        backup(url, target)
    assert str(refused.value) == f"{target} exists: pass --force to overwrite it"
    with using_locale("fr"), pytest.raises(BackupError) as refused:
        backup(url, target)
    assert str(refused.value) == f"{target} existe : ajoutez --force pour l'écraser"
