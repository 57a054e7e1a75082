"""Every word the bot says, as pure functions of plain values (no Telegram, no database),
so use cases and timers compose the same messages."""
