"""Maps sent as photos: the plans' map, the board's map, /coverage's map and its list."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import TelegramError

from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import answer_user, markup, require_identity
from atlasbot.services import maps
from atlasbot.services.assistance.outcome import PressInput
from atlasbot.services.assistance.planning import PlanningView, ProposedPlans
from atlasbot.services.enrolment import Identity
from atlasbot.services.outbox import IssuedButton, Keyboard
from atlasbot.services.outbox import Message as OutboxMessage
from atlasbot.texts import webapp as webapp_texts

log = logging.getLogger(__name__)


async def send_picture(context: AtlasContext, picture: maps.Picture) -> None:
    """Send a map; a map that cannot be sent is logged, never in the way of the text."""
    try:
        await context.bot.send_photo(picture.chat_id, picture.png, caption=picture.caption)
    except TelegramError as err:
        log.warning("map not delivered to %s: %s", picture.chat_id, err)


async def send_plans_map(
    context: AtlasContext, chat_id: int, view: PlanningView, proposed: ProposedPlans
) -> None:
    """The plans on a map, drawn off the event loop; a map that cannot be drawn is logged and
    left out, so the plans themselves always go."""
    try:
        picture = await context.services.plan(lambda: maps.plans_picture(chat_id, view, proposed))
    except Exception:
        log.exception("the plans' map could not be drawn")
        return
    await send_picture(context, picture)


async def send_board_map(context: AtlasContext, press: PressInput) -> None:
    """A crisis's board on a map, for a member who may see the crisis."""
    tz = context.services.settings.tz
    chat_id, spec = await context.services.run(lambda s: maps.board_map(s, press, tz))
    picture = await context.services.plan(lambda: maps.board_picture(chat_id, spec))
    await send_picture(context, picture)


async def send_coverage(update: Update, context: AtlasContext, args: Sequence[str]) -> None:
    """/coverage: the map of the earliest help at every place, then the worst places."""
    identity = await require_identity(update, context)
    given = await context.services.read(lambda s: maps.coverage_input(s, identity, args))
    await _answer(update, context, identity, given)


async def send_what_if(update: Update, context: AtlasContext, press: PressInput) -> None:
    """A "what if … is deployed?" button: the coverage again with that unit deployed."""
    identity, given = await context.services.run(lambda s: maps.what_if_input(s, press))
    await _answer(update, context, identity, given)


async def _answer(
    update: Update, context: AtlasContext, identity: Identity, given: maps.CoverageInput
) -> None:
    """Compute (or find) and draw the coverage off the event loop; send the map, then the
    worst places with a "what if" button for each unit that carries the most places."""
    services = context.services
    answer = await services.plan(
        lambda: maps.coverage_answer(
            given, services.coverage_memo, services.gazetteer, services.settings.travel_model()
        )
    )
    now = services.clock.now()
    keyboard = await services.run(
        lambda s: maps.what_if_keyboard(s, identity, given, answer.key_units, now)
    )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(answer.png, caption=answer.title[:1000])
        await chat.send_message(answer.text, reply_markup=markup(keyboard))


def map_app_url(base: str, crisis_id: int | None = None) -> str:
    """The Mini App's address: its list of crises, or one crisis's live board."""
    base = base if base.endswith("/") else base + "/"
    return base if crisis_id is None else f"{base}?crisis={crisis_id}"


def map_app_row(context: AtlasContext, crisis_id: int | None = None) -> Keyboard:
    """The row with the Mini App's web_app button; none when no ATLASBOT_WEBAPP_URL is set."""
    base = context.services.settings.webapp_url
    if base is None:
        return ()
    url = map_app_url(base, crisis_id)
    return ((IssuedButton(webapp_texts.open_button(), "", web_app_url=url),),)


def with_map_app(context: AtlasContext, message: OutboxMessage, crisis_id: int) -> OutboxMessage:
    """``message`` (a board, the plans) with the Mini App's button under its own ones."""
    row = map_app_row(context, crisis_id)
    if not row:
        return message
    return dataclasses.replace(message, keyboard=(*message.keyboard, *row))


async def send_map_app(update: Update, context: AtlasContext) -> None:
    """/map: for enrolled members, the Mini App's button (what it shows, the page asks the
    same use cases as the chat)."""
    await require_identity(update, context)
    row = map_app_row(context)
    text = webapp_texts.map_intro() if row else webapp_texts.not_set_up()
    await answer_user(update, text, markup(row))
