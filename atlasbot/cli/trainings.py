"""``atlasbot trainings import-history FILE``: past joint trainings into the database, so that
training currency (/readiness) counts them (docs/formats.md §9)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlasbot.i18n import N_, _

trainings_app = typer.Typer(help=N_("Joint trainings: the history that training currency counts."))


@trainings_app.command(
    "import-history",
    help=N_(
        "Import past joint trainings and the units that attended (re-importing adds nothing)."
    ),
)
def import_history(
    file: Annotated[Path, typer.Argument(help=N_("A history file, CSV or YAML (formats.md §9)."))],
) -> None:
    import datetime as dt

    from atlasbot.cli import common
    from atlasbot.safe_files import FileRefused, one_line, read_text_file
    from atlasbot.services.registry import load_network
    from atlasbot.services.trainings.history import import_history as store
    from atlasbot.storage.db import session_scope
    from atlasbot.training.history import HistoryFileError, parse_history

    settings = common.settings()
    try:
        text = read_text_file(file, max_bytes=settings.max_file_bytes)
    except FileRefused as refused:
        common.fail(str(refused))
    now = dt.datetime.now(dt.UTC)
    with session_scope(common.engine(settings)) as session:
        network = load_network(session)
        if not network.units:
            common.fail(_("the registry is empty: run `atlasbot network import FILE` first"))
        try:
            read = parse_history(text, str(file), network, now.astimezone(settings.tz).date())
        except HistoryFileError as err:
            common.fail(one_line(err.problems))
        for warning in read.warnings:
            typer.echo(_("warning: {warning}", warning=warning), err=True)
        done = store(session, read.entries, actor=common.cli_actor(), source=str(file), now=now)
    typer.echo(
        _(
            "{path}: {trainings} past training(s) read; {added} unit attendance(s) added, "
            "{already} already recorded",
            path=file,
            trainings=done.trainings,
            added=done.added,
            already=done.already,
        )
    )
