"""The Telegram Mini App (issue 16): its page, its static files and its JSON endpoints."""

from atlasbot.webapp.server import INIT_DATA_HEADER, WebAppConfig, webapp_app

__all__ = ["INIT_DATA_HEADER", "WebAppConfig", "webapp_app"]
