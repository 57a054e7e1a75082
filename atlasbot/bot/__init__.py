"""Telegram plumbing that is not a handler: the typed context, replies and keyboards, delivery
with pacing and retries, timers, the one wizard mechanism, chat persistence, and texts."""
