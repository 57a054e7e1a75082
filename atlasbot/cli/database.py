"""The database: migrations, backups and restores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlasbot.cli import common

db_app = typer.Typer(help="The database: migrations.")
commands = typer.Typer()


# --- database ---------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database does not have yet."""
    from atlasbot.storage import db

    settings = common.settings()
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    typer.echo(f"database at revision {db.current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the newest one this version ships."""
    from atlasbot.storage import db

    engine = db.make_engine(common.settings().database_url)
    typer.echo(f"current: {db.current_revision(engine) or 'empty'}; newest: {db.head_revision()}")


# --- backups ----------------------------------------------------------------------------


@commands.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Annotated[bool, typer.Option(help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Back up the database (SQLite: online backup; PostgreSQL: pg_dump, custom format)."""
    from atlasbot.storage.backup import BackupError, backup, describe

    url = common.settings().database_url
    try:
        backup(url, file, force=force)
    except BackupError as err:
        common.fail(str(err))
    typer.echo(f"backed up {describe(url)} to {file}")


@commands.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup written by `atlasbot backup`.")],
    force: Annotated[
        bool, typer.Option(help="Replace a database that already has tables.")
    ] = False,
) -> None:
    """Replace the database with a backup (every atlasbot process stopped), then verify the
    restored audit chain (exit 1 when it is broken)."""
    from atlasbot.storage.backup import BackupError, describe, restore

    url = common.settings().database_url
    try:
        report = restore(url, file, force=force)
    except BackupError as err:
        common.fail(str(err))
    typer.echo(f"restored {file} into {describe(url)} (revision {report.revision or 'none'})")
    if report.revision != report.newest_revision:
        typer.echo(
            f"this version's newest revision is {report.newest_revision}: "
            "run `atlasbot db upgrade`"
        )
    if not report.audit.ok:
        typer.echo(f"audit log BROKEN in the restored copy: {report.audit.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {report.audit.entries_checked} entries, chain verified")
