"""Units report their progress: mobilising, departed with an ETA (a preset, or a time typed
through a small wizard), on scene, released."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from telegram import Update

from atlasbot.bot import notices
from atlasbot.bot.context import AtlasContext
from atlasbot.bot.replies import guarded, markup, require_identity
from atlasbot.bot.wizard import END, STAY, Draft, Step, Turn, Wizard
from atlasbot.i18n import _
from atlasbot.services.assistance import mobilising
from atlasbot.services.assistance.outcome import Outcome
from atlasbot.services.errors import DomainError, InvalidInput
from atlasbot.texts import crisis as texts

ETA = "eta"


def _latest_report() -> str:
    """Where the order's text ends and the newest report begins, in the edited order."""
    return "\n\n" + _("Latest report: ")


@guarded
async def departed_menu(update: Update, context: AtlasContext) -> None:
    """Departing asks for the ETA: the planned travel time, or later, or typed."""
    press = notices.press_input(update, context)
    outcome = await context.services.run(lambda s: mobilising.departed_menu(s, press))
    await notices.show(update, context, outcome, edit=False)


@guarded
async def report(update: Update, context: AtlasContext) -> None:
    """A progress report; the order keeps its text (it holds the agreement) with the newest
    report appended."""
    press = notices.press_input(update, context)
    tz, home = context.services.settings.tz, context.services.settings.return_home
    outcome = await context.services.run(lambda s: mobilising.report(s, press, tz, home))
    message = update.callback_query.message if update.callback_query else None
    order = (getattr(message, "text", None) or "").split(_latest_report())[0].rstrip()
    reply = f"{order}{_latest_report()}{outcome.reply}" if order else outcome.reply
    shown = Outcome(reply=reply, keyboard=outcome.keyboard, board=outcome.board)
    await notices.show(update, context, shown, edit=True)


# --- the ETA typed: "19:40" in the member's zone, or "+45" minutes ------------------------


@dataclass
class EtaForm(Draft):
    """Which deployment departed, while its ETA is typed."""

    deployment: int = 0
    question: str = ""


@guarded
async def begin_typed_eta(update: Update, context: AtlasContext) -> None:
    """ "Type the time…": the use case checks the member may report, then the wizard asks."""
    press = notices.press_input(update, context)
    asked = await context.services.run(lambda s: mobilising.ask_typed_eta(s, press))
    form = EtaForm(deployment=asked.deployment_id, question=asked.question)
    await ETA_WIZARD.start(update, context, form)


async def ask_eta(turn: Turn[EtaForm]) -> None:
    await turn.say(turn.draft.question)


async def typed_eta(turn: Turn[EtaForm], typed: str) -> str:
    """The typed ETA recorded as "departed"; what is not a time is said and asked again."""
    identity = await require_identity(turn.update, turn.context)
    services = turn.context.services
    work = partial(
        mobilising.report_typed_eta,
        identity=identity,
        deployment_id=turn.draft.deployment,
        typed=typed,
        now=services.clock.now(),
        fallback_tz=services.settings.tz,
    )
    try:
        outcome = await services.run(work)
    except InvalidInput as refused:
        await turn.say(texts.eta_again(str(refused), turn.draft.question))
        return STAY
    except DomainError as refused:  # no longer possible (reported meanwhile, closed)
        await turn.say(str(refused))
        return END
    await turn.say(outcome.reply, markup(outcome.keyboard))
    await notices.follow_up(turn.context, outcome)
    return END


ETA_WIZARD = Wizard(
    name="eta",
    draft_type=EtaForm,
    first=ETA,
    steps={ETA: Step(ask_eta, on_text=typed_eta, expect=texts.EXPECT_ETA)},
    timed_out=texts.ETA_TIMED_OUT,
)
