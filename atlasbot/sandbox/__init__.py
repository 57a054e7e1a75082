"""A local Telegram Bot API on 127.0.0.1 for demos, tests and rehearsal (docs/sandbox.md).

``SandboxServer`` serves the Bot API methods the bot uses plus a JSON control API that plays
the users; ``SandboxClient`` drives that control API. Nothing here reaches api.telegram.org.
"""

from atlasbot.sandbox.client import SandboxClient, SandboxControlError
from atlasbot.sandbox.server import ControlHook, Fault, SandboxServer
from atlasbot.sandbox.state import BotApiError, ControlError

__all__ = [
    "BotApiError",
    "ControlError",
    "ControlHook",
    "Fault",
    "SandboxClient",
    "SandboxControlError",
    "SandboxServer",
]
