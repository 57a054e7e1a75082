"""Use cases: each takes plain values and a session, checks authority, changes state and
appends to the audit log in the same transaction."""
