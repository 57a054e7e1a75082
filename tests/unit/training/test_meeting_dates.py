"""Choosing a meeting date: fewest busy units, then least travel, then the earliest day."""

from __future__ import annotations

from training_factories import day, event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import schedule
from atlasbot.training.events_file import DateRange
from atlasbot.training.meetings import best_meeting_dates, busy_from


def test_three_free_dates_spread_over_the_weeks_skipping_weekends_and_holidays(network: Network):
    window = DateRange(day("2027-03-26"), day("2027-04-09"))  # Good Friday, Easter Monday
    options = best_meeting_dates(network, ["de-1", "fr-1"], window, virtual=True)
    # The first free day, then the first of the next week; a third week has none free.
    assert [o.start for o in options] == [day("2027-03-30"), day("2027-04-05"), day("2027-03-31")]
    assert all(o.host is None and o.travel_km == 0 and o.conflicts == () for o in options)


def test_busy_units_push_a_meeting_to_a_date_they_are_free(network: Network):
    window = DateRange(day("2027-03-01"), day("2027-03-12"))
    busy = {"fr-1": [DateRange(day("2027-03-01"), day("2027-03-09"))]}
    options = best_meeting_dates(network, ["de-1", "fr-1"], window, virtual=True, busy=busy)
    assert [o.start for o in options] == [day("2027-03-10"), day("2027-03-11"), day("2027-03-12")]


def test_when_nobody_is_free_the_fewest_conflicts_win(network: Network):
    window = DateRange(day("2027-03-01"), day("2027-03-02"))
    busy = {
        "de-1": [DateRange(day("2027-03-01"), day("2027-03-02"))],
        "fr-1": [DateRange(day("2027-03-02"), day("2027-03-02"))],
    }
    options = best_meeting_dates(network, ["de-1", "fr-1"], window, virtual=True, busy=busy)
    assert [(o.start, o.conflicts) for o in options] == [
        (day("2027-03-01"), ("de-1",)),
        (day("2027-03-02"), ("de-1", "fr-1")),
    ]


def test_an_in_person_meeting_is_hosted_where_travel_is_least(network: Network):
    window = DateRange(day("2027-03-01"), day("2027-03-05"))
    options = best_meeting_dates(network, ["de-1", "nl-1", "pl-1"], window, virtual=False, count=1)
    assert options[0].host == "de-1"
    assert options[0].travel_km > 0


def test_busy_days_come_from_a_published_schedule(network: Network):
    plan = make_plan([event("e", ["de-1", "nl-1"], duration_days=2)])
    result = schedule(network, plan)
    busy = busy_from(result, plan)
    assert busy["de-1"] == [DateRange(result.events[0].start, result.events[0].end)]


def test_a_month_gives_three_different_weeks_and_days_offered_are_not_offered_again(
    network: Network,
):
    window = DateRange(day("2027-03-01"), day("2027-03-31"))
    options = best_meeting_dates(network, ["de-1", "fr-1"], window, virtual=True)
    weeks = {o.start.isocalendar()[1] for o in options}
    assert len(options) == 3 and len(weeks) == 3
    again = best_meeting_dates(
        network, ["de-1", "fr-1"], window, virtual=True, exclude={o.start for o in options}
    )
    assert not {o.start for o in again} & {o.start for o in options}
    assert len({o.start.isocalendar()[1] for o in again}) == 3


def test_an_in_person_meeting_offers_another_host_when_its_travel_is_close(network: Network):
    window = DateRange(day("2027-03-01"), day("2027-03-26"))
    options = best_meeting_dates(network, ["de-1", "nl-1"], window, virtual=False)
    assert options[0].host in ("de-1", "nl-1")
    assert {o.host for o in options} == {"de-1", "nl-1"}  # equal travel either way
    assert len({o.start.isocalendar()[1] for o in options}) == 3
