"""The bot alone, polling a sandbox server that runs in another process.

``python -m atlasbot.sandbox_bot --api-url http://127.0.0.1:PORT`` with the settings
in ``ATLASBOT_*`` variables (the database, short escalation timings). Tests and benchmarks
hold the sandbox server themselves and kill this process (SIGKILL) at chosen moments, then
start it again on the same database, to prove that timers survive a crash.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from atlasbot.bot.context import BotServices
from atlasbot.config import load_settings
from atlasbot.runtime import start_bot, stop_bot
from atlasbot.storage import db

READY_LINE = "atlasbot bot process ready"


async def serve(api_url: str) -> None:
    """Poll the sandbox at ``api_url`` until SIGTERM or SIGINT."""
    settings = load_settings()
    engine = db.make_engine(settings.database_url)
    services = BotServices(settings=settings, engine=engine)
    root = api_url.rstrip("/")
    application, _ = await start_bot(
        services, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot"
    )
    print(READY_LINE, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await stop_bot(application)
        services.uploads.close()
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-url", required=True, help="the sandbox root, http://127.0.0.1:P")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(args.api_url))


if __name__ == "__main__":
    main()
