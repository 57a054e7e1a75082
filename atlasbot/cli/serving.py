"""Running the bot: against Telegram, the sandbox, or the demo."""

from __future__ import annotations

from typing import Annotated

import typer

from atlasbot.cli import common
from atlasbot.i18n import N_

commands = typer.Typer()


# --- the bot --------------------------------------------------------------------------


@commands.command(
    "run",
    help=N_(
        "Serve Telegram by long polling or a webhook, as leader or standby (needs ATLASBOT_TOKEN)."
    ),
)
def run_command() -> None:
    from atlasbot.runtime import StartupError
    from atlasbot.serving import serve_telegram

    try:
        serve_telegram(common.settings())
    except StartupError as err:
        common.fail(str(err))


@commands.command(
    "sandbox",
    help=N_("Serve the local sandbox Bot API with the bot connected (rehearsal, checks)."),
)
def sandbox_command(
    port: Annotated[
        int, typer.Option(help=N_("Loopback port for the Bot and control APIs."))
    ] = 8081,
    fresh: Annotated[
        bool,
        typer.Option(help=N_("Use a fresh temporary database seeded from data/network.yaml.")),
    ] = True,
) -> None:
    import asyncio

    from atlasbot.runtime import serve_sandbox, temporary_sqlite_url

    settings = common.settings()
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


@commands.command(
    "demo", help=N_("Play a whole crisis offline through the sandbox and print the transcript.")
)
def demo_command() -> None:
    from atlasbot.demo import main as play

    code = play()
    if code:
        raise typer.Exit(code)
