"""Crisis planning: which units to propose for a request (pure core, INTERFACES §2–§6)."""
