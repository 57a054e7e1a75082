"""The poller's ledger: getUpdates never confirms an update whose handler has not finished,
and never hands out an update twice."""

from __future__ import annotations

from telegram import Update

from atlasbot.bot.updates import UpdateLedger


def _updates(*ids: int) -> list[Update]:
    return [Update(update_id) for update_id in ids]


def test_the_offset_stays_at_the_oldest_update_not_yet_handled() -> None:
    ledger = UpdateLedger()
    assert ledger.offset(None) is None
    assert [u.update_id for u in ledger.take(_updates(5, 6, 7), None)] == [5, 6, 7]
    assert ledger.offset(8) == 5
    ledger.done(6)
    assert ledger.offset(8) == 5
    ledger.done(5)
    assert ledger.offset(8) == 7
    ledger.done(7)
    assert ledger.offset(8) == 8
    assert ledger.handled_offset() == 8


def test_updates_given_again_while_held_back_are_not_handed_out_twice() -> None:
    ledger = UpdateLedger()
    ledger.take(_updates(5, 6), None)
    ledger.done(6)
    again = ledger.take(_updates(5, 6, 7), ledger.offset(7))
    assert [u.update_id for u in again] == [7]


def test_what_the_offset_confirmed_is_forgotten() -> None:
    ledger = UpdateLedger()
    ledger.take(_updates(5), None)
    ledger.done(5)
    ledger.take([], 6)
    assert ledger.handled_offset() is None
    assert ledger.offset(6) == 6


def test_an_update_never_handed_out_changes_nothing() -> None:
    ledger = UpdateLedger()
    ledger.done(3)
    assert ledger.handled_offset() is None
