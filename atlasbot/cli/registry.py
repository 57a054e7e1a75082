"""The network registry and enrolment: check, import and export network files; invites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from atlasbot.cli import common
from atlasbot.i18n import N_, _

network_app = typer.Typer(help=N_("The network registry: check, import and export network files."))
commands = typer.Typer()


# --- network registry -------------------------------------------------------------------


@network_app.command(
    "check",
    help=N_("Validate a network file; list its problems (at most 20) with their field paths."),
)
def network_check(
    file: Annotated[Path, typer.Argument(help=N_("A network YAML file (docs/formats.md §1)."))],
) -> None:
    network = common.load_network_file(file, common.settings(), list_problems=True)
    typer.echo(
        _(
            "{path}: valid: {countries} countries, {units} units, {capabilities} capabilities",
            path=file,
            countries=len(network.countries),
            units=len(network.units),
            capabilities=len(network.capabilities),
        )
    )


@network_app.command(
    "import",
    help=N_(
        "Make the registry equal to a network file in one transaction; a bad file changes nothing."
    ),
)
def network_import(
    file: Annotated[Path, typer.Argument(help=N_("A network YAML file (docs/formats.md §1)."))],
) -> None:
    from atlasbot.services.registry import import_network
    from atlasbot.storage.db import session_scope

    settings = common.settings()
    network = common.load_network_file(file, settings)
    with session_scope(common.engine(settings)) as session:
        summary = import_network(session, network, actor=common.cli_actor(), source=str(file))
    for line in summary.lines():
        typer.echo(line)


@network_app.command(
    "export", help=N_("Write the registry, with current statuses, as a network file.")
)
def network_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=N_("Write here instead of stdout."))
    ] = None,
) -> None:
    from atlasbot.network import dump_network
    from atlasbot.services.registry import load_network
    from atlasbot.storage.db import session_scope

    with session_scope(common.engine(common.settings())) as session:
        text = dump_network(load_network(session))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(_("wrote {path}", path=output))


@network_app.command(
    "show", help=N_("Summarise the imported registry: states, units and their readiness.")
)
def network_show() -> None:
    from atlasbot.services.registry import load_network
    from atlasbot.storage.db import session_scope

    with session_scope(common.engine(common.settings())) as session:
        network = load_network(session)
    if not network.units:
        common.fail(
            _("the registry is empty: run `atlasbot network import data/network.yaml` first")
        )
    for country in network.countries:
        units = [u for u in network.units if u.country == country.code]
        flags = []
        if not country.bound_by_decision:
            flags.append(_("partner"))
        if not country.armed_action_abroad:
            flags.append(_("no armed action abroad"))
        if country.home_reserve:
            flags.append(_("home reserve {count}", count=country.home_reserve))
        extra = f" ({', '.join(flags)})" if flags else ""
        listing = ", ".join(f"{u.id} {u.status.value}" for u in units) or _("no units")
        typer.echo(f"{country.code} {country.name}{extra}: {listing}")


# --- enrolment --------------------------------------------------------------------------


@commands.command(
    "invite", help=N_("Create a one-time enrolment code (sent by the invitee as /start CODE).")
)
def invite(
    role: Annotated[
        str, typer.Option(help=N_("authority, commander, duty, coordinator or admin."))
    ],
    country: Annotated[
        str | None, typer.Option(help=N_("The state, for --role authority."))
    ] = None,
    unit: Annotated[str | None, typer.Option(help=N_("The unit, for commander and duty."))] = None,
    days: Annotated[int | None, typer.Option(help=N_("Days the code stays valid."), min=1)] = None,
) -> None:
    from datetime import timedelta

    from atlasbot.services.enrolment import create_invite
    from atlasbot.storage.db import session_scope
    from atlasbot.storage.models import Role

    try:
        parsed_role = Role(role)
    except ValueError:
        common.fail(
            _(
                "--role: unknown role {role!r}; use one of {roles}",
                role=role,
                roles=", ".join(r.value for r in Role),
            )
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
    typer.echo(_invite_note(code, parsed_role.value, row), err=True)


def _invite_note(code: str, role: str, row: Any) -> str:
    """What the code is for and until when (a role's scope is a state, a unit or neither)."""
    until = f"{row.expires_at:%Y-%m-%d %H:%M}"
    if row.country:
        return _(
            "one-time code for {role} of {country}, valid until {until} UTC; "
            "the invitee sends /start {code}",
            role=role,
            country=row.country,
            until=until,
            code=code,
        )
    if row.unit_id:
        return _(
            "one-time code for {role} of unit {unit}, valid until {until} UTC; "
            "the invitee sends /start {code}",
            role=role,
            unit=row.unit_id,
            until=until,
            code=code,
        )
    return _(
        "one-time code for {role}, valid until {until} UTC; the invitee sends /start {code}",
        role=role,
        until=until,
        code=code,
    )
