"""Joint trainings, exercises and meetings in the chat (issue 6, RULES R11).

Coordinators upload an events file or add events with a wizard, run the planner, preview the
table and the chart, and publish; commanders of participating units answer invitations for
their unit; a "can't attend" offers the coordinators a re-plan that keeps published events
where they are as far as possible. /calendar sends a member their units' events as .ics,
/meeting finds and votes on a date, /readiness lists stale capabilities.

Everything that decides is a service call in a unit of work behind a token button; only the
wizards' drafts live in the member's chat data. The solver runs off the event loop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import (
    Outgoing,
    edit_pressed,
    guarded,
    keyboard,
    redeem,
    require_identity,
    send_all,
)
from atlasbot.bot.texts import training as texts
from atlasbot.bot.training_timers import arm_reminders
from atlasbot.domain import Network
from atlasbot.services import registry
from atlasbot.services import training as svc
from atlasbot.services.enrolment import Identity
from atlasbot.services.errors import Conflict, InvalidInput
from atlasbot.services.outbox import Button
from atlasbot.storage.models import CapabilityRow, Role, RsvpAnswer, UnitRow
from atlasbot.training.calendar import ScheduleResult, ScheduleStatus, schedule
from atlasbot.training.chart import gantt_png
from atlasbot.training.events_file import DateRange
from atlasbot.training.ics import to_ics
from atlasbot.training.meetings import best_meeting_dates
from atlasbot.training.replan import replan

EVENT_WIZARD = "training_event_wizard"
MEETING_WIZARD = "meeting_wizard"
UNITS_PER_ROW = 4
MONTHS_OFFERED = 12


def _policy(context: AtlasContext) -> svc.ReminderPolicy:
    settings = context.services.settings
    return svc.ReminderPolicy(
        days_before=tuple(settings.training_reminder_days),
        hour=settings.training_reminder_hour,
        tz=settings.tz,
    )


def _today(context: AtlasContext) -> dt.date:
    return context.services.clock.now().astimezone(context.services.settings.tz).date()


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    if update.effective_chat is None:
        return
    parts = texts.chunks(text)
    for part in parts[:-1]:
        await update.effective_chat.send_message(part)
    await update.effective_chat.send_message(parts[-1], reply_markup=markup)


async def _ack(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer(text)


async def _coordinator(update: Update, context: AtlasContext) -> Identity:
    identity = await require_identity(update, context)
    svc.require_coordinator(identity)
    return identity


def _plan_buttons(plan_id: int | None, *, solved: bool = False) -> list[list[Button]]:
    rows = [[Button("➕ Add an event", "train.add")]]
    if plan_id is not None:
        payload = {"plan": plan_id}
        rows.insert(0, [Button("▶ Run the planner", "train.solve", payload)])
        rows.append([Button("🗑 Discard this draft…", "train.discard", payload, single_use=True)])
        if solved:
            rows.insert(0, [Button("📣 Publish…", "train.publish", payload)])
    return rows


# --- /plan_trainings and uploads ----------------------------------------------------------


@guarded
async def plan_command(update: Update, context: AtlasContext) -> None:
    """/plan_trainings: the coordinator's draft and what can be done with it."""
    identity = await _coordinator(update, context)

    def compose(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        draft = svc.draft_of(session, identity)
        if draft is None or draft.id is None:
            text = f"{texts.PLAN_HELP}\n\nYou have no draft plan yet."
            return text, keyboard(session, identity.member_id, _plan_buttons(None))
        solved = draft.schedule is not None
        text = texts.draft_summary(draft.id, draft.source_name, draft.events, solved)
        return text, keyboard(session, identity.member_id, _plan_buttons(draft.id, solved=solved))

    text, markup = await context.services.run(compose)
    await _say(update, text, markup)


@guarded
async def on_document(update: Update, context: AtlasContext) -> None:
    """A coordinator sends an events file: validate it against the registry, keep it as the
    draft (a bad file gets every problem listed, and nothing is stored)."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    identity = await _coordinator(update, context)
    document = message.document
    name = document.file_name or "events.yaml"
    if document.file_size and document.file_size > svc.MAX_EVENTS_FILE_BYTES:
        raise InvalidInput(texts.TOO_BIG.format(name=name, kb=svc.MAX_EVENTS_FILE_BYTES // 1000))
    telegram_file = await context.bot.get_file(document.file_id)
    raw = bytes(await telegram_file.download_as_bytearray())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(texts.NOT_UTF8.format(name=name)) from None
    now = context.services.clock.now()

    def store(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        plan = svc.upload_events(session, identity, text=text, filename=name, now=now)
        assert plan.id is not None
        summary = texts.draft_summary(plan.id, plan.source_name, plan.events, False)
        return summary, keyboard(session, identity.member_id, _plan_buttons(plan.id))

    summary, markup = await context.services.run(store)
    await _say(update, f"✅ {name} is valid.\n{summary}", markup)


@guarded
async def discard(update: Update, context: AtlasContext) -> None:
    now = context.services.clock.now()

    def act(session: Session) -> int:
        press = redeem(session, update, context)
        plan_id = int(press.payload["plan"])
        svc.discard_draft(session, press.identity, plan_id, now=now)
        return plan_id

    plan_id = await context.services.run(act)
    await edit_pressed(update, f"Draft plan #{plan_id} discarded. Nothing was sent.")


# --- solving and the preview -----------------------------------------------------------


def _chart(result: ScheduleResult, network: Network, title: str) -> bytes:
    buffer = io.BytesIO()
    gantt_png(result, network, buffer, title=title)
    return buffer.getvalue()


@guarded
async def solve(update: Update, context: AtlasContext) -> None:
    """Run the planner on the draft (off the event loop), then show the table and chart."""
    seconds = context.services.settings.training_plan_time_limit_s

    def read(session: Session) -> tuple[Identity, svc.SolveInput]:
        press = redeem(session, update, context)
        return press.identity, svc.solve_inputs(
            session, press.identity, int(press.payload["plan"])
        )

    identity, inputs = await context.services.run(read)
    await _ack(update)
    await _say(update, texts.planning(len(inputs.plan.events), seconds))
    result = await context.services.plan(
        lambda: schedule(inputs.network, inputs.plan, time_limit_s=seconds), solve="calendar"
    )
    now = context.services.clock.now()

    def store(session: Session) -> InlineKeyboardMarkup | None:
        svc.store_schedule(session, identity, inputs.plan_id, inputs.plan_version, result, now=now)
        return keyboard(session, identity.member_id, _plan_buttons(inputs.plan_id, solved=True))

    markup = await context.services.run(store)
    await _say(update, texts.preview(inputs.plan_id, result, inputs.network))
    if result.events and update.effective_chat is not None:
        png = await context.services.plan(
            lambda: _chart(result, inputs.network, f"Plan #{inputs.plan_id}")
        )
        await update.effective_chat.send_photo(png, caption=f"Plan #{inputs.plan_id}")
    await _say(
        update, "Publish this calendar, change the draft, or run the planner again.", markup
    )


@guarded
async def publish_ask(update: Update, context: AtlasContext) -> None:
    """Ask for confirmation before publishing (a single-use button)."""

    def compose(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        press = redeem(session, update, context)
        plan = svc.get_plan(session, int(press.payload["plan"]))
        svc.require_coordinator(press.identity)
        if plan.schedule is None or plan.id is None:
            raise Conflict("Run the planner before publishing.")
        events = plan.schedule["events"]
        units = {u for e in events for u in e["participants"]}
        button = Button(
            "✅ Confirm: publish and invite",
            "train.publish_ok",
            {"plan": plan.id, "version": plan.version},
            single_use=True,
        )
        markup = keyboard(session, press.identity.member_id, [[button]])
        return texts.publish_question(plan.id, len(events), len(units)), markup

    text, markup = await context.services.run(compose)
    await _ack(update)
    await _say(update, text, markup)


def _rsvp_buttons(event_id: int, unit_id: str) -> list[list[Button]]:
    return [
        [
            Button(label, "train.rsvp", {"event": event_id, "unit": unit_id, "answer": answer})
            for answer, label in texts.ANSWER_LABELS.items()
        ]
    ]


def _token_lifetime(end: dt.date, today: dt.date) -> dt.timedelta:
    """Invitation buttons work until the event is over."""
    return dt.timedelta(days=max(1, (end - today).days + 2))


def _invitations(
    session: Session, event_ids: Sequence[int], network: Network, today: dt.date
) -> list[Outgoing]:
    """Invitations for each event to its units' commanders (with buttons) and duty officers."""
    out = []
    for event_id in event_ids:
        event = svc.get_event(session, event_id)
        scheduled = svc.as_scheduled(event)
        lifetime = _token_lifetime(event.end, today)
        for recipient in svc.unit_recipients(session, event.participants):
            text = texts.invitation(scheduled, recipient.unit_id, network, recipient.may_answer)
            markup = (
                keyboard(
                    session,
                    recipient.member_id,
                    _rsvp_buttons(event_id, recipient.unit_id),
                    lifetime=lifetime,
                )
                if recipient.may_answer
                else None
            )
            out.append(Outgoing(recipient.chat_id, text, markup, f"invitation:{event_id}"))
    return out


@guarded
async def publish_confirm(update: Update, context: AtlasContext) -> None:
    """Publish: events into calendars, reminders armed, invitations sent after the commit."""
    now = context.services.clock.now()
    today = _today(context)
    policy = _policy(context)

    def act(session: Session) -> tuple[svc.Publication, list[Outgoing]]:
        press = redeem(session, update, context)
        publication = svc.publish(
            session,
            press.identity,
            int(press.payload["plan"]),
            int(press.payload["version"]),
            policy=policy,
            now=now,
        )
        network = registry.load_network(session)
        return publication, _invitations(session, publication.event_ids, network, today)

    publication, messages = await context.services.run(act)
    await edit_pressed(
        update,
        texts.published(publication.plan_id, len(publication.event_ids), len(messages)),
    )
    arm_reminders(context.job_queue, publication.timers, context.services.clock.now())
    await send_all(context, messages)


# --- answers and re-planning --------------------------------------------------------------


@guarded
async def rsvp(update: Update, context: AtlasContext) -> None:
    """A commander answers for their unit; "can't attend" offers the coordinators a re-plan."""
    now = context.services.clock.now()

    def act(session: Session) -> tuple[str, str, str | None, list[Outgoing]]:
        press = redeem(session, update, context)
        unit_id = str(press.payload["unit"])
        answer = RsvpAnswer(str(press.payload["answer"]))
        event, previous = svc.answer_invitation(
            session, press.identity, int(press.payload["event"]), unit_id, answer, now=now
        )
        alerts: list[Outgoing] = []
        if answer is RsvpAnswer.DECLINE and previous != answer.value and event.id is not None:
            network = registry.load_network(session)
            text = texts.cant_attend(event, unit_id, network)
            for member_id, chat_id in svc.coordinator_recipients(session):
                button = Button(
                    f"🔁 Re-plan without {unit_id}",
                    "train.replan",
                    {"event": event.id, "unit": unit_id},
                )
                alerts.append(
                    Outgoing(
                        chat_id,
                        text,
                        keyboard(session, member_id, [[button]]),
                        f"cant_attend:{event.id}",
                    )
                )
        return unit_id, answer.value, previous, alerts

    unit_id, answer, _previous, alerts = await context.services.run(act)
    await _ack(update, f"Recorded: {unit_id} {texts.ANSWER_WORDS[answer]}.")
    query = update.callback_query
    if query is not None and query.message is not None:
        current = getattr(query.message, "text", None) or ""
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(
                texts.answered(current, unit_id, answer),
                reply_markup=getattr(query.message, "reply_markup", None),
            )
    await send_all(context, alerts)


@guarded
async def replan_start(update: Update, context: AtlasContext) -> None:
    """Re-plan without a unit that can't attend; show exactly what would move."""
    seconds = context.services.settings.training_plan_time_limit_s
    today = _today(context)

    def read(session: Session) -> tuple[Identity, str, svc.ReplanInput]:
        press = redeem(session, update, context)
        unit_id = str(press.payload["unit"])
        inputs = svc.replan_inputs(
            session, press.identity, int(press.payload["event"]), unit_id, today=today
        )
        return press.identity, unit_id, inputs

    identity, unit_id, inputs = await context.services.run(read)
    await _ack(update)
    await _say(update, texts.replanning(unit_id, seconds))
    outcome = await context.services.plan(
        lambda: replan(
            inputs.network,
            inputs.plan,
            inputs.published,
            declined=inputs.declined,
            from_date=inputs.from_date,
            time_limit_s=seconds,
        ),
        solve="calendar",
    )
    now = context.services.clock.now()

    def store(session: Session) -> InlineKeyboardMarkup | None:
        plan = svc.store_replan(session, identity, inputs, outcome, now=now)
        button = Button(
            "✅ Publish the re-plan and tell the units",
            "train.replan_ok",
            {"plan": inputs.plan_id, "version": plan.version},
            single_use=True,
        )
        return keyboard(session, identity.member_id, [[button]])

    markup = await context.services.run(store)
    await _say(
        update,
        texts.replan_proposal(inputs.plan_id, outcome.changes, outcome.result, inputs.network),
        markup,
    )


@guarded
async def replan_confirm(update: Update, context: AtlasContext) -> None:
    """Publish the re-plan; tell every affected unit (commanders may answer moved events)."""
    now = context.services.clock.now()
    today = _today(context)
    policy = _policy(context)

    def act(session: Session) -> tuple[svc.ReplanPublication, list[Outgoing]]:
        press = redeem(session, update, context)
        applied = svc.publish_replan(
            session, press.identity, int(press.payload["plan"]), policy=policy, now=now
        )
        out: list[Outgoing] = []
        for change in applied.changes:
            event = svc.get_event(session, change.event_id)
            for recipient in svc.unit_recipients(session, change.units):
                still_in = bool(change.after) and recipient.unit_id in event.participants
                text = texts.change_notice(change, recipient.unit_id, still_in)
                markup = None
                if still_in and change.moved and recipient.may_answer:
                    text += "\nPlease answer again for the new dates:"
                    markup = keyboard(
                        session,
                        recipient.member_id,
                        _rsvp_buttons(change.event_id, recipient.unit_id),
                        lifetime=_token_lifetime(event.end, today),
                    )
                out.append(Outgoing(recipient.chat_id, text, markup, f"replan:{change.event_id}"))
        return applied, out

    applied, messages = await context.services.run(act)
    await edit_pressed(
        update, texts.replan_published(applied.plan_id, len(applied.changes), len(messages))
    )
    arm_reminders(context.job_queue, applied.timers, context.services.clock.now())
    await send_all(context, messages)


# --- /calendar ----------------------------------------------------------------------------


@guarded
async def calendar_command(update: Update, context: AtlasContext) -> None:
    """The member's units' published events as text, and as an .ics file to import."""
    identity = await require_identity(update, context)
    now = context.services.clock.now()
    today = _today(context)

    def read(session: Session) -> tuple[str, bytes | None]:
        events = svc.calendar_for(session, identity)
        if not events:
            return texts.NO_EVENTS_FOR_YOU, None
        network = registry.load_network(session)
        answers = {e.id: svc.answers_of(session, e.id) for e in events if e.id is not None}
        coordinator = identity.has(Role.COORDINATOR)
        text = texts.calendar(events, answers, identity.units(), network, today, coordinator)
        result = ScheduleResult(
            status=ScheduleStatus.OPTIMAL,
            solve_ms=0.0,
            total_travel_km=sum(e.travel_km for e in events),
            lower_bound_km=0,
            events=tuple(replace(svc.as_scheduled(e), id=svc.ics_id(e)) for e in events),
        )
        ics = to_ics(
            result,
            network,
            dtstamp=now,
            sequences={svc.ics_id(e): e.revision for e in events},
        )
        return text, ics

    text, ics = await context.services.run(read)
    await _say(update, text)
    if ics is not None and update.effective_chat is not None:
        await update.effective_chat.send_document(
            ics, filename="atlas-calendar.ics", caption="Import into your calendar"
        )


# --- /readiness ---------------------------------------------------------------------------


@guarded
async def readiness_command(update: Update, context: AtlasContext) -> None:
    """For coordinators: capabilities not trained jointly in time, and refreshers to plan."""
    identity = await require_identity(update, context)
    months = context.services.settings.training_currency_months
    today = _today(context)

    def read(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        found = svc.readiness(session, identity, today=today, months=months)
        text = texts.readiness(found.stale, found.proposal, found.network, months)
        count = len(found.proposal["events"])
        rows = (
            [[Button(f"➕ Add {count} refreshers to my draft", "train.ready_add", {})]]
            if count
            else []
        )
        return text, keyboard(session, identity.member_id, rows)

    text, markup = await context.services.run(read)
    await _say(update, text, markup)


@guarded
async def readiness_add(update: Update, context: AtlasContext) -> None:
    months = context.services.settings.training_currency_months
    today = _today(context)
    now = context.services.clock.now()

    def act(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        press = redeem(session, update, context)
        plan, ids = svc.add_readiness_proposal(
            session, press.identity, today=today, months=months, now=now
        )
        assert plan.id is not None
        text = f"Added {len(ids)} refresher trainings to draft plan #{plan.id}."
        return text, keyboard(session, press.identity.member_id, _plan_buttons(plan.id))

    text, markup = await context.services.run(act)
    await _ack(update)
    await _say(update, text, markup)


# --- the event wizard ---------------------------------------------------------------------


def _inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _unit_rows(prefix: str, units: Sequence[str], chosen: Sequence[str]) -> list[list[Any]]:
    buttons = [(("☑ " if u in chosen else "☐ ") + u, f"{prefix}:unit:{u}") for u in units]
    rows = [buttons[i : i + UNITS_PER_ROW] for i in range(0, len(buttons), UNITS_PER_ROW)]
    rows.append([(f"Done ({len(chosen)} chosen) ➡", f"{prefix}:units:done")])
    return rows


def _month_rows(prefix: str, today: dt.date, *, any_time: bool) -> list[list[tuple[str, str]]]:
    months = []
    month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    for _ in range(MONTHS_OFFERED):
        months.append((f"{month:%b %Y}", f"{prefix}:month:{month:%Y-%m}"))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    rows = [months[i : i + 3] for i in range(0, len(months), 3)]
    if any_time:
        rows.append([("Any time in the plan", f"{prefix}:month:any")])
    return rows


def _month_range(value: str) -> DateRange:
    first = dt.date.fromisoformat(f"{value}-01")
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return DateRange(first, last)


@guarded
async def add_begin(update: Update, context: AtlasContext) -> None:
    """Start the event wizard (kind, title, capability, units, duration, window, virtual)."""

    def check(session: Session) -> None:
        svc.require_coordinator(redeem(session, update, context).identity)

    await context.services.run(check)
    await _ack(update)
    assert context.user_data is not None
    context.user_data[EVENT_WIZARD] = {"participants": [], "awaiting": None}
    await _say(
        update,
        "New event. 1/7 What kind is it?",
        _inline([[(label, f"tw:kind:{kind}") for kind, label in texts.KINDS.items()]]),
    )


async def _units(context: AtlasContext) -> list[str]:
    def read(session: Session) -> list[str]:
        return list(session.exec(select(UnitRow.id).order_by(col(UnitRow.id))))

    return await context.services.run(read)


async def _capabilities(context: AtlasContext) -> list[tuple[str, str]]:
    def read(session: Session) -> list[tuple[str, str]]:
        rows = session.exec(select(CapabilityRow).order_by(col(CapabilityRow.code)))
        return [(row.code, row.name) for row in rows]

    return await context.services.run(read)


async def _toggle_unit(
    update: Update, context: AtlasContext, draft: dict[str, Any], prefix: str, unit_id: str
) -> None:
    """A tap on a unit in a wizard's participant list: chosen if it was not, and back."""
    chosen: list[str] = draft["participants"]
    draft["participants"] = (
        [u for u in chosen if u != unit_id] if unit_id in chosen else [*chosen, unit_id]
    )
    await _ack(update)
    assert update.callback_query is not None
    await update.callback_query.edit_message_reply_markup(
        _inline(_unit_rows(prefix, await _units(context), draft["participants"]))
    )


async def _units_chosen(update: Update, draft: dict[str, Any]) -> bool:
    """Done choosing participants: at least two, recorded on the pressed message."""
    if len(draft["participants"]) < 2:
        await _ack(update, "Choose at least two units.")
        return False
    await edit_pressed(update, "Units: " + ", ".join(draft["participants"]))
    return True


def _wizard(context: AtlasContext, key: str) -> dict[str, Any]:
    draft = (context.user_data or {}).get(key)
    if not isinstance(draft, dict):
        raise Conflict(texts.WIZARD_GONE)
    return draft


@guarded
async def event_step(update: Update, context: AtlasContext) -> None:
    """One tap in the event wizard: tw:<step>:<value>."""
    query = update.callback_query
    assert query is not None
    _, name, value = (query.data or "tw::").split(":", 2)
    draft = _wizard(context, EVENT_WIZARD)
    await _coordinator(update, context)
    if name == "kind" and value in texts.KINDS:
        draft["kind"] = value
        draft["awaiting"] = "title"
        await edit_pressed(update, f"Kind: {value}")
        await _say(update, "2/7 Type the event's title (e.g. 'Maritime boarding, Baltic').")
    elif name == "cap":
        draft["capability"] = None if value == "-" else value
        await edit_pressed(update, f"Capability: {value if value != '-' else 'none'}")
        await _say(
            update,
            "4/7 Which units take part? Tap to choose (at least two).",
            _inline(_unit_rows("tw", await _units(context), draft["participants"])),
        )
    elif name == "unit":
        await _toggle_unit(update, context, draft, "tw", value)
    elif name == "units":
        if not await _units_chosen(update, draft):
            return
        await _say(
            update,
            "5/7 How many consecutive weekdays does it last?",
            _inline([[(str(n), f"tw:days:{n}") for n in range(1, 6)]]),
        )
    elif name == "days" and value.isdigit():
        draft["duration_days"] = int(value)
        await edit_pressed(update, f"Duration: {value} day(s)")
        await _say(
            update,
            "6/7 In which month?",
            _inline(_month_rows("tw", _today(context), any_time=True)),
        )
    elif name == "month":
        if value != "any":
            window = _month_range(value)
            draft["window"] = {"start": window.start.isoformat(), "end": window.end.isoformat()}
        await edit_pressed(update, f"Window: {'any time' if value == 'any' else value}")
        await _say(
            update,
            "7/7 Is it virtual (video, no host, no travel)?",
            _inline([[("Virtual", "tw:virtual:yes"), ("In person", "tw:virtual:no")]]),
        )
    elif name == "virtual":
        await edit_pressed(update, f"Virtual: {value}")
        await _finish_event(update, context, draft, virtual=value == "yes")
    else:
        await _ack(update, "Unknown choice.")


async def _finish_event(
    update: Update, context: AtlasContext, draft: dict[str, Any], *, virtual: bool
) -> None:
    identity = await _coordinator(update, context)
    event: dict[str, Any] = {
        "id": draft["kind"],
        "kind": draft["kind"],
        "title": draft["title"],
        "duration_days": draft["duration_days"],
        "participants": draft["participants"],
    }
    if draft.get("capability"):
        event["capability"] = draft["capability"]
    if draft.get("window"):
        event["window"] = draft["window"]
    if virtual:
        event["virtual"] = True
    now = context.services.clock.now()
    today = _today(context)

    def act(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        plan, event_id = svc.add_event(session, identity, event, today=today, now=now)
        assert plan.id is not None
        count = len(plan.events["events"])
        text = f"Added {event_id} to draft plan #{plan.id} ({count} events)."
        return text, keyboard(session, identity.member_id, _plan_buttons(plan.id))

    text, markup = await context.services.run(act)
    if context.user_data is not None:
        context.user_data.pop(EVENT_WIZARD, None)
    await _say(update, text, markup)


async def typed(update: Update, context: AtlasContext) -> bool:
    """Text typed while a training wizard waits for it; False when none waits."""
    message = update.effective_message
    if context.user_data is None or message is None:
        return False
    text = (message.text or "").strip()
    event = context.user_data.get(EVENT_WIZARD)
    if isinstance(event, dict) and event.get("awaiting") == "title":
        if not 3 <= len(text) <= 120:
            await message.reply_text("Type a title of 3 to 120 characters.")
            return True
        event["title"] = text
        event["awaiting"] = None
        capabilities = await _capabilities(context)
        rows = [
            [(name, f"tw:cap:{code}") for code, name in capabilities[i : i + 2]]
            for i in range(0, len(capabilities), 2)
        ]
        rows.append([("No particular capability", "tw:cap:-")])
        await message.reply_text("3/7 Which capability does it train?", reply_markup=_inline(rows))
        return True
    meeting = context.user_data.get(MEETING_WIZARD)
    if isinstance(meeting, dict) and meeting.get("awaiting") == "title":
        if not 3 <= len(text) <= 120:
            await message.reply_text("Type a title of 3 to 120 characters.")
            return True
        meeting["title"] = text
        meeting["awaiting"] = None
        await message.reply_text(
            "2/4 Which units take part? Tap to choose (at least two).",
            reply_markup=_inline(_unit_rows("mw", await _units(context), meeting["participants"])),
        )
        return True
    return False


def cancel_wizards(context: AtlasContext) -> bool:
    """/cancel: drop a training or meeting wizard in progress; True when one was open."""
    if context.user_data is None:
        return False
    dropped = [context.user_data.pop(key, None) for key in (EVENT_WIZARD, MEETING_WIZARD)]
    return any(d is not None for d in dropped)


# --- /meeting -----------------------------------------------------------------------------


@guarded
async def meeting_command(update: Update, context: AtlasContext) -> None:
    """/meeting: title, participants, month, virtual or hosted → the three best dates → vote."""
    await _coordinator(update, context)
    assert context.user_data is not None
    context.user_data[MEETING_WIZARD] = {"participants": [], "awaiting": "title"}
    await _say(update, "New meeting. 1/4 Type its title (e.g. 'Commanders' meeting').")


@guarded
async def meeting_step(update: Update, context: AtlasContext) -> None:
    """One tap in the meeting wizard: mw:<step>:<value>."""
    query = update.callback_query
    assert query is not None
    _, name, value = (query.data or "mw::").split(":", 2)
    draft = _wizard(context, MEETING_WIZARD)
    await _coordinator(update, context)
    if name == "unit":
        await _toggle_unit(update, context, draft, "mw", value)
    elif name == "units":
        if not await _units_chosen(update, draft):
            return
        await _say(
            update,
            "3/4 In which month?",
            _inline(_month_rows("mw", _today(context), any_time=False)),
        )
    elif name == "month":
        window = _month_range(value)
        draft["window"] = [window.start.isoformat(), window.end.isoformat()]
        await edit_pressed(update, f"Month: {value}")
        await _say(
            update,
            "4/4 Virtual, or hosted by one of the units?",
            _inline([[("Virtual", "mw:virtual:yes"), ("Hosted", "mw:virtual:no")]]),
        )
    elif name == "virtual":
        await edit_pressed(update, f"Virtual: {value}")
        await _open_poll(update, context, draft, virtual=value == "yes")
    else:
        await _ack(update, "Unknown choice.")


async def _open_poll(
    update: Update, context: AtlasContext, draft: dict[str, Any], *, virtual: bool
) -> None:
    identity = await _coordinator(update, context)
    today = _today(context)
    start, end = (dt.date.fromisoformat(d) for d in draft["window"])
    window = DateRange(max(start, today + dt.timedelta(days=1)), end)
    participants = list(draft["participants"])
    network, busy = await context.services.run(lambda s: svc.meeting_inputs(s, identity))
    options = await context.services.plan(
        lambda: best_meeting_dates(network, participants, window, virtual=virtual, busy=busy)
    )
    now = context.services.clock.now()

    def act(session: Session) -> tuple[str, InlineKeyboardMarkup | None, list[Outgoing]]:
        poll = svc.create_poll(
            session,
            identity,
            title=draft["title"],
            participants=participants,
            window=window,
            virtual=virtual,
            options=options,
            now=now,
        )
        assert poll.id is not None
        lifetime = _token_lifetime(window.end, today)
        out = []
        for recipient in svc.poll_recipients(session, poll):
            rows = [
                [
                    Button(
                        f"{n + 1}. {option['start']}",
                        "train.vote",
                        {"poll": poll.id, "unit": recipient.unit_id, "option": n},
                    )
                    for n, option in enumerate(poll.options)
                ]
            ]
            out.append(
                Outgoing(
                    recipient.chat_id,
                    texts.poll_question(poll.title, poll.options, recipient.unit_id),
                    keyboard(session, recipient.member_id, rows, lifetime=lifetime),
                    f"poll:{poll.id}",
                )
            )
        summary = texts.poll_summary(poll.id, poll.title, poll.options, {}, poll.participants)
        return summary, _poll_keyboard(session, identity, poll.id, len(poll.options)), out

    summary, markup, messages = await context.services.run(act)
    if context.user_data is not None:
        context.user_data.pop(MEETING_WIZARD, None)
    await _say(update, f"{summary}\nVote sent to {len(messages)} commanders.", markup)
    await send_all(context, messages)


def _poll_keyboard(
    session: Session, identity: Identity, poll_id: int, options: int
) -> InlineKeyboardMarkup | None:
    rows = [
        [Button("📊 Show the tally", "train.tally", {"poll": poll_id})],
        [
            Button(f"✅ Confirm {n + 1}", "train.poll_ok", {"poll": poll_id, "option": n}, True)
            for n in range(options)
        ],
    ]
    return keyboard(session, identity.member_id, rows)


@guarded
async def vote(update: Update, context: AtlasContext) -> None:
    """A commander votes for a date for their unit (a later vote replaces it)."""
    now = context.services.clock.now()

    def act(session: Session) -> tuple[str, int]:
        press = redeem(session, update, context)
        option = int(press.payload["option"])
        poll = svc.vote(
            session,
            press.identity,
            int(press.payload["poll"]),
            str(press.payload["unit"]),
            option,
            now=now,
        )
        return str(poll.options[option]["start"]), option

    day, option = await context.services.run(act)
    await _ack(
        update, f"Your vote: option {option + 1} ({day}). You can change it until confirmed."
    )


@guarded
async def poll_tally(update: Update, context: AtlasContext) -> None:
    def read(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        press = redeem(session, update, context)
        svc.require_coordinator(press.identity)
        poll = svc.get_poll(session, int(press.payload["poll"]))
        assert poll.id is not None
        text = texts.poll_summary(
            poll.id, poll.title, poll.options, svc.tally(session, poll.id), poll.participants
        )
        if poll.status != "open":
            return text + "\n(Confirmed.)", None
        return text, _poll_keyboard(session, press.identity, poll.id, len(poll.options))

    text, markup = await context.services.run(read)
    await _ack(update)
    await _say(update, text, markup)


@guarded
async def poll_confirm(update: Update, context: AtlasContext) -> None:
    """The coordinator confirms a date: a published meeting, with invitations and reminders."""
    now = context.services.clock.now()
    today = _today(context)
    policy = _policy(context)

    def act(session: Session) -> tuple[str, svc.Publication, list[Outgoing]]:
        press = redeem(session, update, context)
        poll, publication = svc.confirm_poll(
            session,
            press.identity,
            int(press.payload["poll"]),
            int(press.payload["option"]),
            policy=policy,
            now=now,
        )
        network = registry.load_network(session)
        chosen = poll.options[poll.confirmed_option or 0]
        text = f"✅ Meeting '{poll.title}' confirmed: {texts.option_line(chosen)}."
        return text, publication, _invitations(session, publication.event_ids, network, today)

    text, publication, messages = await context.services.run(act)
    await edit_pressed(update, f"{text} {len(messages)} members invited.")
    arm_reminders(context.job_queue, publication.timers, context.services.clock.now())
    await send_all(context, messages)
