"""Words for people (issue 11, point 5): display names instead of codes, every message in
HTML with plain text escaped, no rule codes for members, and a "Why not others?" that fits
one phone screen."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from atlasbot import names, rules
from atlasbot.bot.formatting import HtmlBot, as_html, format_for_html
from atlasbot.domain import Location, make_request
from atlasbot.network import load_network
from atlasbot.planner.matching import plan_single
from atlasbot.planner.reasons import why_not_others
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts.plans import exclusions_text

REGISTRY = {"precision_marksmen": "Precision marksmen", "k9": "K9 (police dogs)"}


def test_capabilities_read_as_the_registry_names_them_and_unnamed_codes_as_words() -> None:
    assert names.capability_name("precision_marksmen", REGISTRY) == "Precision marksmen"
    assert names.capability_name("k9", REGISTRY) == "K9 (police dogs)"
    # A capability the registry has not named (or no registry at hand): words, not a code.
    assert names.capability_name("maritime_intervention") == "Maritime intervention"
    line = crisis_texts.capability_line({"precision_marksmen": 1, "hostage_rescue": 2})
    assert line == "Precision marksmen ×1, Hostage rescue ×2"


def test_crisis_types_and_statuses_read_as_words() -> None:
    assert names.crisis_type_name("hostage_taking") == "Hostage-taking"
    assert names.crisis_type_name("cyber_siege") == "Cyber siege"
    assert names.deployment_state_name("on_scene") == "on scene"
    assert names.deployment_state_name("departed") == "en route"
    assert names.answer_status_name("no_response") == "no response"
    assert names.unit_status_name("standby") == "on standby"
    assert names.crisis_status_name("closed") == "closed"
    assert names.from_code("some_new_state") == "Some new state"


def test_members_read_the_article_but_never_a_rule_code_or_unverified() -> None:
    assert rules.basis("R7") == "Art. 3(3)"
    # An article number not confirmed is not shown to a member at all.
    assert rules.basis("R9") == "Decision 2008/617/JHA"
    # The audit and the after-action report keep the full citation.
    assert rules.cite("R9") == "R9, Art. 5 (unverified)"
    terms = "\n".join(crisis_texts.agreement_lines({"costs": "requesting_state_pays"}))
    assert "R9" not in terms and "unverified" not in terms


def test_plain_text_is_escaped_and_markup_passes() -> None:
    assert as_html("Free <b>hostages</b> & go") == "Free &lt;b&gt;hostages&lt;/b&gt; &amp; go"
    assert as_html('It\'s "fine"') == 'It\'s "fine"'  # quotes need no entity in text
    assert as_html(Markup("<b>ORDER</b>")) == "<b>ORDER</b>"
    built = Markup("<b>{}</b>").format("<i>typed</i>")
    assert as_html(built) == "<b>&lt;i&gt;typed&lt;/i&gt;</b>"


def test_a_call_that_names_its_parse_mode_is_left_alone() -> None:
    data: dict[str, Any] = {"text": "*bold*", "parse_mode": "MarkdownV2"}
    format_for_html("sendMessage", data)
    assert data == {"text": "*bold*", "parse_mode": "MarkdownV2"}
    caption: dict[str, Any] = {"caption": "a < b", "parse_mode": None}
    format_for_html("sendDocument", caption)
    assert caption == {"caption": "a &lt; b", "parse_mode": "HTML"}
    answer: dict[str, Any] = {"text": "a < b"}  # answerCallbackQuery has no parse mode
    format_for_html("answerCallbackQuery", answer)
    assert answer == {"text": "a < b"}


class _RecordingBot(HtmlBot):
    """The HtmlBot with the network cut off: what would be posted is kept."""

    _posted: list[tuple[str, dict[str, Any]]]

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        self._posted.append((endpoint, dict(data)))
        if endpoint == "answerCallbackQuery":
            return True
        return {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 7, "type": "private"},
            "text": "x",
        }


@pytest.mark.asyncio
async def test_the_bot_sends_every_text_as_escaped_html() -> None:
    bot = _RecordingBot("123:ABC")
    bot._posted = []
    await bot.send_message(7, "Nature: <script> & co")
    await bot.edit_message_text("Now <b>", chat_id=7, message_id=1)
    await bot.send_message(7, Markup("<b>{}</b>").format("A&B"))
    await bot.answer_callback_query("q1", text="a < b")
    (_e1, first), (_e2, edit), (_e3, markup), (_e4, answer) = bot._posted
    assert (first["text"], first["parse_mode"]) == ("Nature: &lt;script&gt; &amp; co", "HTML")
    assert (edit["text"], edit["parse_mode"]) == ("Now &lt;b&gt;", "HTML")
    assert markup["text"] == "<b>A&amp;B</b>"
    assert answer["text"] == "a < b" and "parse_mode" not in answer


def test_why_not_others_fits_one_phone_screen() -> None:
    network = load_network("data/network.yaml")
    request = make_request(
        id="antwerp",
        requesting_country="BE",
        crisis="hostage_taking",
        location=Location(51.22, 4.40, "Antwerp"),
        needs={"hostage_rescue": 2, "negotiation": 1, "precision_marksmen": 1, "eod": 1},
        assistance=["action", "expertise"],
    )
    result = plan_single(network, request, alternatives=2)
    others = why_not_others(network, result, "antwerp")
    assert len(others.nearest) == 10 and others.more > 0
    text = exclusions_text(result, network, others, [], [])
    # A phone screen: a dozen lines and about a thousand characters, reasons grouped.
    assert len(text.splitlines()) <= 12, text
    assert len(text) <= 1000, text
    assert text.count("later than plan 1") < 10
    assert "… and " in text and "more, all further away" in text
    assert "Not eligible: 1 of the requesting state" in text


def test_an_escalated_alert_says_in_words_why_it_came_to_you() -> None:
    from zoneinfo import ZoneInfo

    from atlasbot.escalation import Action
    from atlasbot.texts.alerts import copy_text

    def copy(reached_before: bool) -> str:
        return copy_text(
            "MOBILISATION ORDER for de-1",
            is_drill=False,
            number=2,
            action=Action.NOTIFY,
            deadline=None,  # an order has no answer deadline (a request's copy states its own)
            tz=ZoneInfo("Europe/Berlin"),
            reached_before=reached_before,
        )

    for text in (copy(True), copy(False)):
        head = text.split("\n\n", 1)[0]
        assert "ESCALATED" not in head and "step" not in head
        assert "Passed on to you" in head and "Acknowledge" in head
        assert text.endswith("MOBILISATION ORDER for de-1")
    assert "nobody has acknowledged" in copy(True)
    # A unit with nobody to reach: its first recipient is not told that someone ignored it.
    assert "nobody could be reached before you" in copy(False)


def test_a_long_after_action_report_fits_one_message_and_the_csv_keeps_everything() -> None:
    import csv
    import io
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from atlasbot.texts import after_action

    start = datetime(2026, 12, 3, 13, 2, 7, 123456, tzinfo=UTC)
    crisis = SimpleNamespace(
        id=4,
        requesting_country="BE",
        crisis_type="hostage_taking",
        lat=51.2,
        lon=4.4,
        place="Antwerp",
        status="closed",
    )
    events = [
        after_action.Event(
            start + timedelta(minutes=i, microseconds=7),
            "=HYPERLINK(x)" if i == 0 else "Ana",
            "deployment.mobilising" if i % 2 else "some.new_action",
            {"unit": "nl-1", "deployment": 1, "asked": {"nl-1": {"k9": 1}}, "note": "x"},
        )
        for i in range(300)
    ]
    report = after_action.Report(
        crisis=crisis,
        requested_at=start,
        closed_at=start + timedelta(hours=5),
        states=[
            after_action.StateLine(
                "NL", "Netherlands", "accepted", start, start + timedelta(minutes=7)
            )
        ],
        units=[],
        timeline=events,
        unit_names={"nl-1": "Demo Unit Netherlands 1"},
    )
    tz = ZoneInfo("Europe/Lisbon")
    text = after_action.report_text(report, tz)
    assert len(text) <= after_action.MESSAGE_LIMIT
    assert "earlier entries in the CSV" in text
    assert "accepted at 13:09 WET, 7 min after it was sent" in text
    assert "nl-1 (Demo Unit Netherlands 1) mobilising" in text
    assert "Some new action (unit: nl-1" in text and "{" not in text
    rows = list(csv.reader(io.StringIO(after_action.timeline_csv(report, tz).decode("utf-8"))))
    assert len(rows) == 301
    assert rows[1][0] == "2026-12-03T13:02:07+00:00" and rows[1][1] == "2026-12-03T13:02:07Z"
    assert rows[1][2] == "'=HYPERLINK(x)"  # never a formula in a spreadsheet
