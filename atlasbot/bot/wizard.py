"""The one wizard mechanism: a typed draft and a table of steps.

Every multi-step form of the bot (``/request``, the answer to a request, a training event, a
meeting poll) is a :class:`Wizard`: a name, a draft dataclass and a table that maps each step
name to what the step accepts (a button value, typed text, a shared location, a document).
A step's function receives the turn (the update, the context and the typed draft), does its
work, and returns the name of the next step, :data:`STAY` to remain, or :data:`END` to close.

Why one mechanism: the buttons of every wizard carry ``w:<wizard>:<round>:<step>:<value>``.
The round is a random stamp issued when the wizard starts, so a button of an earlier form of
the same wizard, or of a step already passed, never acts on the current draft (it is answered
with a clear line instead). A member has at most one wizard open; starting another replaces
it. The draft lives in ``user_data`` under :data:`DRAFT_KEY` as a tagged dataclass, which the
chat persistence stores as JSON (never pickle), so a restart resumes the same step; a draft
idle for longer than its wizard's timeout is dropped with a message instead of resumed, and a
draft that this version cannot read is dropped by the persistence, which leaves the
:data:`GONE_KEY` mark: the member's next press or input is answered with the "gone" line once.
A wizard that names its ``timed_out`` line also says it when its time is up, without waiting
for the member's next input (a job of the application's job queue, re-armed at each input).

Texts given to the mechanism (``WizardTexts``, a step's ``expect``, a wizard's own lines) are
message ids marked with ``N_``: they are translated with ``atlasbot.i18n._`` when shown, in the
reader's language.

Step functions live in the handlers (they translate); they call use cases for everything that
decides. Values on buttons are validated again by the step that receives them.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import JobQueue

from atlasbot.bot.context import AtlasContext
from atlasbot.i18n import _

PREFIX = "w:"
DRAFT_KEY = "wizard"
# Set by the chat persistence when it dropped a stored draft it could not read.
GONE_KEY = "wizard_gone"
STAY = ""
END = "__end__"
# Telegram refuses callback data longer than 64 bytes.
CALLBACK_DATA_LIMIT = 64
TIMEOUT_JOB = "wizard-timeout:{user}"

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Draft:
    """What every wizard's draft carries beside its own fields (set by the mechanism)."""

    wizard: str = ""
    round: str = ""
    step: str = ""
    # ISO 8601 UTC of the last input: JSON has no datetime, and a stale draft is not resumed.
    touched_at: str = ""


D = TypeVar("D", bound=Draft)


@dataclass
class Turn(Generic[D]):
    """One input to a wizard: the update, the context and the member's typed draft."""

    update: Update
    context: AtlasContext
    draft: D
    wizard: Wizard[D]

    def button(self, label: str, value: str, *, step: str | None = None) -> InlineKeyboardButton:
        """A button of this wizard's current round, for ``step`` (default: the current)."""
        return self.wizard.button(self.draft, label, value, step=step)

    def keyboard(
        self, rows: list[list[tuple[str, str]]], *, step: str | None = None
    ) -> InlineKeyboardMarkup:
        """An inline keyboard of (label, value) rows for ``step`` (default: the current)."""
        return InlineKeyboardMarkup(
            [[self.button(label, value, step=step) for label, value in row] for row in rows]
        )

    async def say(self, text: str, markup: ReplyMarkup | None = None) -> None:
        """Send the next prompt to the member's chat."""
        if self.update.effective_chat is not None:
            await self.update.effective_chat.send_message(text, reply_markup=markup)

    async def alert(self, text: str) -> None:
        """Answer the press with an alert (the step stays; nothing else is shown)."""
        query = self.update.callback_query
        if query is not None:
            with contextlib.suppress(BadRequest):  # too old to answer
                await query.answer(text[:200], show_alert=True)

    async def replace_pressed(self, text: str) -> None:
        """Replace the pressed message with what was chosen (its buttons go)."""
        query = self.update.callback_query
        if query is None:
            return
        try:
            await query.edit_message_text(text)
        except BadRequest as err:
            if "not modified" not in str(err).lower():
                raise

    async def refresh_keyboard(self, markup: InlineKeyboardMarkup) -> None:
        """Show the pressed message's buttons as they are now (a toggle was flipped)."""
        query = self.update.callback_query
        if query is None:
            return
        with contextlib.suppress(BadRequest):  # "not modified": nothing changed to show
            await query.edit_message_reply_markup(markup)


StepFunction = Callable[[Turn[D], str], Awaitable[str]]
TextFunction = Callable[[Turn[D], str], Awaitable[str]]
LocationFunction = Callable[[Turn[D], float, float], Awaitable[str]]
DocumentFunction = Callable[[Turn[D]], Awaitable[str]]
PromptFunction = Callable[[Turn[D]], Awaitable[None]]


@dataclass(frozen=True)
class Step(Generic[D]):
    """One row of a wizard's table: how it asks, and what input it takes.

    Each ``on_*`` function returns the next step's name, :data:`STAY` or :data:`END`; input a
    step does not take is answered with ``expect`` (e.g. "Please use the buttons above.").
    """

    prompt: PromptFunction[D] | None = None
    on_button: StepFunction[D] | None = None
    on_text: TextFunction[D] | None = None
    on_location: LocationFunction[D] | None = None
    on_document: DocumentFunction[D] | None = None
    expect: str = ""


@dataclass(frozen=True)
class WizardTexts:
    """The lines the mechanism itself says (translated by whoever builds the router)."""

    replaced: str  # a button of an earlier form of the wizard, or of another wizard
    step_passed: str  # a button of a step already answered
    timed_out: str  # the draft was idle longer than the timeout; "{wizard}" is not used
    closed: str  # no wizard is open any more (cancelled, finished, restarted)
    # The stored draft could not be restored after an update (default: ``closed``).
    gone: str = ""


@dataclass(frozen=True)
class Wizard(Generic[D]):
    """A named wizard: its draft type, its table of steps and its first step."""

    name: str
    draft_type: type[D]
    first: str
    steps: Mapping[str, Step[D]]
    # A draft idle longer than this is dropped instead of resumed (None: never).
    timeout: timedelta | None = timedelta(minutes=30)
    # This wizard's own lines (message ids), instead of the router's: when its time is up
    # (also said on time, by a job), and for a press of its button with no draft open.
    timed_out: str = ""
    closed: str = ""
    # What the wizard gives back when its draft is dropped unfinished (/cancel, or another
    # wizard opened over it): e.g. the answer wizard's hold on a request's deadline.
    on_abandon: Callable[[Update, AtlasContext, Any], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        if self.on_abandon is not None:
            _ABANDON_HOOKS[self.name] = self.on_abandon

    def button(
        self, draft: D, label: str, value: str, *, step: str | None = None
    ) -> InlineKeyboardButton:
        """A button stamped with this wizard, the draft's round and the step it belongs to."""
        data = f"{PREFIX}{self.name}:{draft.round}:{step or draft.step}:{value}"
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return InlineKeyboardButton(label, callback_data=data)

    async def start(
        self, update: Update, context: AtlasContext, draft: D, *, step: str | None = None
    ) -> None:
        """Open ``draft`` as the member's one wizard, in a new round, and ask its first step
        (or ``step``, for a wizard entered at different points)."""
        assert context.user_data is not None
        if (step or self.first) not in self.steps:
            raise KeyError(f"wizard {self.name} has no step {step!r}")
        await abandon(update, context)  # the draft this one replaces, if any
        draft.wizard = self.name
        draft.round = secrets.token_hex(3)
        draft.step = step or self.first
        context.user_data.pop(GONE_KEY, None)
        context.user_data[DRAFT_KEY] = draft
        _touch(draft, update, context, self)
        await self._prompt(Turn(update, context, draft, self))

    async def advance(self, turn: Turn[D], next_step: str) -> None:
        """Move to ``next_step`` (asking it), stay, or close the wizard."""
        if next_step == END:
            # Only this draft: a step that waited may find another wizard opened meanwhile.
            if open_draft(turn.context) is turn.draft:
                close(turn.context)
            return
        if next_step == STAY:
            return
        if next_step not in self.steps:
            raise KeyError(f"wizard {self.name} has no step {next_step!r}")
        turn.draft.step = next_step
        await self._prompt(turn)

    async def _prompt(self, turn: Turn[D]) -> None:
        prompt = self.steps[turn.draft.step].prompt
        if prompt is not None:
            await prompt(turn)

    def is_stale(self, draft: Draft, now: datetime) -> bool:
        """True when the draft was idle longer than this wizard's timeout."""
        if self.timeout is None:
            return False
        try:
            touched = datetime.fromisoformat(draft.touched_at)
        except ValueError:
            return True
        return now - touched > self.timeout


def _touch(draft: Draft, update: Update, context: AtlasContext, wizard: Wizard[Any]) -> None:
    """Mark the draft as used now, and re-arm its wizard's timeout job."""
    draft.touched_at = context.services.clock.now().astimezone(UTC).isoformat()
    user, chat = update.effective_user, update.effective_chat
    job_queue: JobQueue[Any] | None = context.job_queue
    if wizard.timeout is None or not wizard.timed_out or job_queue is None or user is None:
        return
    name = TIMEOUT_JOB.format(user=user.id)
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    job_queue.run_once(
        _on_timeout,
        wizard.timeout,
        data=(wizard, draft.round, draft.touched_at),
        name=name,
        chat_id=chat.id if chat is not None else user.id,
        user_id=user.id,
    )


async def _on_timeout(context: AtlasContext) -> None:
    """The time is up for a draft nobody touched since the job was armed: close and say so."""
    job = context.job
    assert job is not None
    data: tuple[Wizard[Any], str, str] = job.data  # type: ignore[assignment]
    wizard, round_, touched_at = data
    draft = open_draft(context)
    if draft is None or (draft.wizard, draft.round, draft.touched_at) != (
        wizard.name,
        round_,
        touched_at,
    ):
        return  # used since, finished, or replaced by another wizard
    close(context)
    if job.chat_id is not None:
        await context.bot.send_message(
            job.chat_id, _(wizard.timed_out), reply_markup=ReplyKeyboardRemove()
        )


def open_draft(context: AtlasContext) -> Draft | None:
    """The member's open wizard draft, if any."""
    if context.user_data is None:
        return None
    draft = context.user_data.get(DRAFT_KEY)
    return draft if isinstance(draft, Draft) else None


def close(context: AtlasContext) -> Draft | None:
    """Close the member's open wizard (``/cancel``, or its end); returns the closed draft."""
    if context.user_data is None:
        return None
    context.user_data.pop(GONE_KEY, None)
    draft = context.user_data.pop(DRAFT_KEY, None)
    return draft if isinstance(draft, Draft) else None


# Wizard name -> what it gives back when dropped unfinished (filled as wizards are defined).
_ABANDON_HOOKS: dict[str, Callable[[Update, AtlasContext, Any], Awaitable[None]]] = {}


async def abandon(update: Update, context: AtlasContext) -> Draft | None:
    """Drop the member's open wizard unfinished (``/cancel``, or a new wizard over it): close
    it and let its wizard give back what it held. Returns the dropped draft."""
    draft = close(context)
    hook = _ABANDON_HOOKS.get(draft.wizard) if draft is not None else None
    if hook is not None:
        await hook(update, context, draft)
    return draft


def parse_button(data: str) -> tuple[str, str, str, str] | None:
    """(wizard, round, step, value) of a wizard button's callback data, or None."""
    if not data.startswith(PREFIX):
        return None
    parts = data[len(PREFIX) :].split(":", 3)
    if len(parts) != 4:
        return None
    wizard, round_, step, value = parts
    return wizard, round_, step, value


class WizardRouter:
    """Routes wizard buttons and free input to the member's open wizard, and refuses a button
    of an earlier round or an earlier step with a clear line."""

    def __init__(self, wizards: Sequence[Wizard[Any]], texts: WizardTexts) -> None:
        self._wizards = {wizard.name: wizard for wizard in wizards}
        if len(self._wizards) != len(wizards):
            raise ValueError("two wizards share a name")
        self._texts = texts

    @property
    def draft_types(self) -> list[type[Draft]]:
        """Every draft type, for the chat persistence's codec."""
        return [wizard.draft_type for wizard in self._wizards.values()]

    def wizard_of(self, draft: Draft | None) -> Wizard[Any] | None:
        """The wizard a draft belongs to (None for no draft, or one of no wizard here)."""
        return self._wizards.get(draft.wizard) if draft is not None else None

    def _current(self, context: AtlasContext) -> tuple[Wizard[Any], Draft] | None:
        draft = open_draft(context)
        wizard = self.wizard_of(draft)
        if draft is None or wizard is None:
            return None
        if draft.step not in wizard.steps:  # a step this version no longer has
            close(context)
            assert context.user_data is not None
            context.user_data[GONE_KEY] = True
            return None
        return wizard, draft

    def _closed_line(self, context: AtlasContext, name: str) -> str:
        """Why a press found no open wizard: its draft was lost in an update, or it ended."""
        if context.user_data is not None and context.user_data.pop(GONE_KEY, None):
            return self._texts.gone or self._texts.closed
        wizard = self._wizards.get(name)
        return (wizard.closed if wizard is not None else "") or self._texts.closed

    async def on_button(self, update: Update, context: AtlasContext) -> None:
        """A press on a wizard button: act if it belongs to the open round and step."""
        query = update.callback_query
        assert query is not None
        parsed = parse_button(query.data or "")
        current = self._current(context)
        if parsed is None or current is None:
            await _answer(update, self._closed_line(context, parsed[0] if parsed else ""))
            return
        name, round_, step, value = parsed
        wizard, draft = current
        if name != wizard.name or round_ != draft.round:
            await _answer(update, self._texts.replaced)
            return
        if step != draft.step:
            await _answer(update, self._texts.step_passed)
            return
        if await self._expired(update, context, wizard, draft):
            return
        row = wizard.steps[draft.step]
        if row.on_button is None:
            await _answer(update, row.expect or self._texts.step_passed)
            return
        turn = Turn(update, context, draft, wizard)
        next_step = await row.on_button(turn, value)
        with contextlib.suppress(BadRequest):  # answered already by the step, or too old
            await query.answer()
        await wizard.advance(turn, next_step)

    async def on_input(self, update: Update, context: AtlasContext) -> bool:
        """Typed text, a location or a document for the open wizard; False when none is open
        (the caller then treats the message as it would without a wizard)."""
        current = self._current(context)
        message = update.effective_message
        if message is None:
            return False
        if current is None:
            if context.user_data is None or not context.user_data.pop(GONE_KEY, None):
                return False
            await _answer(update, self._texts.gone or self._texts.closed)
            return True
        wizard, draft = current
        if await self._expired(update, context, wizard, draft):
            return True
        row = wizard.steps[draft.step]
        turn = Turn(update, context, draft, wizard)
        if message.location is not None and row.on_location is not None:
            next_step = await row.on_location(
                turn, message.location.latitude, message.location.longitude
            )
        elif message.document is not None and row.on_document is not None:
            next_step = await row.on_document(turn)
        elif message.text is not None and row.on_text is not None:
            next_step = await row.on_text(turn, message.text)
        else:
            if row.expect:
                await turn.say(_(row.expect))
                return True
            return False
        await wizard.advance(turn, next_step)
        return True

    async def _expired(
        self, update: Update, context: AtlasContext, wizard: Wizard[Any], draft: Draft
    ) -> bool:
        now = context.services.clock.now()
        if wizard.is_stale(draft, now):
            close(context)
            await _answer(update, wizard.timed_out or self._texts.timed_out)
            return True
        _touch(draft, update, context, wizard)
        return False


async def _answer(update: Update, text: str) -> None:
    """Say ``text`` (a message id, translated here) for a press (as an alert) or a message
    (as a reply)."""
    text = _(text)
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer(text[:200], show_alert=True)
        return
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text)
