"""Storage: the engine, the tables, the migrations and the audit log (no Telegram here)."""
