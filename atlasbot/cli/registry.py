"""The network registry and enrolment: check, import and export network files; invites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atlasbot.cli import common

network_app = typer.Typer(help="The network registry: check, import and export network files.")
commands = typer.Typer()


# --- network registry -------------------------------------------------------------------


@network_app.command("check")
def network_check(
    file: Annotated[Path, typer.Argument(help="A network YAML file (docs/formats.md §1).")],
) -> None:
    """Validate a network file; list its problems (at most 20) with their field paths."""
    network = common.load_network_file(file, common.settings(), list_problems=True)
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

    settings = common.settings()
    network = common.load_network_file(file, settings)
    with session_scope(common.engine(settings)) as session:
        summary = import_network(session, network, actor=common.cli_actor(), source=str(file))
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

    with session_scope(common.engine(common.settings())) as session:
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

    with session_scope(common.engine(common.settings())) as session:
        network = load_network(session)
    if not network.units:
        common.fail("the registry is empty: run `atlasbot network import data/network.yaml` first")
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


# --- enrolment --------------------------------------------------------------------------


@commands.command("invite")
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
        common.fail(
            f"--role: unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        )
    settings = common.settings()
    ttl = timedelta(days=days) if days else settings.invite_ttl
    with session_scope(common.engine(settings)) as session:
        code, row = create_invite(
            session,
            role=parsed_role,
            country=country.upper() if country else None,
            unit_id=unit,
            created_by=common.cli_actor(),
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
