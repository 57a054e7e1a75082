"""Mini Apps in the sandbox: the signed ``initData`` Telegram would hand a member's page.

Telegram gives a Mini App opened from a ``web_app`` button the user's ``initData``, signed
with the bot's token; the sandbox, which holds the sandbox bot's token, signs it the same
way (``atlasbot.webapp_auth``) so a test can open the page in a real browser as that member.
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote

from atlasbot.webapp_auth import sign_init_data


def init_data_for(
    bot_token: str, user_id: int, first_name: str = "", *, auth_date: int | None = None
) -> str:
    """The ``initData`` of ``user_id`` opening a Mini App now (or at ``auth_date``)."""
    user = {"id": user_id, "first_name": first_name or str(user_id), "language_code": "en"}
    fields = {
        "query_id": uuid.uuid4().hex,
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
    }
    return sign_init_data(fields, bot_token)


def launch_url(web_app_url: str, init_data: str) -> str:
    """The URL Telegram opens: the button's URL with the launch data in its fragment."""
    base = web_app_url.split("#", 1)[0]
    return f"{base}#tgWebAppData={quote(init_data, safe='')}&tgWebAppPlatform=web"
