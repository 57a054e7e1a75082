"""The append-only audit log: verify, anchor, show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from atlasbot.cli import common
from atlasbot.i18n import N_, _

audit_app = typer.Typer(help=N_("The append-only audit log."))


# --- audit ------------------------------------------------------------------------------


# Marked here, translated when printed (``_(NO_KEY_NOTE)``): the English constant is what
# the tests compare with.
NO_KEY_NOTE = N_(
    "seals not checked: ATLASBOT_AUDIT_KEY is not set, so an entry forged with a correct "
    "hash, or a re-hashed chain, would pass"
)


def _read_anchor(path: Path) -> Any:
    from atlasbot.storage import audit

    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        common.fail(
            _(
                "--anchor {path}: cannot read it ({reason})",
                path=path,
                reason=getattr(err, "strerror", None) or err,
            )
        )
    try:
        return audit.parse_anchor(content)
    except audit.AnchorError as err:
        common.fail(_("--anchor {path}: {reason}", path=path, reason=err))


def _seal_lines(report: Any) -> list[str]:
    if not report.key_given:
        return [_(NO_KEY_NOTE)]
    lines = [_("seals verified with ATLASBOT_AUDIT_KEY: {count} entries", count=report.sealed)]
    if report.unsealed_before_key is not None:
        first, last = report.unsealed_before_key
        if first == last:
            lines.append(
                _(
                    "entry #{seq} is unsealed: written before ATLASBOT_AUDIT_KEY was set",
                    seq=first,
                )
            )
        else:
            lines.append(
                _(
                    "entries #{first} to #{last} are unsealed: "
                    "written before ATLASBOT_AUDIT_KEY was set",
                    first=first,
                    last=last,
                )
            )
    return lines


@audit_app.command(
    "verify",
    help=N_("Walk the hash chain and the seals; name the entry of every problem found (exit 1)."),
)
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor",
            help=N_("An anchor file (atlasbot audit anchor): the log must still hold it."),
        ),
    ] = None,
) -> None:
    from atlasbot.storage import audit
    from atlasbot.storage.db import session_scope

    settings = common.settings()
    key = audit.SealKey.from_setting(settings.audit_key)
    pinned = _read_anchor(anchor) if anchor is not None else None
    with session_scope(common.engine(settings), read_only=True) as session:
        report = audit.verify(session, key=key, anchor=pinned)
    if not report.ok:
        typer.echo(
            _(
                "audit log BROKEN: {problems} problem(s) in {entries} entries",
                problems=len(report.problems) + report.more_problems,
                entries=report.entries_checked,
            ),
            err=True,
        )
        for line in report.problem_lines():
            typer.echo(f"  {line}", err=True)
        for line in _seal_lines(report):
            typer.echo(line, err=True)
        raise typer.Exit(1)
    typer.echo(
        _(
            "audit log intact: {entries} entries, chain verified",
            entries=report.entries_checked,
        )
    )
    for line in _seal_lines(report):
        typer.echo(line)
    if pinned is not None:
        typer.echo(_anchor_holds(pinned, signed=key is not None))


def _anchor_holds(pinned: Any, *, signed: bool) -> str:
    if signed:
        return _(
            "anchor of {time} holds: entry #{seq} unchanged (signature checked)",
            time=pinned.time,
            seq=pinned.seq,
        )
    return _(
        "anchor of {time} holds: entry #{seq} unchanged (signature NOT checked (no key))",
        time=pinned.time,
        seq=pinned.seq,
    )


@audit_app.command(
    "anchor",
    help=N_("Print the signed head of the log (an anchor), to keep outside the database."),
)
def audit_anchor(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=N_("Also write the anchor to this file.")),
    ] = None,
) -> None:
    from atlasbot.storage import audit
    from atlasbot.storage.db import session_scope

    settings = common.settings()
    key = audit.SealKey.from_setting(settings.audit_key)
    if key is None:
        common.fail(
            _(
                "ATLASBOT_AUDIT_KEY is not set: an anchor is signed with it "
                "(a random secret of 32 characters or more, kept outside the database)"
            )
        )
    if output is not None:
        common.check_writable("--output", output)
    with session_scope(common.engine(settings), read_only=True) as session:
        report = audit.verify(session, key=key)
        if not report.ok:
            typer.echo(
                _("audit log BROKEN: not anchoring it; `atlasbot audit verify` says why"),
                err=True,
            )
            raise typer.Exit(1)
        line = audit.anchor_text(session, key)
    typer.echo(line)
    if output is not None:
        try:
            output.write_text(line + "\n", encoding="utf-8")
        except OSError as err:
            common.fail(
                _("cannot write {path}: {reason}", path=output, reason=err.strerror or err)
            )
        typer.echo(_("wrote {path}", path=output), err=True)


@audit_app.command("show", help=N_("Print the newest audit entries."))
def audit_show(
    last: Annotated[int, typer.Option(help=N_("How many of the newest entries."), min=1)] = 20,
) -> None:
    from atlasbot.storage import audit
    from atlasbot.storage.db import session_scope

    with session_scope(common.engine(common.settings())) as session:
        entries = audit.recent(session, last)
    for entry in entries:
        payload = json.dumps(entry.payload, ensure_ascii=False, sort_keys=True)
        typer.echo(
            f"#{entry.seq} {entry.at:%Y-%m-%d %H:%M:%S} {entry.actor} {entry.action} "
            f"{entry.object} {payload}"
        )
