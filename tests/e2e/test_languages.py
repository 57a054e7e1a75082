"""Each member reads atlasbot in their language (issue 15): a French requester and a German
responder play the same crisis, each in their own words, the agreement carrying the English
wording both states cite; an unsupported Telegram language reads English.

Button labels are looked up through the catalogs (``in_language``), so the test follows the
translations instead of copying them.
"""

from __future__ import annotations

import re
from typing import Any

from atlasbot.i18n import _, using_locale
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, button_texts
from atlasbot.texts import crisis as crisis_texts
from atlasbot.texts import wizards as wizard_texts


def in_language(language: str, message: str, **params: object) -> str:
    with using_locale(language):
        return _(message, **params)


def starting(language: str, message: str) -> re.Pattern[str]:
    return re.compile(re.escape(in_language(language, message)), re.IGNORECASE)


async def enrolled(
    sandbox: SandboxClient, user_id: int, name: str, language: str | None, **scope: str
) -> Person:
    someone = Person(sandbox, user_id, name, language_code=language)
    await someone.enrol("authority", **scope)
    return someone


def texts_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


async def french_request(amelie: Person) -> None:
    """Amélie (FR authority) asks for hostage rescue near Strasbourg, in French."""
    fr = "fr"
    opening = await amelie.say("/request")
    assert "Nouvelle demande d'assistance" in texts_of(opening)
    await amelie.tap(in_language(fr, "Hostage-taking"))
    await amelie.tap(in_language(fr, "Yes, I confirm"))
    await amelie.say("Strasbourg")
    await amelie.tap(re.compile(r"^Strasbourg"))
    await amelie.tap(starting(fr, "Hostage rescue"))
    await amelie.tap(in_language(fr, "✅ Done"))
    await amelie.tap(starting(fr, "Action on our territory"))
    await amelie.tap(in_language(fr, "✅ Done"))
    await amelie.say("Libérer des otages retenus dans un immeuble de bureaux.")
    await amelie.say("Notre unité est engagée sur un second incident à Paris.")
    await amelie.say("Commissaire Durand, STRAS-1")
    await amelie.tap(in_language(fr, "No"))
    await amelie.tap(in_language(fr, "1 normal"))
    plans = await amelie.tap(in_language(fr, "✅ Submit request"))
    assert "PLANS" in texts_of(plans)
    await amelie.tap(re.compile("^📨 Envoyer le plan 1"))
    await amelie.tap(in_language(fr, "✅ Confirm and send"))


async def german_accepts(dieter: Person) -> None:
    de = "de"
    await dieter.tap(in_language(de, "✅ Accept…"))
    await dieter.tap(in_language(de, "Next ➡"))
    if "Waffen" in ((await dieter.last()).get("text") or ""):
        await dieter.tap(in_language(de, wizard_texts.YES_ARMED))
    await dieter.tap("8")
    await dieter.tap(starting(de, crisis_texts.DURATIONS["until_released"]))
    await dieter.tap(starting(de, wizard_texts.REQUESTER_PAYS))
    await dieter.say("Lagezentrum, sichere Leitung 12")
    await dieter.tap(in_language(de, "✅ Confirm"))


async def test_a_french_requester_and_a_german_responder_each_read_their_language(
    sandbox: SandboxClient,
) -> None:
    amelie = await enrolled(sandbox, 7101, "Amélie", "fr", country="FR")
    dieter = await enrolled(sandbox, 7102, "Dieter", "de-DE", country="DE")
    assert "Vous êtes inscrit" in texts_of(await amelie.all_messages())
    assert "Sie sind registriert" in texts_of(await dieter.all_messages())
    await french_request(amelie)

    request = next(
        m for m in await dieter.all_messages() if "UNTERSTÜTZUNGSERSUCHEN" in (m["text"] or "")
    )
    # What the French authority typed is shown as typed, marked as French.
    assert "Libérer des otages retenus dans un immeuble de bureaux. [fr]" in request["text"]
    assert "Art der Unterstützung" in request["text"]
    assert in_language("de", "✖ Decline…") in button_texts(request)
    await german_accepts(dieter)

    accepted = next(
        m["text"]
        for m in await amelie.all_messages()
        if "a ACCEPTÉ la demande" in (m["text"] or "")
    )
    # The agreement in French with the English wording beside it, for both states to cite.
    assert in_language("fr", "The same in English, the wording both states cite:") in accepted
    assert "ACCEPTED request" in accepted
    assert "Lagezentrum, sichere Leitung 12 [de]" in accepted
    board = next(m["text"] for m in await amelie.all_messages() if "TABLEAU" in (m["text"] or ""))
    assert "TABLEAU DE SITUATION" in board
    # The German never read French, the French never read German wizard texts.
    assert "DEMANDE D'ASSISTANCE" not in texts_of(await dieter.all_messages())
    assert "Ersuchen" not in texts_of(await amelie.all_messages()).replace("Ersuchen Nr.", "")


async def test_an_unsupported_telegram_language_reads_english(sandbox: SandboxClient) -> None:
    joana = await enrolled(sandbox, 7201, "Joana", "pt-BR", country="PT")
    assert "You are enrolled" in texts_of(await joana.all_messages())
    settings = (await joana.say("/settings"))[-1]["text"]
    assert "Your settings" in settings and "English (en)" in settings


async def test_settings_language_changes_the_replies_and_the_menu(
    sandbox: SandboxClient,
) -> None:
    amelie = await enrolled(sandbox, 7301, "Amélie", "fr", country="FR")
    menu = (await sandbox.commands(amelie.user_id))[0]
    assert menu["language_code"] == "fr"
    descriptions = {c["command"]: c["description"] for c in menu["commands"]}
    assert descriptions["request"] == in_language("fr", "Ask other states for help in a crisis")

    changed = (await amelie.say("/settings language de"))[-1]["text"]
    assert "Deutsch" in changed and "schreibt" in changed
    assert "Ihre Einstellungen" in (await amelie.say("/settings"))[-1]["text"]
    menu = (await sandbox.commands(amelie.user_id))[0]
    descriptions = {c["command"]: c["description"] for c in menu["commands"]}
    assert descriptions["request"] == in_language("de", "Ask other states for help in a crisis")

    refused = (await amelie.say("/settings language tlh"))[-1]["text"]
    assert "tlh" in refused
    assert "Ihre Einstellungen" in (await amelie.say("/settings"))[-1]["text"]


async def test_a_training_invitation_reaches_each_commander_in_their_language(
    sandbox: SandboxClient,
) -> None:
    from .test_training_chat import publish_calendar

    cora = Person(sandbox, 7401, "Cora")
    await cora.enrol("coordinator")
    french = Person(sandbox, 7402, "Béatrice", language_code="fr")
    await french.enrol("commander", unit="be-1")
    german = Person(sandbox, 7403, "Dirk", language_code="de")
    await german.enrol("commander", unit="de-1")
    await french.news()
    await german.news()
    await publish_calendar(sandbox, cora)

    # One digest per commander (issue 14): its rows are numbered symbols, its words translated.
    explained = (
        "Answer each event with the buttons of its number (✅ attend, ✖ can't, ❔ tentative)."
    )
    for someone, language, unit in ((french, "fr", "be-1"), (german, "de", "de-1")):
        digests = [m for m in await someone.news() if button_texts(m)]
        assert len(digests) == 1, f"{unit}: {len(digests)} digests"
        translated = in_language(language, explained)
        assert translated != explained
        assert translated in digests[0]["text"]
        assert explained not in digests[0]["text"]


async def test_a_responder_in_an_unsupported_language_plays_the_crisis_in_english(
    sandbox: SandboxClient,
) -> None:
    amelie = await enrolled(sandbox, 7501, "Amélie", "fr", country="FR")
    jose = await enrolled(sandbox, 7502, "José", "es-ES", country="DE")
    await french_request(amelie)

    request = next(
        m for m in await jose.all_messages() if "REQUEST FOR ASSISTANCE" in (m["text"] or "")
    )
    # English, the fallback: what Amélie typed is marked French for him.
    assert "Libérer des otages retenus dans un immeuble de bureaux. [fr]" in request["text"]
    assert "✅ Accept…" in button_texts(request)
    await jose.tap("✅ Accept…")
    await jose.tap("Next ➡")
    if "arms" in ((await jose.last()).get("text") or ""):
        await jose.tap(wizard_texts.YES_ARMED)
    await jose.tap("8")
    await jose.tap(starting("en", crisis_texts.DURATIONS["until_released"]))
    await jose.tap(starting("en", wizard_texts.REQUESTER_PAYS))
    await jose.say("Duty desk, secure line 12")
    done = await jose.tap("✅ Confirm")
    assert "accepted" in texts_of(done).lower()

    accepted = next(
        m["text"]
        for m in await amelie.all_messages()
        if "a ACCEPTÉ la demande" in (m["text"] or "")
    )
    # He reads and writes English (his own language has no catalog): what he typed is shown
    # as typed, marked English for the French reader, unmarked in the English wording.
    french, english = accepted.split(
        in_language("fr", "The same in English, the wording both states cite:")
    )
    assert "Duty desk, secure line 12 [en]" in french
    assert "Contact: Duty desk, secure line 12" in english and "[en]" not in english
    said = texts_of(await jose.all_messages())
    assert "DEMANDE D'ASSISTANCE" not in said and "Vous" not in said


async def test_a_commander_in_an_unsupported_language_gets_the_english_invitation(
    sandbox: SandboxClient,
) -> None:
    from .test_training_chat import publish_calendar

    cora = Person(sandbox, 7601, "Cora")
    await cora.enrol("coordinator")
    jana = Person(sandbox, 7602, "Jana", language_code="cs")
    await jana.enrol("commander", unit="de-1")
    await jana.news()
    await publish_calendar(sandbox, cora)
    digests = [m for m in await jana.news() if button_texts(m)]
    assert len(digests) == 1
    explained = (
        "Answer each event with the buttons of its number (✅ attend, ✖ can't, ❔ tentative)."
    )
    assert explained in digests[0]["text"]
