"""What a person reads instead of a code: capability, crisis type and status names.

Codes (``precision_marksmen``, ``hostage_taking``, ``on_scene``) are for files, the audit and
the database. Every text a member reads names things through these functions: a capability
by the name the network registry gives it ("Precision marksmen"), a crisis type, a crisis,
answer, deployment or unit status by its translated label. A code nobody has named yet (a
capability added to the registry without a name, a status of a newer version) still reads as
words: "new_capability" becomes "New capability", never the code itself.

Pure core: no I/O; the registry's names come in as a mapping (``code -> name``) read by the
use case that composes the text.
"""

from __future__ import annotations

from collections.abc import Mapping

from atlasbot.i18n import N_, _

__all__ = [
    "ANSWER_STATUSES",
    "CRISIS_STATUSES",
    "CRISIS_TYPES",
    "DEPLOYMENT_STATES",
    "UNIT_STATUSES",
    "answer_status_name",
    "capability_name",
    "crisis_status_name",
    "crisis_type_name",
    "deployment_state_name",
    "from_code",
    "unit_status_name",
]

CRISIS_TYPES: Mapping[str, str] = {
    "hostage_taking": N_("Hostage-taking"),
    "hijacking": N_("Hijacking"),
    "terrorist_attack": N_("Terrorist attack"),
    "siege": N_("Siege / barricaded suspect"),
    "other_serious_threat": N_("Other serious criminal threat"),
}
CRISIS_STATUSES: Mapping[str, str] = {
    "open": N_("open"),
    "closed": N_("closed"),
}
ANSWER_STATUSES: Mapping[str, str] = {
    "pending": N_("awaiting answer"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "countered": N_("counter-proposed"),
    "counter_rejected": N_("counter-proposal rejected"),
    "no_response": N_("no response"),
    "withdrawn": N_("withdrawn"),
}
DEPLOYMENT_STATES: Mapping[str, str] = {
    "ordered": N_("ordered"),
    "mobilising": N_("mobilising"),
    "departed": N_("en route"),
    "on_scene": N_("on scene"),
    "released": N_("released"),
    "returning": N_("returning home"),
}
UNIT_STATUSES: Mapping[str, str] = {
    "available": N_("available"),
    "standby": N_("on standby"),
    "deployed": N_("deployed"),
    "unavailable": N_("unavailable"),
    "returning": N_("returning home"),
}


def from_code(code: str) -> str:
    """Words for a code nobody named: "new_capability" -> "New capability"."""
    words = " ".join(code.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else code


def _named(table: Mapping[str, str], code: str) -> str:
    return _(table[code]) if code in table else from_code(code).lower()


def capability_name(code: str, names: Mapping[str, str] | None = None) -> str:
    """A capability as the registry names it ("Precision marksmen"), in the reader's language
    where a catalog translates it (texts/capabilities.py marks the default catalogue), or
    words for its code."""
    name = (names or {}).get(code)
    return _(name) if name else from_code(code)


def crisis_type_name(code: str) -> str:
    """ "Hostage-taking" for ``hostage_taking``, translated."""
    return _(CRISIS_TYPES[code]) if code in CRISIS_TYPES else from_code(code)


def crisis_status_name(code: str) -> str:
    """ "open" or "closed", translated."""
    return _named(CRISIS_STATUSES, code)


def answer_status_name(code: str) -> str:
    """A requested state's answer: "accepted", "no response", …"""
    return _named(ANSWER_STATUSES, code)


def deployment_state_name(code: str) -> str:
    """Where an ordered unit is: "mobilising", "en route", "on scene", …"""
    return _named(DEPLOYMENT_STATES, code)


def unit_status_name(code: str) -> str:
    """A unit's readiness: "available", "on standby", …"""
    return _named(UNIT_STATUSES, code)
