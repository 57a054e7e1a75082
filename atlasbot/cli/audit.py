"""The append-only audit log: verify, anchor, show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from atlasbot.cli import common

audit_app = typer.Typer(help="The append-only audit log.")


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
        common.fail(f"--anchor {path}: cannot read it ({getattr(err, 'strerror', None) or err})")
    try:
        return audit.parse_anchor(content)
    except audit.AnchorError as err:
        common.fail(f"--anchor {path}: {err}")


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

    settings = common.settings()
    key = audit.SealKey.from_setting(settings.audit_key)
    pinned = _read_anchor(anchor) if anchor is not None else None
    with session_scope(common.engine(settings), read_only=True) as session:
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

    settings = common.settings()
    key = audit.SealKey.from_setting(settings.audit_key)
    if key is None:
        common.fail(
            "ATLASBOT_AUDIT_KEY is not set: an anchor is signed with it "
            "(a random secret of 32 characters or more, kept outside the database)"
        )
    if output is not None:
        common.check_writable("--output", output)
    with session_scope(common.engine(settings), read_only=True) as session:
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
            common.fail(f"cannot write {output}: {err.strerror or err}")
        typer.echo(f"wrote {output}", err=True)


@audit_app.command("show")
def audit_show(
    last: Annotated[int, typer.Option(help="How many of the newest entries.", min=1)] = 20,
) -> None:
    """Print the newest audit entries."""
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
