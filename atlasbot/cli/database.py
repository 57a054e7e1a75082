"""The database: migrations, backups and restores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlasbot.cli import common
from atlasbot.i18n import N_, _

db_app = typer.Typer(help=N_("The database: migrations."))
commands = typer.Typer()


# --- database ---------------------------------------------------------------------------


@db_app.command("upgrade", help=N_("Apply every migration the database does not have yet."))
def db_upgrade() -> None:
    from atlasbot.storage import db

    settings = common.settings()
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    typer.echo(_("database at revision {revision}", revision=db.current_revision(engine)))


@db_app.command(
    "current",
    help=N_("Print the database's migration revision and the newest one this version ships."),
)
def db_current() -> None:
    from atlasbot.storage import db

    engine = db.make_engine(common.settings().database_url)
    current, newest = db.current_revision(engine), db.head_revision()
    if current:
        typer.echo(_("current: {current}; newest: {newest}", current=current, newest=newest))
    else:
        typer.echo(_("current: empty; newest: {newest}", newest=newest))


# --- backups ----------------------------------------------------------------------------


@commands.command(
    "backup",
    help=N_("Back up the database (SQLite: online backup; PostgreSQL: pg_dump, custom format)."),
)
def backup_command(
    file: Annotated[Path, typer.Argument(help=N_("Where to write the backup."))],
    force: Annotated[bool, typer.Option(help=N_("Overwrite FILE if it exists."))] = False,
) -> None:
    from atlasbot.storage.backup import BackupError, backup, describe

    url = common.settings().database_url
    try:
        backup(url, file, force=force)
    except BackupError as err:
        common.fail(str(err))
    typer.echo(_("backed up {database} to {path}", database=describe(url), path=file))


@commands.command(
    "restore",
    help=N_(
        "Replace the database with a backup (every atlasbot process stopped), then verify the "
        "restored audit chain (exit 1 when it is broken)."
    ),
)
def restore_command(
    file: Annotated[Path, typer.Argument(help=N_("A backup written by `atlasbot backup`."))],
    force: Annotated[
        bool, typer.Option(help=N_("Replace a database that already has tables."))
    ] = False,
) -> None:
    from atlasbot.storage.backup import BackupError, describe, restore

    url = common.settings().database_url
    try:
        report = restore(url, file, force=force)
    except BackupError as err:
        common.fail(str(err))
    if report.revision:
        restored = _(
            "restored {path} into {database} (revision {revision})",
            path=file,
            database=describe(url),
            revision=report.revision,
        )
    else:
        restored = _(
            "restored {path} into {database} (revision none)", path=file, database=describe(url)
        )
    typer.echo(restored)
    if report.revision != report.newest_revision:
        typer.echo(
            _(
                "this version's newest revision is {revision}: run `atlasbot db upgrade`",
                revision=report.newest_revision,
            )
        )
    if not report.audit.ok:
        typer.echo(
            _("audit log BROKEN in the restored copy: {problem}", problem=report.audit.problem),
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        _(
            "audit log intact: {entries} entries, chain verified",
            entries=report.audit.entries_checked,
        )
    )
