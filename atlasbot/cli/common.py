"""What every command shares: one-line failures, settings, the engine, the network file."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any, NoReturn

from atlasbot.config import Settings, load_settings
from atlasbot.i18n import _

EXIT_INVALID = 2


class CliError(Exception):
    """Bad input at the command line: printed as one line, exit status 2."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def settings() -> Settings:
    return load_settings()


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    return f"cli:{user}"


def engine(settings: Settings, *, upgrade: bool = True) -> Any:
    """The engine, with the schema brought up to date first (it is idempotent and fast).

    Audit entries appended through it are sealed when ATLASBOT_AUDIT_KEY is set.
    """
    from atlasbot.storage import audit, db

    engine = db.make_engine(settings.database_url)
    audit.seal_with(engine, audit.SealKey.from_setting(settings.audit_key))
    if upgrade and db.current_revision(engine) != db.head_revision():
        db.upgrade(settings.database_url)
    return engine


def load_network_file(path: Path, settings: Settings, *, list_problems: bool = False) -> Any:
    """The network file's Network; a bad file fails with one line (the first problem and how
    many more), or with ``list_problems`` a bounded list, one problem a line (``check``)."""
    from atlasbot.network import NetworkFileError, load_network
    from atlasbot.safe_files import listed, one_line

    try:
        return load_network(path, max_bytes=settings.max_file_bytes)
    except NetworkFileError as err:
        problems = [str(problem) for problem in err.problems]
        fail(listed(problems) if list_problems else one_line(problems))


def check_writable(option: str, path: Path) -> None:
    """Fail with one line naming the path when the file could not be written."""
    folder = path.parent
    if path.is_dir():
        fail(_("{option} {path}: is a folder, not a file", option=option, path=path))
    if not folder.is_dir():
        fail(
            _(
                "{option} {path}: the folder {folder} does not exist",
                option=option,
                path=path,
                folder=folder,
            )
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        fail(_("{option} {path}: not writable (permission denied)", option=option, path=path))
