"""``atlasbot members list|revoke``: people management from the command line.

A revocation here is the same as in the chat (``revocation.revoke_role``: buttons withdrawn,
stored drafts dropped, shifts cancelled, audited), but the command line has no bot to tell the
member or to shrink their menu: their next press or command is refused, and the menu is set
again when the bot next starts.
"""

from __future__ import annotations

from typing import Annotated

import typer

from atlasbot.i18n import N_, _

members_app = typer.Typer(help=N_("The members: list who holds which role, revoke a role."))


@members_app.command(
    "list", help=N_("Every role held now: member id, name, role and scope, since when.")
)
def list_members(
    country: Annotated[
        str | None, typer.Option(help=N_("A state: its members and units'."))
    ] = None,
    unit: Annotated[str | None, typer.Option(help=N_("A unit: its members."))] = None,
) -> None:
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
    typer.echo(_("{count} role(s) held", count=len(roles)), err=True)


@members_app.command(
    "revoke", help=N_("Revoke one role of a member at once (audited; their buttons stop working).")
)
def revoke(
    member_id: Annotated[int, typer.Argument(help=N_("The member's number (from 'list')."))],
    role: Annotated[
        str, typer.Option(help=N_("authority, commander, duty, coordinator or admin."))
    ],
    country: Annotated[str | None, typer.Option(help=N_("The state, for authority."))] = None,
    unit: Annotated[str | None, typer.Option(help=N_("The unit, for commander and duty."))] = None,
) -> None:
    from atlasbot.cli import common
    from atlasbot.services.members import revoke_by_operator
    from atlasbot.storage.db import session_scope
    from atlasbot.storage.models import Role, utc_now

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
