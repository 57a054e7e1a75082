"""Pure text modules: every word a member reads, through ``atlasbot.i18n``; use cases compose
their messages with them (no Telegram, no storage rows, no service types here)."""
