"""Planning from files: crisis plans (docs/formats.md §6) and the training calendar (§8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from atlasbot.cli import common
from atlasbot.config import Settings
from atlasbot.i18n import N_, _

commands = typer.Typer()


# --- planning and scheduling ------------------------------------------------------------


def _network_from(network_file: Path | None, settings: Settings) -> Any:
    """The network file given, else the imported registry with current unit statuses."""
    if network_file is not None:
        return common.load_network_file(network_file, settings)
    from atlasbot.services.registry import load_network
    from atlasbot.storage.db import session_scope

    with session_scope(common.engine(settings)) as session:
        network = load_network(session)
    if not network.units:
        common.fail(
            _("no --network given and the registry is empty: run `atlasbot network import FILE`")
        )
    return network


@commands.command(
    "plan",
    help=N_("Propose the best units for one request (with alternatives) or several (jointly)."),
)
def plan_command(
    request: Annotated[
        Path, typer.Option("--request", help=N_("A request file (docs/formats.md §2)."))
    ],
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help=N_("A network file; default: the imported registry.")),
    ] = None,
    alternatives: Annotated[
        int, typer.Option(help=N_("Alternative plans for a single request."), min=0, max=20)
    ] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help=N_("Print docs/formats.md §6 JSON."))
    ] = False,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", help=N_("Seconds before settling (default: setting)."), min=0.1
        ),
    ] = None,
) -> None:
    from atlasbot.planner.matching import plan
    from atlasbot.planner.report import format_table, result_to_json
    from atlasbot.planner.request_file import RequestFileError, load_requests
    from atlasbot.safe_files import one_line

    settings = common.settings()
    network = _network_from(network_file, settings)
    try:
        requests = load_requests(request, network, max_bytes=settings.max_file_bytes)
    except RequestFileError as err:
        common.fail(one_line(err.problems))
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


@commands.command("schedule", help=N_("Plan the year's joint trainings, exercises and meetings."))
def schedule_command(
    events: Annotated[
        Path, typer.Option("--events", help=N_("An events file (docs/formats.md §7)."))
    ],
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help=N_("A network file; default: the imported registry.")),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help=N_("Print docs/formats.md §8 JSON."))
    ] = False,
    ics: Annotated[Path | None, typer.Option("--ics", help=N_("Write an iCalendar file."))] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help=N_("Write a Gantt chart by unit: FILE.png or FILE.svg.")),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help=N_("Seconds for building and solving (reached: the best schedule found)."),
            min=0.1,
        ),
    ] = 30.0,
) -> None:
    from atlasbot.training.calendar import schedule
    from atlasbot.training.report import format_table, result_to_json

    image_format = _chart_format_or_fail(chart)
    # Refuse an output file that cannot be written before spending the time limit on solving.
    for option, path in (("--ics", ics), ("--chart", chart)):
        if path is not None:
            common.check_writable(option, path)
    settings = common.settings()
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
            typer.echo(_("wrote {path}", path=written), err=True)


def _chart_format_or_fail(chart: Path | None) -> Any:
    """The chart's format from its file name (None without --chart); PNG or SVG, else fail."""
    from atlasbot.training.chart import chart_format

    if chart is None:
        return None
    image_format = chart_format(chart)
    if image_format is None:
        common.fail(
            _("--chart {path}: the chart is PNG or SVG; name the file .png or .svg", path=chart)
        )
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
        common.fail(one_line(err.problems))


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
        common.fail(_("cannot write {path}: {reason}", path=writing, reason=err.strerror or err))
