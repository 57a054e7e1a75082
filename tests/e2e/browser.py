"""A headless Chromium driven over the DevTools protocol (no driver, no download): Debian's
``chromium`` binary, a fresh profile, loopback only. Tests skip when it is not installed."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--window-size=800,1000",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One tab: navigate, evaluate JavaScript, wait for a condition, take a screenshot."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json(timeout=30)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def goto(self, url: str) -> None:
        """Load ``url`` afresh (through a blank page: a change of fragment alone would not
        load the page again)."""
        await self.call("Page.navigate", url="about:blank")
        await self.call("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0) -> Any:  # noqa: ASYNC109
        """Evaluate ``expression`` until it is truthy; its value, or TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        value: Any = None
        while loop.time() < deadline:
            with contextlib.suppress(RuntimeError):
                value = await self.evaluate(expression)
                if value:
                    return value
            await asyncio.sleep(0.2)
        raise TimeoutError(f"never true: {expression} (last: {value!r})")

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def chromium(binary: str) -> AsyncIterator[Page]:
    """A headless Chromium with one blank tab, stopped (and its profile removed) on exit."""
    profile = tempfile.TemporaryDirectory(prefix="atlasbot-chromium-", ignore_cleanup_errors=True)
    process = await asyncio.create_subprocess_exec(
        binary,
        *FLAGS,
        f"--user-data-dir={profile.name}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port = await _devtools_port(Path(profile.name), process)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = json.loads(await response.text())
            target = next(t for t in targets if t.get("type") == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                yield page
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        # Its helper processes may still write to the profile for a moment.
        for _ in range(20):
            await asyncio.to_thread(shutil.rmtree, profile.name, True)
            if not await asyncio.to_thread(Path(profile.name).exists):
                break
            await asyncio.sleep(0.1)
        profile.cleanup()


def _port_in(marker: Path) -> int | None:
    lines = marker.read_text().splitlines() if marker.exists() else []
    return int(lines[0]) if lines and lines[0].isdigit() else None


async def _devtools_port(profile: Path, process: asyncio.subprocess.Process) -> int:
    marker = profile / "DevToolsActivePort"
    for _ in range(300):
        if process.returncode is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        port = await asyncio.to_thread(_port_in, marker)
        if port is not None:
            return port
        await asyncio.sleep(0.1)
    raise RuntimeError("chromium did not open its DevTools port")
