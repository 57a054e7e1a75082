"""Running the bot: against Telegram, the sandbox, or the demo."""

from __future__ import annotations

from typing import Annotated

import typer

from atlasbot.cli import common

commands = typer.Typer()


# --- the bot --------------------------------------------------------------------------


@commands.command("run")
def run_command() -> None:
    """Serve Telegram by long polling or a webhook, as leader or standby (needs ATLASBOT_TOKEN)."""
    from atlasbot.runtime import StartupError
    from atlasbot.serving import serve_telegram

    try:
        serve_telegram(common.settings())
    except StartupError as err:
        common.fail(str(err))


@commands.command("sandbox")
def sandbox_command(
    port: Annotated[int, typer.Option(help="Loopback port for the Bot and control APIs.")] = 8081,
    fresh: Annotated[
        bool, typer.Option(help="Use a fresh temporary database seeded from data/network.yaml.")
    ] = True,
) -> None:
    """Serve the local sandbox Bot API with the bot connected (rehearsal, checks)."""
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


@commands.command("demo")
def demo_command() -> None:
    """Play a whole crisis offline through the sandbox and print the transcript."""
    from atlasbot.demo import main as play

    code = play()
    if code:
        raise typer.Exit(code)
