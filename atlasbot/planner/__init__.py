"""Crisis planning: which units to propose for a request (pure core, docs/formats.md §2–§6)."""
