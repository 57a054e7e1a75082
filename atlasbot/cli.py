"""The command line: the same services as the chat, for administrators and scripts.

Every command exits 0 on success, 2 on bad input (with the message on standard error) and
never shows a traceback; ``ATLASBOT_LOG_LEVEL=DEBUG`` logs one for developers.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from atlasbot.config import Settings, SettingsError, load_settings
from atlasbot.redaction import Redactor, install

log = logging.getLogger("atlasbot")

EXIT_INVALID = 2

app = typer.Typer(
    name="atlasbot",
    help="atlasbot: cross-border help between special intervention units (2008/617/JHA).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
network_app = typer.Typer(help="The network registry: check, import and export network files.")
db_app = typer.Typer(help="The database: migrations.")
audit_app = typer.Typer(help="The append-only audit log.")
app.add_typer(network_app, name="network")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")


class CliError(Exception):
    """Bad input at the command line: printed as one line, exit status 2."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def _settings() -> Settings:
    return load_settings()


def _cli_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    return f"cli:{user}"


def _engine(settings: Settings, *, upgrade: bool = True) -> Any:
    """The engine, with the schema brought up to date first (it is idempotent and fast).

    Audit entries appended through it are sealed when ATLASBOT_AUDIT_KEY is set.
    """
    from atlasbot.storage import audit, db

    engine = db.make_engine(settings.database_url)
    audit.seal_with(engine, audit.SealKey.from_setting(settings.audit_key))
    if upgrade and db.current_revision(engine) != db.head_revision():
        db.upgrade(settings.database_url)
    return engine


def _load_network_file(path: Path, settings: Settings, *, list_problems: bool = False) -> Any:
    """The network file's Network; a bad file fails with one line (the first problem and how
    many more), or with ``list_problems`` a bounded list, one problem a line (``check``)."""
    from atlasbot.network import NetworkFileError, load_network
    from atlasbot.safe_files import listed, one_line

    try:
        return load_network(path, max_bytes=settings.max_file_bytes)
    except NetworkFileError as err:
        problems = [str(problem) for problem in err.problems]
        fail(listed(problems) if list_problems else one_line(problems))


# --- database ---------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database does not have yet."""
    from atlasbot.storage import db

    settings = _settings()
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    typer.echo(f"database at revision {db.current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the newest one this version ships."""
    from atlasbot.storage import db

    engine = db.make_engine(_settings().database_url)
    typer.echo(f"current: {db.current_revision(engine) or 'empty'}; newest: {db.head_revision()}")


# --- backups ----------------------------------------------------------------------------


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Annotated[bool, typer.Option(help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Back up the database (SQLite: online backup; PostgreSQL: pg_dump, custom format)."""
    from atlasbot.storage.backup import BackupError, backup, describe

    url = _settings().database_url
    try:
        backup(url, file, force=force)
    except BackupError as err:
        fail(str(err))
    typer.echo(f"backed up {describe(url)} to {file}")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup written by `atlasbot backup`.")],
    force: Annotated[
        bool, typer.Option(help="Replace a database that already has tables.")
    ] = False,
) -> None:
    """Replace the database with a backup (every atlasbot process stopped), then verify the
    restored audit chain (exit 1 when it is broken)."""
    from atlasbot.storage.backup import BackupError, describe, restore

    url = _settings().database_url
    try:
        report = restore(url, file, force=force)
    except BackupError as err:
        fail(str(err))
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


# --- network registry -------------------------------------------------------------------


@network_app.command("check")
def network_check(
    file: Annotated[Path, typer.Argument(help="A network YAML file (docs/formats.md §1).")],
) -> None:
    """Validate a network file; list its problems (at most 20) with their field paths."""
    network = _load_network_file(file, _settings(), list_problems=True)
    typer.echo(
        f"{file}: valid: {len(network.countries)} countries, {len(network.units)} units, "
        f"{len(network.capabilities)} capabilities"
    )


@network_app.command("import")
def network_import(
    file: Annotated[Path, typer.Argument(help="A network YAML file (docs/formats.md §1).")],
) -> None:
    """Make the registry equal to a network file in one transaction; a bad file changes nothing."""
    from atlasbot.services.registry import import_network
    from atlasbot.storage.db import session_scope

    settings = _settings()
    network = _load_network_file(file, settings)
    with session_scope(_engine(settings)) as session:
        summary = import_network(session, network, actor=_cli_actor(), source=str(file))
    for line in summary.lines():
        typer.echo(line)


@network_app.command("export")
def network_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write the registry, with current statuses, as a network file."""
    from atlasbot.network import dump_network
    from atlasbot.services.registry import load_network
    from atlasbot.storage.db import session_scope

    with session_scope(_engine(_settings())) as session:
        text = dump_network(load_network(session))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")


@network_app.command("show")
def network_show() -> None:
    """Summarise the imported registry: states, units and their readiness."""
    from atlasbot.services.registry import load_network
    from atlasbot.storage.db import session_scope

    with session_scope(_engine(_settings())) as session:
        network = load_network(session)
    if not network.units:
        fail("the registry is empty: run `atlasbot network import data/network.yaml` first")
    for country in network.countries:
        units = [u for u in network.units if u.country == country.code]
        flags = []
        if not country.bound_by_decision:
            flags.append("partner")
        if not country.armed_action_abroad:
            flags.append("no armed action abroad")
        if country.home_reserve:
            flags.append(f"home reserve {country.home_reserve}")
        extra = f" ({', '.join(flags)})" if flags else ""
        listing = ", ".join(f"{u.id} {u.status.value}" for u in units) or "no units"
        typer.echo(f"{country.code} {country.name}{extra}: {listing}")


# --- audit ------------------------------------------------------------------------------


NO_KEY_NOTE = (
    "seals not checked: ATLASBOT_AUDIT_KEY is not set, so an entry forged with a correct "
    "hash, or a re-hashed chain, would pass"
)


def _read_anchor(path: Path) -> Any:
    from atlasbot.storage import audit

    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"--anchor {path}: cannot read it ({getattr(err, 'strerror', None) or err})")
    try:
        return audit.parse_anchor(content)
    except audit.AnchorError as err:
        fail(f"--anchor {path}: {err}")


def _seal_lines(report: Any) -> list[str]:
    if not report.key_given:
        return [NO_KEY_NOTE]
    lines = [f"seals verified with ATLASBOT_AUDIT_KEY: {report.sealed} entries"]
    if report.unsealed_before_key is not None:
        first, last = report.unsealed_before_key
        span = f"entry #{first} is" if first == last else f"entries #{first} to #{last} are"
        lines.append(f"{span} unsealed: written before ATLASBOT_AUDIT_KEY was set")
    return lines


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor", help="An anchor file (atlasbot audit anchor): the log must still hold it."
        ),
    ] = None,
) -> None:
    """Walk the hash chain and the seals; name the entry of every problem found (exit 1)."""
    from atlasbot.storage import audit
    from atlasbot.storage.db import session_scope

    settings = _settings()
    key = audit.SealKey.from_setting(settings.audit_key)
    pinned = _read_anchor(anchor) if anchor is not None else None
    with session_scope(_engine(settings), read_only=True) as session:
        report = audit.verify(session, key=key, anchor=pinned)
    if not report.ok:
        typer.echo(
            f"audit log BROKEN: {len(report.problems) + report.more_problems} "
            f"problem(s) in {report.entries_checked} entries",
            err=True,
        )
        for line in report.problem_lines():
            typer.echo(f"  {line}", err=True)
        for line in _seal_lines(report):
            typer.echo(line, err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {report.entries_checked} entries, chain verified")
    for line in _seal_lines(report):
        typer.echo(line)
    if pinned is not None:
        signature = "signature checked" if key is not None else "signature NOT checked (no key)"
        typer.echo(f"anchor of {pinned.time} holds: entry #{pinned.seq} unchanged ({signature})")


@audit_app.command("anchor")
def audit_anchor(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the anchor to this file.")
    ] = None,
) -> None:
    """Print the signed head of the log (an anchor), to keep outside the database."""
    from atlasbot.storage import audit
    from atlasbot.storage.db import session_scope

    settings = _settings()
    key = audit.SealKey.from_setting(settings.audit_key)
    if key is None:
        fail(
            "ATLASBOT_AUDIT_KEY is not set: an anchor is signed with it "
            "(a random secret of 32 characters or more, kept outside the database)"
        )
    if output is not None:
        _check_writable("--output", output)
    with session_scope(_engine(settings), read_only=True) as session:
        report = audit.verify(session, key=key)
        if not report.ok:
            typer.echo(
                "audit log BROKEN: not anchoring it; `atlasbot audit verify` says why", err=True
            )
            raise typer.Exit(1)
        line = audit.anchor_text(session, key)
    typer.echo(line)
    if output is not None:
        try:
            output.write_text(line + "\n", encoding="utf-8")
        except OSError as err:
            fail(f"cannot write {output}: {err.strerror or err}")
        typer.echo(f"wrote {output}", err=True)


@audit_app.command("show")
def audit_show(
    last: Annotated[int, typer.Option(help="How many of the newest entries.", min=1)] = 20,
) -> None:
    """Print the newest audit entries."""
    from atlasbot.storage import audit
    from atlasbot.storage.db import session_scope

    with session_scope(_engine(_settings())) as session:
        entries = audit.recent(session, last)
    for entry in entries:
        payload = json.dumps(entry.payload, ensure_ascii=False, sort_keys=True)
        typer.echo(
            f"#{entry.seq} {entry.at:%Y-%m-%d %H:%M:%S} {entry.actor} {entry.action} "
            f"{entry.object} {payload}"
        )


# --- enrolment --------------------------------------------------------------------------


@app.command("invite")
def invite(
    role: Annotated[str, typer.Option(help="authority, commander, duty, coordinator or admin.")],
    country: Annotated[str | None, typer.Option(help="The state, for --role authority.")] = None,
    unit: Annotated[str | None, typer.Option(help="The unit, for commander and duty.")] = None,
    days: Annotated[int | None, typer.Option(help="Days the code stays valid.", min=1)] = None,
) -> None:
    """Create a one-time enrolment code (sent by the invitee as /start CODE)."""
    from datetime import timedelta

    from atlasbot.services.enrolment import create_invite
    from atlasbot.storage.db import session_scope
    from atlasbot.storage.models import Role

    try:
        parsed_role = Role(role)
    except ValueError:
        fail(f"--role: unknown role {role!r}; use one of {', '.join(r.value for r in Role)}")
    settings = _settings()
    ttl = timedelta(days=days) if days else settings.invite_ttl
    with session_scope(_engine(settings)) as session:
        code, row = create_invite(
            session,
            role=parsed_role,
            country=country.upper() if country else None,
            unit_id=unit,
            created_by=_cli_actor(),
            ttl=ttl,
        )
    typer.echo(code)
    typer.echo(
        f"one-time code for {parsed_role.value}"
        + (f" of {row.country}" if row.country else "")
        + (f" of unit {row.unit_id}" if row.unit_id else "")
        + f", valid until {row.expires_at:%Y-%m-%d %H:%M} UTC; the invitee sends /start {code}",
        err=True,
    )


# --- planning and scheduling ------------------------------------------------------------


def _network_from(network_file: Path | None, settings: Settings) -> Any:
    """The network file given, else the imported registry with current unit statuses."""
    if network_file is not None:
        return _load_network_file(network_file, settings)
    from atlasbot.services.registry import load_network
    from atlasbot.storage.db import session_scope

    with session_scope(_engine(settings)) as session:
        network = load_network(session)
    if not network.units:
        fail("no --network given and the registry is empty: run `atlasbot network import FILE`")
    return network


@app.command("plan")
def plan_command(
    request: Annotated[
        Path, typer.Option("--request", help="A request file (docs/formats.md §2).")
    ],
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help="A network file; default: the imported registry."),
    ] = None,
    alternatives: Annotated[
        int, typer.Option(help="Alternative plans for a single request.", min=0, max=20)
    ] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print docs/formats.md §6 JSON.")
    ] = False,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="Seconds before settling (default: setting).", min=0.1),
    ] = None,
) -> None:
    """Propose the best units for one request (with alternatives) or several (jointly)."""
    from atlasbot.planner.matching import plan
    from atlasbot.planner.report import format_table, result_to_json
    from atlasbot.planner.request_file import RequestFileError, load_requests
    from atlasbot.safe_files import one_line

    settings = _settings()
    network = _network_from(network_file, settings)
    try:
        requests = load_requests(request, network, max_bytes=settings.max_file_bytes)
    except RequestFileError as err:
        fail(one_line(err.problems))
    result = plan(
        network,
        requests,
        alternatives,
        model=settings.travel_model(),
        time_limit_s=time_limit or settings.plan_time_limit_s,
        step_minutes=settings.plan_step_min,
    )
    if as_json:
        typer.echo(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(format_table(result, network, settings.travel_model()))


@app.command("schedule")
def schedule_command(
    events: Annotated[Path, typer.Option("--events", help="An events file (docs/formats.md §7).")],
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help="A network file; default: the imported registry."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print docs/formats.md §8 JSON.")
    ] = False,
    ics: Annotated[Path | None, typer.Option("--ics", help="Write an iCalendar file.")] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Write a Gantt chart by unit: FILE.png or FILE.svg."),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Seconds for building and solving (reached: the best schedule found).",
            min=0.1,
        ),
    ] = 30.0,
) -> None:
    """Plan the year's joint trainings, exercises and meetings."""
    from atlasbot.training.calendar import schedule
    from atlasbot.training.report import format_table, result_to_json

    image_format = _chart_format_or_fail(chart)
    # Refuse an output file that cannot be written before spending the time limit on solving.
    for option, path in (("--ics", ics), ("--chart", chart)):
        if path is not None:
            _check_writable(option, path)
    settings = _settings()
    network = _network_from(network_file, settings)
    events_plan = _events_plan_or_fail(events, network, settings)
    result = schedule(network, events_plan, time_limit_s=time_limit)
    _write_schedule_files(result, network, events_plan, ics, chart, image_format)
    if as_json:
        typer.echo(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(format_table(result, network))
    for written in (ics, chart):
        if written is not None:
            typer.echo(f"wrote {written}", err=True)


def _chart_format_or_fail(chart: Path | None) -> Any:
    """The chart's format from its file name (None without --chart); PNG or SVG, else fail."""
    from atlasbot.training.chart import chart_format

    if chart is None:
        return None
    image_format = chart_format(chart)
    if image_format is None:
        fail(f"--chart {chart}: the chart is PNG or SVG; name the file .png or .svg")
    return image_format


def _events_plan_or_fail(events: Path, network: Any, settings: Settings) -> Any:
    """The events file read against the network, or one line naming its problems."""
    from atlasbot.safe_files import one_line
    from atlasbot.training.events_file import EventsFileError, load_events

    try:
        return load_events(
            events,
            network,
            max_bytes=settings.max_file_bytes,
            max_horizon_days=settings.training_max_horizon_days,
        )
    except EventsFileError as err:
        fail(one_line(err.problems))


def _write_schedule_files(
    result: Any,
    network: Any,
    events_plan: Any,
    ics: Path | None,
    chart: Path | None,
    image_format: Any,
) -> None:
    """Write the iCalendar file and the chart asked for; fail naming the file not written."""
    from atlasbot.training.chart import gantt_png
    from atlasbot.training.ics import to_ics

    writing = ics
    try:
        if ics is not None:
            ics.write_bytes(to_ics(result, network, events_plan))
        writing = chart
        if chart is not None and image_format is not None:
            gantt_png(result, network, chart, image_format=image_format)
    except OSError as err:
        fail(f"cannot write {writing}: {err.strerror or err}")


def _check_writable(option: str, path: Path) -> None:
    """Fail with one line naming the path when the file could not be written."""
    folder = path.parent
    if path.is_dir():
        fail(f"{option} {path}: is a folder, not a file")
    if not folder.is_dir():
        fail(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        fail(f"{option} {path}: not writable (permission denied)")


# --- the bot --------------------------------------------------------------------------


@app.command("run")
def run_command() -> None:
    """Serve Telegram by long polling or a webhook, as leader or standby (needs ATLASBOT_TOKEN)."""
    from atlasbot.runtime import StartupError
    from atlasbot.serving import serve_telegram

    try:
        serve_telegram(_settings())
    except StartupError as err:
        fail(str(err))


@app.command("sandbox")
def sandbox_command(
    port: Annotated[int, typer.Option(help="Loopback port for the Bot and control APIs.")] = 8081,
    fresh: Annotated[
        bool, typer.Option(help="Use a fresh temporary database seeded from data/network.yaml.")
    ] = True,
) -> None:
    """Serve the local sandbox Bot API with the bot connected (rehearsal, checks)."""
    import asyncio

    from atlasbot.runtime import serve_sandbox, temporary_sqlite_url

    settings = _settings()
    folder = None
    if fresh:
        url, folder = temporary_sqlite_url()
        settings = settings.model_copy(update={"database_url": url})
    try:
        asyncio.run(serve_sandbox(settings, port))
    except KeyboardInterrupt:
        pass
    finally:
        if folder is not None:
            folder.cleanup()


@app.command("demo")
def demo_command() -> None:
    """Play a whole crisis offline through the sandbox and print the transcript."""
    from atlasbot.demo import main as play

    code = play()
    if code:
        raise typer.Exit(code)


def _database_problem(err: Exception) -> str:
    """One line for a database that cannot be reached or used (its password hidden)."""
    from sqlalchemy.engine import make_url

    try:
        shown = make_url(load_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # the settings were fine a moment ago; do not fail while failing
        shown = "ATLASBOT_DATABASE_URL"
    cause = getattr(err, "orig", None) or err
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"cannot use the database at {shown}: {reason}"


def _run_cli(command: Callable[[], Any], redact: Callable[[str], str] = str) -> int:
    def say(message: str) -> None:
        typer.echo(redact(f"error: {message}"), err=True)

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
            f"unexpected failure ({type(err).__name__}: {err}); "
            "set ATLASBOT_LOG_LEVEL=DEBUG for details"
        )
        return 1
    return 0


# Commands that keep running: their log lines carry the time. The others are one-shot
# file commands, where a warning reads as a plain line ("WARNING: net.yaml: notes: ...").
_SERVICE_COMMANDS = frozenset({"run", "sandbox", "demo"})


def _configure_logging(command: str = "") -> Redactor:
    """Log to standard error (text, or JSON with ATLASBOT_LOG_FORMAT=json), every line
    passed through the secrets' redactor."""
    from atlasbot.log_format import configure_logging

    try:
        settings: Settings | None = load_settings()
    except SettingsError:  # reported by the command itself; log with the defaults meanwhile
        settings = None
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``atlasbot`` command and ``python -m atlasbot``."""
    args = sys.argv[1:] if argv is None else argv
    redactor = _configure_logging(next((arg for arg in args if not arg.startswith("-")), ""))
    return _run_cli(lambda: app(args=args, prog_name="atlasbot", standalone_mode=True), redactor)
