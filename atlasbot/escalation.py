"""Escalation chains as data: which steps an alert goes through, when, and to whom.

Pure: no database, no Telegram, no clock. Each kind of alert has one chain builder (a table,
not an if-chain, as in Grafana OnCall); ``step_table`` turns a chain into due times from the
moment the alert is raised. The chain is snapshotted into rows when an alert starts, so a
change of settings never rewrites an alert already under way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from atlasbot.i18n import _


class AlertKind(StrEnum):
    REQUEST = "request"  # a request for assistance to a state's competent authority
    ORDER = "order"  # a mobilisation order to a unit
    COUNTER = "counter"  # a counter-proposal to the requesting state's authority
    DRILL = "drill"  # an exercise of a unit's chain: never a real request


class Action(StrEnum):
    NOTIFY = "notify"  # send the alert to the step's target (nobody twice)
    REMIND = "remind"  # remind everybody who holds a copy, with the deadline
    NO_RESPONSE = "no_response"  # the answer deadline passed: record "no response"
    EXPIRE = "expire"  # the chain ran out: the alert expires unacknowledged


class Target(StrEnum):
    DUTY_NOW = "duty_now"  # the unit's member(s) on duty now by the rota
    UNIT_ALL = "unit_all"  # every duty member of the unit and its commander(s)
    UNIT_AUTHORITY = "unit_authority"  # the competent authority of the unit's state
    COUNTRY_AUTHORITY = "country_authority"  # the competent authority of the alert's state
    HOLDERS = "holders"  # whoever already holds a copy
    NOBODY = "nobody"


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds between steps; settings, so the demo can run a whole chain in a minute."""

    duty_to_unit_s: float = 300
    unit_to_authority_s: float = 300
    expire_after_s: float = 1800  # after the last notify step of a unit chain
    request_reminder_s: float = 600
    request_deadline_s: float = 1800
    counter_reminder_s: float = 600
    counter_expire_s: float = 1800

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            if getattr(self, name) < 0:
                raise ValueError(_("escalation timing {name} must not be negative", name=name))
        if self.request_deadline_s < self.request_reminder_s:
            raise ValueError(_("the request deadline must not come before its reminder"))

    def with_overrides(self, overrides: Mapping[str, float]) -> Timings:
        """These timings with some replaced (a state's or a unit's own escalation section)."""
        unknown = sorted(set(overrides) - set(self.__dataclass_fields__))
        if unknown:
            raise ValueError(_("unknown escalation timing(s): {names}", names=", ".join(unknown)))
        return replace(self, **{k: float(v) for k, v in overrides.items()})


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step: ``at_s`` seconds after the alert was raised, do ``action`` for ``target``."""

    at_s: float
    action: Action
    target: Target = Target.NOBODY
    stops_on_ack: bool = True


def _unit_chain(t: Timings) -> tuple[StepSpec, ...]:
    """Duty member → all duty members and the commander → the state's competent authority."""
    first = t.duty_to_unit_s
    second = first + t.unit_to_authority_s
    return (
        StepSpec(0, Action.NOTIFY, Target.DUTY_NOW),
        StepSpec(first, Action.NOTIFY, Target.UNIT_ALL),
        StepSpec(second, Action.NOTIFY, Target.UNIT_AUTHORITY),
        StepSpec(second + t.expire_after_s, Action.EXPIRE),
    )


def _request_chain(t: Timings) -> tuple[StepSpec, ...]:
    """Authority members → a reminder with the deadline → "no response" at the deadline.

    The deadline is for the answer, not the acknowledgement: an acknowledged request still
    needs an answer, so that step keeps running after an Acknowledge.
    """
    return (
        StepSpec(0, Action.NOTIFY, Target.COUNTRY_AUTHORITY),
        StepSpec(t.request_reminder_s, Action.REMIND, Target.HOLDERS),
        StepSpec(t.request_deadline_s, Action.NO_RESPONSE, stops_on_ack=False),
    )


def _counter_chain(t: Timings) -> tuple[StepSpec, ...]:
    """The requester's authority members → a reminder → the alert expires."""
    return (
        StepSpec(0, Action.NOTIFY, Target.COUNTRY_AUTHORITY),
        StepSpec(t.counter_reminder_s, Action.REMIND, Target.HOLDERS),
        StepSpec(max(t.counter_expire_s, t.counter_reminder_s), Action.EXPIRE),
    )


CHAINS: Mapping[AlertKind, Callable[[Timings], tuple[StepSpec, ...]]] = {
    AlertKind.REQUEST: _request_chain,
    AlertKind.ORDER: _unit_chain,
    AlertKind.COUNTER: _counter_chain,
    AlertKind.DRILL: _unit_chain,
}


def chain_for(kind: AlertKind, timings: Timings) -> tuple[StepSpec, ...]:
    """The steps of an alert of this kind, in order."""
    return CHAINS[kind](timings)


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    number: int
    due_at: datetime
    spec: StepSpec


def step_table(kind: AlertKind, timings: Timings, raised_at: datetime) -> list[ScheduledStep]:
    """The chain with due times counted from ``raised_at``."""
    return [
        ScheduledStep(number, raised_at + timedelta(seconds=spec.at_s), spec)
        for number, spec in enumerate(chain_for(kind, timings))
    ]


def describe_target(target: Target) -> str:
    """Words for a step's target, for reports and escalation notes."""
    return {
        Target.DUTY_NOW: "the duty member",
        Target.UNIT_ALL: "all duty members and the commander",
        Target.UNIT_AUTHORITY: "the state's competent authority",
        Target.COUNTRY_AUTHORITY: "the competent authority",
        Target.HOLDERS: "everyone who holds it",
        Target.NOBODY: "nobody",
    }[target]
