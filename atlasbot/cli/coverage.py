"""`atlasbot coverage`: where in Europe a full team of one capability cannot be on scene in
time from another state (the map, GeoJSON, and the worst-covered places)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from atlasbot.cli import common
from atlasbot.i18n import N_, _

commands = typer.Typer()


def _network(network_file: Path | None) -> Any:
    """The network file as it is, else the registry with readiness now (units asked or
    deployed in open crises counted out, as the bot counts them)."""
    settings = common.settings()
    if network_file is not None:
        return common.load_network_file(network_file, settings)
    from atlasbot.services.maps import current_network
    from atlasbot.storage.db import session_scope

    with session_scope(common.engine(settings)) as session:
        network = current_network(session)
    if not network.units:
        common.fail(
            _("no --network given and the registry is empty: run `atlasbot network import FILE`")
        )
    return network


def _places(kind: str, step: float) -> Any:
    from atlasbot.gazetteer import Gazetteer
    from atlasbot.maps.outlines import load_outlines
    from atlasbot.maps.places import grid_places, town_places

    towns = Gazetteer.load()
    if kind == "towns":
        return town_places(towns)
    if kind != "grid":
        common.fail(_("--places {kind}: use grid or towns", kind=kind))
    return grid_places(load_outlines(), towns, step_deg=step)


def _question(
    network: Any, capability: str, deployed: list[str], assistance: str, include_partners: bool
) -> Any:
    """The question asked, checked against the network (a bad value fails with one line)."""
    from atlasbot.maps.coverage import CoverageQuestion

    if capability not in network.capability_codes():
        common.fail(
            _("--capability {capability}: not in the network's catalogue", capability=capability)
        )
    unknown = sorted(set(deployed) - {u.id for u in network.units})
    if unknown:
        common.fail(_("--deployed: unknown units {units}", units=", ".join(unknown)))
    forms = tuple(f.strip() for f in assistance.split(",") if f.strip())
    if not forms or not set(forms) <= {"equipment", "expertise", "action"}:
        common.fail(_("--assistance: a comma-separated list of equipment, expertise, action"))
    return CoverageQuestion(capability, forms, include_partners, tuple(dict.fromkeys(deployed)))


@commands.command(
    "coverage",
    help=N_("The earliest time a full team could be on scene at every place, from another state."),
)
def coverage_command(
    capability: Annotated[str, typer.Option("--capability", help=N_("A capability code."))],
    png: Annotated[Path | None, typer.Option("--png", help=N_("Write the map (PNG)."))] = None,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help=N_("Write every place's figure (GeoJSON)."))
    ] = None,
    network_file: Annotated[
        Path | None,
        typer.Option("--network", help=N_("A network file; default: the imported registry.")),
    ] = None,
    deployed: Annotated[
        list[str] | None,
        typer.Option("--deployed", help=N_("What if this unit is deployed (repeatable).")),
    ] = None,
    places: Annotated[str, typer.Option("--places", help=N_("grid or towns."))] = "grid",
    step: Annotated[
        float, typer.Option("--step", help=N_("Grid step in degrees."), min=0.05, max=5.0)
    ] = 0.5,
    assistance: Annotated[
        str, typer.Option("--assistance", help=N_("Forms asked, comma-separated."))
    ] = "action",
    include_partners: Annotated[
        bool, typer.Option("--include-partners", help=N_("Partner states may help too (R12)."))
    ] = False,
    worst: Annotated[int, typer.Option("--worst", help=N_("Places listed."), min=1)] = 10,
) -> None:
    from atlasbot.maps.coverage import compute_coverage
    from atlasbot.maps.coverage_map import (
        WORST_APART_KM,
        coverage_geojson_text,
        render_coverage_map,
    )
    from atlasbot.texts import maps as texts

    network = _network(network_file)
    question = _question(network, capability, deployed or [], assistance, include_partners)
    for path, option in ((png, "--png"), (geojson, "--geojson")):
        if path is not None:
            common.check_writable(option, path)
    where = _places(places, step)
    started = time.perf_counter()
    coverage = compute_coverage(network, where, question, common.settings().travel_model())
    elapsed = time.perf_counter() - started
    names = {c.code: c.name for c in network.capabilities}
    title = texts.coverage_title(capability, names, question.deployed)
    typer.echo(texts.coverage_text(coverage, title, worst, WORST_APART_KM))
    typer.echo(
        _(
            "computed in {ms} ms ({places} places, {units} units)",
            ms=round(elapsed * 1000),
            places=len(where),
            units=len(network.units),
        )
    )
    if png is not None:
        png.write_bytes(render_coverage_map(coverage, network, title, worst=worst))
    if geojson is not None:
        geojson.write_text(coverage_geojson_text(coverage), encoding="utf-8")
