"""The one wizard mechanism (atlasbot/bot/wizard.py): round stamps, passed steps, timeouts,
END and STAY, one open wizard per member, and callback data within Telegram's 64 bytes.

Driven through fakes of the update and the context that record what the member would see,
not mocks of the mechanism's internals. (Tests of the crisis wizards' own mechanism
extensions; the training wizards' tests may add their own set below.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from atlasbot.bot import wizard
from atlasbot.bot.wizard import (
    CALLBACK_DATA_LIMIT,
    DRAFT_KEY,
    END,
    GONE_KEY,
    STAY,
    Draft,
    Step,
    Turn,
    Wizard,
    WizardRouter,
    WizardTexts,
    open_draft,
    parse_button,
)
from atlasbot.clock import ManualClock

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
TEXTS = WizardTexts(
    replaced="replaced", step_passed="passed", timed_out="timed out", closed="closed", gone="gone"
)


# --- fakes of what python-telegram-bot hands a handler --------------------------------------


@dataclass
class Chat:
    id: int = 7
    sent: list[tuple[str, Any]] = field(default_factory=list)

    async def send_message(self, text: str, reply_markup: Any = None) -> None:
        self.sent.append((text, reply_markup))


@dataclass
class Query:
    data: str
    answers: list[tuple[str | None, bool]] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)

    async def answer(self, text: str | None = None, show_alert: bool = False) -> bool:
        self.answers.append((text, show_alert))
        return True

    async def edit_message_text(self, text: str) -> None:
        self.edits.append(text)

    async def edit_message_reply_markup(self, markup: Any) -> None:
        self.edits.append("<keyboard>")


@dataclass
class FakeUpdate:
    effective_chat: Chat
    callback_query: Query | None = None
    effective_message: Any = None
    effective_user: Any = field(default_factory=lambda: SimpleNamespace(id=7))


@dataclass
class Jobs:
    """A job queue that only records what was armed (the test fires a job by hand)."""

    armed: list[SimpleNamespace] = field(default_factory=list)

    def get_jobs_by_name(self, name: str) -> list[SimpleNamespace]:
        return [job for job in self.armed if job.name == name and not job.removed]

    def run_once(self, callback: Any, when: timedelta, **kwargs: Any) -> SimpleNamespace:
        job = SimpleNamespace(callback=callback, when=when, removed=False, **kwargs)
        job.schedule_removal = lambda: setattr(job, "removed", True)
        self.armed.append(job)
        return job


@dataclass
class Bot:
    sent: list[tuple[int, str]] = field(default_factory=list)

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        self.sent.append((chat_id, text))


@dataclass
class FakeContext:
    clock: ManualClock
    user_data: dict[str, Any] = field(default_factory=dict)
    job_queue: Jobs | None = None
    bot: Bot = field(default_factory=Bot)
    job: Any = None

    @property
    def services(self) -> Any:
        return SimpleNamespace(clock=self.clock)


class Member:
    """One member's chat: presses buttons and types, and sees what the bot says."""

    def __init__(self, clock: ManualClock, job_queue: Jobs | None = None) -> None:
        self.chat = Chat()
        self.context = FakeContext(clock, job_queue=job_queue)
        self.last_query: Query | None = None

    def update(self, **kwargs: Any) -> Any:
        return cast(Any, FakeUpdate(self.chat, **kwargs))

    async def start(self, which: Wizard[Any], draft: Draft, **kwargs: Any) -> None:
        await which.start(self.update(), cast(Any, self.context), draft, **kwargs)

    async def press(self, router: WizardRouter, data: str) -> Query:
        self.last_query = Query(data)
        await router.on_button(
            self.update(callback_query=self.last_query), cast(Any, self.context)
        )
        return self.last_query

    async def type(self, router: WizardRouter, text: str) -> bool:
        message = SimpleNamespace(text=text, location=None, document=None)
        return await router.on_input(
            self.update(effective_message=message), cast(Any, self.context)
        )

    def said(self) -> list[str]:
        return [text for text, _markup in self.chat.sent]

    def buttons(self) -> list[str]:
        """The callback data of the last message's buttons."""
        markup = self.chat.sent[-1][1]
        return [button.callback_data for row in markup.inline_keyboard for button in row]

    @property
    def draft(self) -> Draft | None:
        return open_draft(cast(Any, self.context))


def alerts(query: Query) -> list[str]:
    return [text for text, shown in query.answers if shown and text]


# --- a small wizard: a name, a count, then done -----------------------------------------------


@dataclass
class Order(Draft):
    name: str = ""
    count: int = 0
    visits: list[str] = field(default_factory=list)


async def ask_name(turn: Turn[Order]) -> None:
    turn.draft.visits.append("name")
    await turn.say("Name?", turn.keyboard([[("Ana", "ana"), ("Bea", "bea")]]))


async def chose_name(turn: Turn[Order], value: str) -> str:
    turn.draft.name = value
    return "count"


async def typed_name(turn: Turn[Order], text: str) -> str:
    turn.draft.name = text
    return "count"


async def ask_count(turn: Turn[Order]) -> None:
    turn.draft.visits.append("count")
    await turn.say("How many?", turn.keyboard([[("+1", "more"), ("Done", "done")]]))


async def count(turn: Turn[Order], value: str) -> str:
    if value == "done":
        return END
    turn.draft.count += 1
    return STAY


ORDER = Wizard(
    name="order",
    draft_type=Order,
    first="name",
    steps={
        "name": Step(ask_name, on_button=chose_name, on_text=typed_name),
        "count": Step(ask_count, on_button=count, expect="use the buttons"),
    },
    timed_out="your order timed out",
    closed="no order open",
)
OTHER = Wizard(name="other", draft_type=Order, first="name", steps=ORDER.steps, timeout=None)
ROUTER = WizardRouter([ORDER, OTHER], TEXTS)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def ana(clock: ManualClock) -> Member:
    return Member(clock)


async def test_a_wizard_starts_at_its_first_step_and_its_buttons_carry_the_round(
    ana: Member,
) -> None:
    await ana.start(ORDER, Order())
    draft = ana.draft
    assert isinstance(draft, Order) and (draft.wizard, draft.step) == ("order", "name")
    assert ana.said() == ["Name?"]
    assert ana.buttons() == [f"w:order:{draft.round}:name:ana", f"w:order:{draft.round}:name:bea"]
    assert parse_button(ana.buttons()[0]) == ("order", draft.round, "name", "ana")


async def test_a_button_moves_to_the_next_step_and_asks_it(ana: Member) -> None:
    await ana.start(ORDER, Order())
    query = await ana.press(ROUTER, ana.buttons()[1])
    draft = ana.draft
    assert isinstance(draft, Order) and (draft.name, draft.step) == ("bea", "count")
    assert ana.said()[-1] == "How many?"
    assert query.answers == [(None, False)]  # every press is answered


async def test_stay_keeps_the_step_without_asking_again_and_end_closes(ana: Member) -> None:
    await ana.start(ORDER, Order())
    await ana.press(ROUTER, ana.buttons()[0])
    more, done = ana.buttons()
    await ana.press(ROUTER, more)
    await ana.press(ROUTER, more)
    draft = ana.draft
    assert isinstance(draft, Order) and draft.count == 2 and draft.step == "count"
    assert draft.visits == ["name", "count"]
    await ana.press(ROUTER, done)
    assert ana.draft is None and DRAFT_KEY not in ana.context.user_data
    # The closed wizard's buttons act no more: its own line says so.
    assert alerts(await ana.press(ROUTER, more)) == ["no order open"]


async def test_a_button_of_an_earlier_round_is_refused_and_changes_nothing(ana: Member) -> None:
    await ana.start(ORDER, Order())
    old_buttons = ana.buttons()
    await ana.start(ORDER, Order())
    query = await ana.press(ROUTER, old_buttons[0])
    assert alerts(query) == ["replaced"]
    draft = ana.draft
    assert isinstance(draft, Order) and (draft.name, draft.step) == ("", "name")


async def test_a_button_of_a_step_already_passed_is_refused(ana: Member) -> None:
    await ana.start(ORDER, Order())
    name_buttons = ana.buttons()
    await ana.press(ROUTER, name_buttons[0])
    query = await ana.press(ROUTER, name_buttons[1])
    assert alerts(query) == ["passed"]
    draft = ana.draft
    assert isinstance(draft, Order) and (draft.name, draft.step) == ("ana", "count")


async def test_a_member_has_one_wizard_open_and_another_replaces_it(ana: Member) -> None:
    await ana.start(ORDER, Order())
    order_buttons = ana.buttons()
    await ana.start(OTHER, Order())
    assert alerts(await ana.press(ROUTER, order_buttons[0])) == ["replaced"]
    draft = ana.draft
    assert draft is not None and draft.wizard == "other"


async def test_a_draft_idle_past_the_timeout_is_dropped_with_the_wizards_line(
    ana: Member, clock: ManualClock
) -> None:
    await ana.start(ORDER, Order())
    clock.advance(timedelta(minutes=29))
    await ana.press(ROUTER, ana.buttons()[0])  # a use resets the time
    clock.advance(timedelta(minutes=29))
    more, _done = ana.buttons()
    await ana.press(ROUTER, more)
    clock.advance(timedelta(minutes=31))
    assert alerts(await ana.press(ROUTER, more)) == ["your order timed out"]
    assert ana.draft is None
    # Typed input after the timeout goes to the other handlers.
    assert await ana.type(ROUTER, "hello") is False


async def test_a_wizard_without_a_timeout_never_goes_stale(
    ana: Member, clock: ManualClock
) -> None:
    await ana.start(OTHER, Order())
    clock.advance(timedelta(days=30))
    await ana.press(ROUTER, ana.buttons()[0])
    draft = ana.draft
    assert draft is not None and draft.step == "count"


async def test_the_timeout_job_says_it_on_time_unless_the_draft_was_used_since(
    clock: ManualClock,
) -> None:
    jobs = Jobs()
    ana = Member(clock, jobs)
    await ana.start(ORDER, Order())
    first = jobs.armed[-1]
    assert first.when == ORDER.timeout and first.user_id == 7 and first.chat_id == 7
    clock.advance(timedelta(minutes=1))
    await ana.press(ROUTER, ana.buttons()[0])
    assert first.removed and len(jobs.get_jobs_by_name(first.name)) == 1
    # The first job, had it fired anyway, finds the draft used since: it does nothing.
    ana.context.job = first
    await first.callback(cast(Any, ana.context))
    assert ana.draft is not None and ana.context.bot.sent == []
    ana.context.job = latest = jobs.get_jobs_by_name(first.name)[0]
    await latest.callback(cast(Any, ana.context))
    assert ana.draft is None
    assert ana.context.bot.sent == [(7, "your order timed out")]


async def test_typed_input_goes_to_the_open_step_or_is_answered_with_what_it_expects(
    ana: Member,
) -> None:
    assert await ana.type(ROUTER, "Cleo") is False  # no wizard open
    await ana.start(ORDER, Order())
    assert await ana.type(ROUTER, "Cleo") is True
    draft = ana.draft
    assert isinstance(draft, Order) and (draft.name, draft.step) == ("Cleo", "count")
    assert await ana.type(ROUTER, "seven") is True
    assert ana.said()[-1] == "use the buttons"


async def test_a_draft_the_persistence_could_not_restore_is_said_once(ana: Member) -> None:
    ana.context.user_data[GONE_KEY] = True
    assert alerts(await ana.press(ROUTER, "w:order:abcdef:name:ana")) == ["gone"]
    assert alerts(await ana.press(ROUTER, "w:order:abcdef:name:ana")) == ["no order open"]
    ana.context.user_data[GONE_KEY] = True
    assert await ana.type(ROUTER, "hello") is True
    assert ana.said() == ["gone"]
    ana.context.user_data[GONE_KEY] = True
    await ana.start(ORDER, Order())  # a new start forgets it
    assert GONE_KEY not in ana.context.user_data


async def test_a_draft_at_a_step_this_version_does_not_have_is_gone(ana: Member) -> None:
    await ana.start(ORDER, Order())
    draft = ana.draft
    assert draft is not None
    draft.step = "colour"
    query = await ana.press(ROUTER, f"w:order:{draft.round}:colour:red")
    assert alerts(query) == ["gone"] and ana.draft is None


def test_callback_data_stays_within_telegrams_64_bytes() -> None:
    draft = Order(wizard="order", round="abcdef", step="count")
    longest = "x" * (CALLBACK_DATA_LIMIT - len("w:order:abcdef:count:"))
    button = ORDER.button(draft, "ok", longest)
    assert len((button.callback_data or "").encode()) == CALLBACK_DATA_LIMIT
    with pytest.raises(ValueError, match="64 bytes"):
        ORDER.button(draft, "too long", longest + "x")


def test_two_wizards_may_not_share_a_name() -> None:
    with pytest.raises(ValueError, match="share a name"):
        WizardRouter([ORDER, ORDER], TEXTS)


async def test_starting_at_a_step_the_wizard_does_not_have_is_an_error(ana: Member) -> None:
    with pytest.raises(KeyError):
        await ana.start(ORDER, Order(), step="colour")


def test_the_crisis_wizards_buttons_fit_with_their_longest_values() -> None:
    """/request and the answer: every step name with a long value stays under 64 bytes."""
    from atlasbot.handlers.wizards import ROUTER as BOT_ROUTER

    for draft_type in BOT_ROUTER.draft_types:
        assert issubclass(draft_type, Draft)
    from atlasbot.handlers.request import REQUEST_WIZARD
    from atlasbot.handlers.respond import ANSWER_WIZARD

    for crisis_wizard in (REQUEST_WIZARD, ANSWER_WIZARD):
        for step in crisis_wizard.steps:
            draft = crisis_wizard.draft_type(wizard=crisis_wizard.name, round="abcdef", step=step)
            crisis_wizard.button(draft, "label", "999:999")  # a place listing, the longest
    assert wizard.PREFIX == "w:"
