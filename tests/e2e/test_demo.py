"""`make demo` is the README's first command: the whole scripted crisis must keep playing."""

from __future__ import annotations

import io

from atlasbot.demo import play


async def test_the_demo_plays_the_whole_crisis_to_its_after_action_summary() -> None:
    out = io.StringIO()
    assert await play(out) == 0
    transcript = out.getvalue()
    assert "all units are FICTIONAL" in transcript
    for moment in (
        "REQUEST SUMMARY",
        "PLANS",
        "REQUEST FOR ASSISTANCE",
        "COUNTER-PROPOSES",
        "MOBILISATION ORDER",
        "LIVE BOARD",
        "AFTER-ACTION REPORT",
    ):
        assert moment in transcript, f"the demo no longer shows {moment}"
    assert "Traceback" not in transcript and "Something went wrong" not in transcript
