"""The command line: the same services as the chat, for administrators and scripts.

Every command exits 0 on success, 2 on bad input (with the message on standard error) and
never shows a traceback; ``ATLASBOT_LOG_LEVEL=DEBUG`` logs one for developers. One module a
family of commands; this one assembles them and runs a command.

Messages and help texts are in ``ATLASBOT_LANGUAGE`` (English by default, never taken from
LANG: scripts parse the English output); Click's own words ("Usage:", "Missing option") stay
English.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import typer

from atlasbot.cli import audit, coverage, database, members, planning, registry, serving, trainings
from atlasbot.cli.audit import NO_KEY_NOTE as NO_KEY_NOTE
from atlasbot.cli.common import EXIT_INVALID, CliError
from atlasbot.config import Settings, SettingsError, load_settings
from atlasbot.i18n import DEFAULT_LOCALE, N_, _, using_locale
from atlasbot.redaction import Redactor, install

log = logging.getLogger("atlasbot")

app = typer.Typer(
    name="atlasbot",
    help=N_("atlasbot: cross-border help between special intervention units (2008/617/JHA)."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(registry.network_app, name="network")
app.add_typer(database.db_app, name="db")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(members.members_app, name="members")
app.add_typer(trainings.trainings_app, name="trainings")
# The top-level commands of each family (backup, restore, invite, plan, schedule, run, ...).
for family in (
    database.commands,
    registry.commands,
    planning.commands,
    serving.commands,
    coverage.commands,
):
    app.add_typer(family)


def _database_problem(err: Exception) -> str:
    """One line for a database that cannot be reached or used (its password hidden)."""
    from atlasbot.storage.db import shown_url

    try:
        shown = shown_url(load_settings().database_url)
    except Exception:  # the settings were fine a moment ago; do not fail while failing
        shown = "ATLASBOT_DATABASE_URL"
    cause = getattr(err, "orig", None) or err
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return _("cannot use the database at {database}: {reason}", database=shown, reason=reason)


def _run_cli(command: Callable[[], Any], redact: Callable[[str], str] = str) -> int:
    def say(message: str) -> None:
        typer.echo(redact(_("error: {message}", message=message)), err=True)

    try:
        command()
    except CliError as err:
        say(str(err))
        return EXIT_INVALID
    except SettingsError as err:
        say(str(err))
        return EXIT_INVALID
    except typer.Exit as done:
        return int(done.exit_code)
    except SystemExit as done:
        return int(done.code or 0) if isinstance(done.code, int | None) else 1
    except Exception as err:
        from sqlalchemy.exc import InterfaceError, OperationalError

        from atlasbot.services.errors import DomainError
        from atlasbot.storage.leadership import AlreadyRunning

        # AlreadyRunning: a second process on one SQLite file, refused in one line.
        if isinstance(err, DomainError | AlreadyRunning):
            say(str(err))
            return EXIT_INVALID
        log.debug("failure", exc_info=True)
        if isinstance(err, OperationalError | InterfaceError):
            say(_database_problem(err))
            return EXIT_INVALID
        say(
            _(
                "unexpected failure ({kind}: {error}); set ATLASBOT_LOG_LEVEL=DEBUG for details",
                kind=type(err).__name__,
                error=err,
            )
        )
        return 1
    return 0


# Commands that keep running: their log lines carry the time. The others are one-shot
# file commands, where a warning reads as a plain line ("WARNING: net.yaml: notes: ...").
_SERVICE_COMMANDS = frozenset({"run", "sandbox", "demo"})


def _settings_or_none() -> Settings | None:
    try:
        return load_settings()
    except SettingsError:  # reported by the command itself; defaults meanwhile
        return None


def _configure_logging(settings: Settings | None, command: str = "") -> Redactor:
    """Log to standard error (text, or JSON with ATLASBOT_LOG_FORMAT=json), every line
    passed through the secrets' redactor."""
    from atlasbot.log_format import configure_logging

    secrets = (settings.token, settings.audit_key, settings.webhook_secret) if settings else ()
    redactor = Redactor(secret.get_secret_value() for secret in secrets if secret is not None)
    root = logging.getLogger()
    if any(handler.name != _OUR_HANDLER for handler in root.handlers):
        # Whoever called main() configured logging already (a test, an embedding program):
        # keep their handlers, as logging.basicConfig would, with the redactor on them.
        root.setLevel(settings.log_level if settings is not None else "INFO")
    else:
        handler = configure_logging(
            settings or Settings.model_construct(),
            service=command in _SERVICE_COMMANDS,
            filters=[redactor],
        )
        handler.name = _OUR_HANDLER
    install(redactor)
    return redactor


_OUR_HANDLER = "atlasbot.cli"


def translate_help(command: object) -> None:
    """Put the help texts of a built Click command, its subcommands and their parameters in
    the reader's language (they are marked with ``N_`` where they are written). Duck-typed:
    Typer builds its commands with the Click it bundles."""
    for name in ("help", "short_help"):
        text = getattr(command, name, None)
        if text:
            setattr(command, name, _(text))
    for param in getattr(command, "params", ()):
        text = getattr(param, "help", None)  # options and Typer's arguments have one
        if text:
            param.help = _(text)
    for subcommand in getattr(command, "commands", {}).values():
        translate_help(subcommand)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``atlasbot`` command and ``python -m atlasbot``."""
    args = sys.argv[1:] if argv is None else argv
    settings = _settings_or_none()
    redactor = _configure_logging(
        settings, next((arg for arg in args if not arg.startswith("-")), "")
    )

    def run() -> Any:
        command = typer.main.get_command(app)
        translate_help(command)
        return command(args=args, prog_name="atlasbot", standalone_mode=True)

    # Settings that cannot be read are reported in English: their language is not known.
    with using_locale(settings.language if settings is not None else DEFAULT_LOCALE):
        return _run_cli(run, redactor)
