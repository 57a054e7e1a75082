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
    """The engine, with the schema brought up to date first (it is idempotent and fast)."""
    from atlasbot import db

    engine = db.make_engine(settings.database_url)
    if upgrade and db.current_revision(engine) != db.head_revision():
        db.upgrade(settings.database_url)
    return engine


def _load_network_file(path: Path) -> Any:
    from atlasbot.network import NetworkFileError, load_network

    try:
        return load_network(path)
    except NetworkFileError as err:
        fail(str(err))


# --- database ---------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database does not have yet."""
    from atlasbot import db

    settings = _settings()
    db.upgrade(settings.database_url)
    engine = db.make_engine(settings.database_url)
    typer.echo(f"database at revision {db.current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the newest one this version ships."""
    from atlasbot import db

    engine = db.make_engine(_settings().database_url)
    typer.echo(f"current: {db.current_revision(engine) or 'empty'}; newest: {db.head_revision()}")


# --- network registry -------------------------------------------------------------------


@network_app.command("check")
def network_check(
    file: Annotated[Path, typer.Argument(help="A network YAML file (INTERFACES §1).")],
) -> None:
    """Validate a network file; list every problem with its field path."""
    network = _load_network_file(file)
    typer.echo(
        f"{file}: valid: {len(network.countries)} countries, {len(network.units)} units, "
        f"{len(network.capabilities)} capabilities"
    )


@network_app.command("import")
def network_import(
    file: Annotated[Path, typer.Argument(help="A network YAML file (INTERFACES §1).")],
) -> None:
    """Make the registry equal to a network file in one transaction; a bad file changes nothing."""
    from atlasbot.db import session_scope
    from atlasbot.services.registry import import_network

    network = _load_network_file(file)
    settings = _settings()
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
    from atlasbot.db import session_scope
    from atlasbot.network import dump_network
    from atlasbot.services.registry import load_network

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
    from atlasbot.db import session_scope
    from atlasbot.services.registry import load_network

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


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; name the first entry altered, removed or inserted (exit 1)."""
    from atlasbot import audit
    from atlasbot.db import session_scope

    with session_scope(_engine(_settings())) as session:
        report = audit.verify(session)
    if report.ok:
        typer.echo(f"audit log intact: {report.entries_checked} entries, chain verified")
        return
    typer.echo(f"audit log BROKEN: {report.problem}", err=True)
    typer.echo(f"entries intact before it: {report.entries_checked}", err=True)
    raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    last: Annotated[int, typer.Option(help="How many of the newest entries.", min=1)] = 20,
) -> None:
    """Print the newest audit entries."""
    from atlasbot import audit
    from atlasbot.db import session_scope

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

    from atlasbot.db import session_scope
    from atlasbot.models import Role
    from atlasbot.services.enrolment import create_invite

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
        return _load_network_file(network_file)
    from atlasbot.db import session_scope
    from atlasbot.services.registry import load_network

    with session_scope(_engine(settings)) as session:
        network = load_network(session)
    if not network.units:
        fail("no --network given and the registry is empty: run `atlasbot network import FILE`")
    return network


@app.command("plan")
def plan_command(
    request: Annotated[Path, typer.Option("--request", help="A request file (INTERFACES §2).")],
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help="A network file; default: the imported registry."),
    ] = None,
    alternatives: Annotated[
        int, typer.Option(help="Alternative plans for a single request.", min=0, max=20)
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print INTERFACES §6 JSON.")] = False,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="Seconds before settling (default: setting).", min=0.1),
    ] = None,
) -> None:
    """Propose the best units for one request (with alternatives) or several (jointly)."""
    from atlasbot.planner.matching import plan
    from atlasbot.planner.report import format_table, result_to_json
    from atlasbot.planner.request_file import RequestFileError, load_requests

    settings = _settings()
    network = _network_from(network_file, settings)
    try:
        requests = load_requests(request, network)
    except RequestFileError as err:
        fail(str(err))
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
    events: Annotated[Path, typer.Option("--events", help="An events file (INTERFACES §7).")],
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help="A network file; default: the imported registry."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print INTERFACES §8 JSON.")] = False,
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
    from atlasbot.training.chart import chart_format, gantt_png
    from atlasbot.training.events_file import EventsFileError, load_events
    from atlasbot.training.ics import to_ics
    from atlasbot.training.report import format_table, result_to_json

    image_format = None
    if chart is not None:
        image_format = chart_format(chart)
        if image_format is None:
            fail(f"--chart {chart}: the chart is PNG or SVG; name the file .png or .svg")
    # Refuse an output file that cannot be written before spending the time limit on solving.
    for option, path in (("--ics", ics), ("--chart", chart)):
        if path is not None:
            _check_writable(option, path)
    settings = _settings()
    network = _network_from(network_file, settings)
    try:
        events_plan = load_events(events, network)
    except EventsFileError as err:
        fail(str(err))
    result = schedule(network, events_plan, time_limit_s=time_limit)
    writing = ics
    try:
        if ics is not None:
            ics.write_bytes(to_ics(result, network, events_plan))
        writing = chart
        if chart is not None and image_format is not None:
            gantt_png(result, network, chart, image_format=image_format)
    except OSError as err:
        fail(f"cannot write {writing}: {err.strerror or err}")
    if as_json:
        typer.echo(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(format_table(result, network))
    for written in (ics, chart):
        if written is not None:
            typer.echo(f"wrote {written}", err=True)


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
    """Serve real Telegram by long polling (needs ATLASBOT_TOKEN)."""
    from atlasbot.runtime import run_polling

    settings = _settings()
    if settings.token is None:
        fail("ATLASBOT_TOKEN is not set: get a token from @BotFather and export it")
    run_polling(settings)


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


def _run_cli(command: Callable[[], Any]) -> int:
    try:
        command()
    except CliError as err:
        typer.echo(f"error: {err}", err=True)
        return EXIT_INVALID
    except SettingsError as err:
        typer.echo(f"error: {err}", err=True)
        return EXIT_INVALID
    except typer.Exit as done:
        return int(done.exit_code)
    except SystemExit as done:
        return int(done.code or 0) if isinstance(done.code, int | None) else 1
    except Exception as err:
        from atlasbot.services.errors import DomainError

        if isinstance(err, DomainError):
            typer.echo(f"error: {err}", err=True)
            return EXIT_INVALID
        log.debug("unexpected failure", exc_info=True)
        typer.echo(
            f"error: unexpected failure ({type(err).__name__}: {err}); "
            "set ATLASBOT_LOG_LEVEL=DEBUG for details",
            err=True,
        )
        return 1
    return 0


# Commands that keep running: their log lines carry the time. The others are one-shot
# file commands, where a warning reads as a plain line ("WARNING: net.yaml: notes: ...").
_SERVICE_COMMANDS = frozenset({"run", "sandbox", "demo"})


def _configure_logging(command: str = "") -> None:
    try:
        level = load_settings().log_level
    except SettingsError:
        level = "INFO"
    layout = (
        "%(asctime)s %(levelname)s %(name)s: %(message)s"
        if command in _SERVICE_COMMANDS
        else "%(levelname)s: %(message)s"
    )
    logging.basicConfig(level=level, format=layout, stream=sys.stderr)
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if level != "DEBUG":
        for chatty in ("alembic", "apscheduler", "telegram.ext"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``atlasbot`` command and ``python -m atlasbot``."""
    args = sys.argv[1:] if argv is None else argv
    _configure_logging(next((arg for arg in args if not arg.startswith("-")), ""))
    return _run_cli(lambda: app(args=args, prog_name="atlasbot", standalone_mode=True))
