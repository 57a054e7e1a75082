"""``atlasbot demo``: a whole crisis, played through the sandbox by several people.

Belgium's competent authority asks for help with a hostage-taking in Antwerp. The planner
proposes units; the requested states answer (one accepts, one declines, one counter-proposes
and the requester accepts the proposal); units mobilise and report; the requester closes the
crisis and gets the after-action summary. Everything goes through the real bot over HTTP,
against the local sandbox Bot API on 127.0.0.1, with a temporary SQLite database.
"""

from __future__ import annotations

import asyncio
import re
import sys
import textwrap
import time
from typing import Any, TextIO

from atlasbot.config import load_settings
from atlasbot.domain import Network
from atlasbot.i18n import N_, _
from atlasbot.network import load_network
from atlasbot.runtime import DEMO_NETWORK, sandbox_runtime, temporary_sqlite_url
from atlasbot.sandbox import SandboxClient
from atlasbot.sandbox.people import Person, button_texts

REQUESTER_ID = 1001
AUTHORITY_BASE_ID = 2000
UNIT_BASE_ID = 3000
# The answers the requested states give, in the order their requests arrive.
ANSWER_SCRIPT = ("decline", "accept", "counter", "accept", "accept", "accept")
# How the closing line names each answer ("FR decline"), translated when shown.
ANSWER_NAMES = {
    "accept": N_("{state} accept"),
    "decline": N_("{state} decline"),
    "counter": N_("{state} counter"),
}


def taps(button: str) -> str:
    """The narration of a tap on a button (its label quoted as the bot shows it)."""
    return _("taps '{button}'", button=button)


def types(typed: str) -> str:
    """The narration of a short text typed, quoted."""
    return _("types '{text}'", text=typed)


class Transcript:
    """Prints the conversation as a person would read it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.perf_counter()
        self.shown: dict[tuple[int, int], str] = {}

    def heading(self, text: str) -> None:
        self.out.write(f"\n=== {text} ===\n")

    def user(self, person: Person, text: str) -> None:
        self.out.write(f"\n{person.name} ▶ {text}\n")

    def bot(self, person: Person, message: dict[str, Any]) -> None:
        body = message.get("text") or message.get("caption") or ""
        key = (person.user_id, message["message_id"])
        if self.shown.get(key) == body and message.get("edited"):
            return  # only the buttons changed (a toggle); nothing new to read
        self.shown[key] = body
        if message.get("edited"):
            body = _("(edited) {text}", text=body)
        if message.get("document"):
            body = _("[document: {document}] {text}", document=message["document"], text=body)
        if message.get("location"):
            body = _("[map pin {location}] {text}", location=message["location"], text=body)
        lines = body.splitlines() or [""]
        first = _("bot → {person}: {text}", person=person.name, text=lines[0])
        self.out.write(f"  {first}\n")
        for line in lines[1:]:
            self.out.write(textwrap.indent(line, "      ") + "\n")
        labels = button_texts(message)
        if labels:
            self.out.write("      [" + "] [".join(labels) + "]\n")


class Demo:
    def __init__(self, sandbox: SandboxClient, network: Network, transcript: Transcript) -> None:
        self.sandbox = sandbox
        self.network = network
        self.transcript = transcript
        self.authorities: dict[str, Person] = {}
        self.unit_people: dict[str, Person] = {}
        self.used_plan_messages: set[int] = set()
        self.answered: dict[int, set[int]] = {}
        self.requesters: list[Person] = []

    def person(self, user_id: int, name: str) -> Person:
        return Person(self.sandbox, user_id, name, on_message=self.transcript.bot)

    async def act(self, person: Person, label: str, action: Any) -> list[dict[str, Any]]:
        """One step by one person; then everyone reads what the bot sent them because of it."""
        self.transcript.user(person, label)
        result: list[dict[str, Any]] = await action
        await self.catch_up()
        return result

    async def catch_up(self) -> None:
        people = [*self.requesters, *self.authorities.values(), *self.unit_people.values()]
        for someone in people:
            await someone.news()

    async def enrol_everyone(self) -> Person:
        self.transcript.heading(_("Enrolment by one-time invite codes"))
        ana = self.person(REQUESTER_ID, "Ana (BE authority)")
        self.requesters.append(ana)
        code = await self.sandbox.invite("authority", country="BE")
        await self.act(ana, f"/start {code}", ana.say(f"/start {code}"))
        for index, country in enumerate(c.code for c in self.network.countries if c.code != "BE"):
            someone = Person(self.sandbox, AUTHORITY_BASE_ID + index, f"{country} authority")
            await someone.enrol("authority", country=country)
            await someone.news()
            someone.on_message = self.transcript.bot
            self.authorities[country] = someone
        for index, unit in enumerate(self.network.units):
            commander = Person(self.sandbox, UNIT_BASE_ID + index, f"{unit.id} commander")
            await commander.enrol("commander", unit=unit.id)
            await commander.news()
            commander.on_message = self.transcript.bot
            self.unit_people[unit.id] = commander
        enrolled = _(
            "({authorities} other states' authorities and {commanders} unit commanders "
            "enrolled the same way, quietly)",
            authorities=len(self.authorities),
            commanders=len(self.unit_people),
        )
        self.transcript.out.write(f"\n{enrolled}\n")
        return ana

    async def request(self, ana: Person) -> None:
        self.transcript.heading(_("The request (/request)"))
        steps: list[tuple[str, Any]] = [
            ("/request", lambda: ana.say("/request")),
            (taps("Hostage-taking"), lambda: ana.tap("Hostage-taking")),
            (taps("Yes, I confirm"), lambda: ana.tap("Yes, I confirm")),
            (types("Antwerpen"), lambda: ana.say("Antwerpen")),
            (taps("Antwerp, BE"), lambda: ana.tap(re.compile(r"^Antwerp"))),
            (
                _("taps '{button}' twice", button="Hostage rescue"),
                lambda: self._tap_twice(ana, "Hostage rescue"),
            ),
            (taps("Negotiation"), lambda: ana.tap(re.compile(r"^Negotiation"))),
            (taps("Precision marksmen"), lambda: ana.tap(re.compile(r"^Precision marksmen"))),
            (
                taps("Explosive ordnance disposal"),
                lambda: ana.tap(re.compile(r"^Explosive ordnance")),
            ),
            (taps("Done"), lambda: ana.tap("✅ Done")),
            (
                taps("Action on our territory"),
                lambda: ana.tap(re.compile("Action on our territory")),
            ),
            (taps("Expertise"), lambda: ana.tap(re.compile("Expertise"))),
            (taps("Done"), lambda: ana.tap("✅ Done")),
            (
                _("types the nature"),
                lambda: ana.say(
                    "Assault teams to free about 20 hostages in an office tower, with "
                    "negotiators, marksmen and EOD support."
                ),
            ),
            (
                _("types the necessity"),
                lambda: ana.say(
                    "Our own unit is engaged at a second site in Brussels; we cannot cover "
                    "Antwerp alone."
                ),
            ),
            (
                _("types the commander"),
                lambda: ana.say("Commissaris J. Peeters, call sign ANTWERP-1"),
            ),
            (_("taps '{button}' (partners)", button="No"), lambda: ana.tap("No")),
            (taps("2 high"), lambda: ana.tap("2 high")),
            (taps("Submit request"), lambda: ana.tap("✅ Submit request")),
        ]
        for label, step in steps:
            await self.act(ana, label, step())

    async def _tap_twice(self, ana: Person, label: str) -> list[dict[str, Any]]:
        await ana.tap(re.compile(f"^{label}"))
        return await ana.tap(re.compile(f"^{label}"))

    async def send_best_plan(self, ana: Person) -> bool:
        """Send a plan from the newest plans message not used yet: the first plan that asks
        two or more states (so the demo shows several answers), else plan 1."""
        for message in reversed(await ana.all_messages()):
            if message["message_id"] in self.used_plan_messages:
                return False
            labels = [t for t in button_texts(message) if t.startswith("📨 Send plan")]
            if labels:
                self.used_plan_messages.add(message["message_id"])
                label = next((t for t in labels if "," in t), labels[0])
                await self.act(ana, taps(label), ana.tap(label, message))
                await self.act(ana, taps("Confirm and send"), ana.tap("✅ Confirm and send"))
                return True
        return False

    async def answer(self, authority: Person, how: str, request: dict[str, Any]) -> None:
        if how == "accept":
            await self.act(authority, taps("Accept…"), authority.tap("✅ Accept…", request))
            await self.act(authority, taps("Next"), authority.tap("Next ➡"))
            last = await authority.last()
            if "carry arms" in (last.get("text") or ""):
                await self.act(authority, taps("Yes, armed"), authority.tap("Yes, armed"))
            await self.act(authority, taps("12"), authority.tap("12"))
            await self.act(authority, taps("72 hours"), authority.tap("72 hours"))
            await self.act(
                authority,
                taps("Requesting state pays"),
                authority.tap(re.compile("^Requesting state pays")),
            )
            await self.act(
                authority, _("types the contact"), authority.say("Duty desk, secure line ref. 44")
            )
            await self.act(authority, taps("Confirm"), authority.tap("✅ Confirm"))
        elif how == "decline":
            await self.act(authority, taps("Decline…"), authority.tap("✖ Decline…", request))
            await self.act(
                authority, taps("Units needed at home"), authority.tap("Units needed at home")
            )
            await self.act(authority, taps("Confirm decline"), authority.tap("✖ Confirm decline"))
        else:
            await self.act(
                authority, taps("Counter-propose…"), authority.tap("↔ Counter-propose…", request)
            )
            await self.act(
                authority,
                _("types the proposal"),
                authority.say("Expertise only: 4 advisers, no armed action, on scene from 18:00"),
            )
            last = await authority.last()
            if "☑ Action" in " ".join(button_texts(last)):
                await self.act(
                    authority,
                    _("taps '{button}' off", button="Action"),
                    authority.tap(re.compile("Action on our territory")),
                )
            if "☐ Expertise" in button_texts(await authority.last()):
                await self.act(authority, taps("Expertise"), authority.tap("☐ Expertise"))
            await self.act(authority, taps("Next"), authority.tap("Next ➡"))
            await self.act(authority, types("4"), authority.say("4"))
            await self.act(authority, taps("24 hours"), authority.tap("24 hours"))
            await self.act(
                authority,
                taps("Requesting state pays"),
                authority.tap(re.compile("^Requesting state pays")),
            )
            await self.act(authority, taps("Use my name"), authority.tap("Use my name"))
            await self.act(authority, taps("Confirm"), authority.tap("✅ Confirm"))

    async def pending_requests(self) -> list[tuple[Person, dict[str, Any]]]:
        """Requests not answered yet: (authority, the request message with its buttons)."""
        found = []
        for authority in self.authorities.values():
            for message in await authority.all_messages():
                if message["message_id"] in self.answered.get(authority.user_id, set()):
                    continue
                if "✅ Accept…" in button_texts(message):
                    found.append((authority, message))
        return found

    async def answers(self, ana: Person) -> list[str]:
        """Answer every request as the script says, sending the next plan after a refusal."""
        self.transcript.heading(_("The requested states answer"))
        handled: list[str] = []
        script = iter(ANSWER_SCRIPT)
        for _round in range(8):
            pending = await self.pending_requests()
            if not pending:
                if not await self.send_best_plan(ana):
                    break
                continue
            for authority, message in pending:
                how = next(script, "accept")
                self.answered.setdefault(authority.user_id, set()).add(message["message_id"])
                await self.answer(authority, how, message)
                handled.append(_(ANSWER_NAMES[how], state=authority.name.split()[0]))
                if how == "counter":
                    await self.act(ana, taps("Accept proposal"), ana.tap("✅ Accept proposal"))
        return handled

    async def mobilise(self) -> None:
        self.transcript.heading(_("Mobilisation: the units report"))
        for commander in self.unit_people.values():
            messages = await commander.all_messages()
            if not any("MOBILISATION ORDER" in (m.get("text") or "") for m in messages):
                continue
            await self.act(commander, taps("Mobilising"), commander.tap("🟡 Mobilising"))
            await self.act(commander, taps("Departed…"), commander.tap("🚁 Departed…"))
            await self.act(
                commander, _("taps the planned ETA"), commander.tap(re.compile(r"^ETA in"))
            )
            await self.act(commander, taps("On scene"), commander.tap("📍 On scene"))

    async def close(self, ana: Person) -> None:
        self.transcript.heading(_("Closing and the after-action summary"))
        await self.act(
            ana,
            _("taps '{button}' on the live board", button="Close crisis…"),
            ana.tap("🏁 Close crisis…"),
        )
        await self.act(
            ana, taps("Confirm: close the crisis"), ana.tap("🏁 Confirm: close the crisis")
        )


async def play(out: TextIO = sys.stdout) -> int:
    """Play the whole demo; returns the exit status."""
    started = time.perf_counter()
    url, folder = temporary_sqlite_url()
    settings = load_settings(database_url=url, token=None, log_level="WARNING")
    transcript = Transcript(out)
    out.write(
        _(
            "atlasbot demo — all units are FICTIONAL; everything runs offline against the "
            "local sandbox Bot API on 127.0.0.1 with a temporary database."
        )
        + "\n"
    )
    try:
        async with (
            sandbox_runtime(settings) as runtime,
            SandboxClient(runtime.control_url) as sandbox,
        ):
            demo = Demo(sandbox, load_network(DEMO_NETWORK), transcript)
            ana = await demo.enrol_everyone()
            await demo.request(ana)
            handled = await demo.answers(ana)
            await demo.mobilise()
            await demo.close(ana)
            transcript.heading(_("Done"))
            seconds = f"{time.perf_counter() - started:.1f}"
            out.write(
                _(
                    "Answers: {answers}. Transcript above; {seconds} s in all.",
                    answers=", ".join(handled),
                    seconds=seconds,
                )
                + "\n"
            )
    finally:
        folder.cleanup()
    return 0


def main() -> int:
    return asyncio.run(play())
