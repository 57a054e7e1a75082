"""``atlasbot members list|revoke``: people management from the command line.

A revocation here is the same as in the chat (``revocation.revoke_role``: buttons withdrawn,
stored drafts dropped, shifts cancelled, audited), but the command line has no bot to tell the
member or to shrink their menu: their next press or command is refused, and the menu is set
again when the bot next starts.
"""

from __future__ import annotations

from typing import Annotated

import typer

members_app = typer.Typer(help="The members: list who holds which role, revoke a role.")


@members_app.command("list")
def list_members(
    country: Annotated[str | None, typer.Option(help="A state: its members and units'.")] = None,
    unit: Annotated[str | None, typer.Option(help="A unit: its members.")] = None,
) -> None:
    """Every role held now: member id, name, role and scope, since when."""
    from atlasbot.cli import common
    from atlasbot.services.members import held_roles
    from atlasbot.storage.db import session_scope

    with session_scope(common.engine(common.settings())) as session:
        roles = held_roles(session, country=country.upper() if country else None, unit_id=unit)
    for held in roles:
        scope = held.country or held.unit_id or "-"
        typer.echo(
            f"{held.member_id}\t{held.name}\t{held.role}\t{scope}\t"
            f"{held.granted_at:%Y-%m-%d %H:%M} UTC"
        )
    typer.echo(f"{len(roles)} role(s) held", err=True)


@members_app.command("revoke")
def revoke(
    member_id: Annotated[int, typer.Argument(help="The member's number (from 'list').")],
    role: Annotated[str, typer.Option(help="authority, commander, duty, coordinator or admin.")],
    country: Annotated[str | None, typer.Option(help="The state, for authority.")] = None,
    unit: Annotated[str | None, typer.Option(help="The unit, for commander and duty.")] = None,
) -> None:
    """Revoke one role of a member at once (audited; their buttons stop working)."""
    from atlasbot.cli import common
    from atlasbot.services.members import revoke_by_operator
    from atlasbot.storage.db import session_scope
    from atlasbot.storage.models import Role, utc_now

    try:
        parsed_role = Role(role)
    except ValueError:
        common.fail(
            f"--role: unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        )
    # A refusal (no such role) is a DomainError: the command line prints it, exit status 2.
    with session_scope(common.engine(common.settings())) as session:
        done = revoke_by_operator(
            session,
            member_id,
            parsed_role,
            country=country.upper() if country else None,
            unit_id=unit,
            actor=common.cli_actor(),
            now=utc_now(),
        )
    typer.echo(done.reply)
