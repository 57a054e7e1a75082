"""A request file's and an events file's problems read in the reader's language: the field
path and the value stay as written, the sentence around them is translated."""

from __future__ import annotations

import pytest

from atlasbot.domain import Network
from atlasbot.i18n import using_locale
from atlasbot.planner.request_file import RequestFileError, loads_requests
from atlasbot.training.events_file import EventsFileError, parse_events
from atlasbot.yamltext import load_yaml

BAD_REQUEST = """\
id: req-1
requesting_country: XX
crisis: hostage_taking
location: {lat: 50.85, lon: 4.35}
needs: {hostage_rescue: 1}
assistance: [action]
"""

BAD_EVENTS = """\
horizon: {start: 2027-01-04, end: 2027-12-17}
events:
  - {id: a, kind: training, title: A, duration_days: 2, participants: [de-1, zz-9]}
"""


def _request_problems(network: Network) -> list[str]:
    with pytest.raises(RequestFileError) as refused:
        loads_requests(BAD_REQUEST, "req.yaml", network)
    return refused.value.problems


def _events_problems(network: Network) -> list[str]:
    with pytest.raises(EventsFileError) as refused:
        parse_events(load_yaml(BAD_EVENTS, dates_as_text=True), "events.yaml", network)
    return refused.value.problems


def test_a_bad_request_file_reads_in_english_by_default(demo_network: Network) -> None:
    first = _request_problems(demo_network)[0]
    assert first.startswith("req.yaml: requesting_country: 'XX' is not a country of the network")


def test_a_bad_request_files_first_problem_reads_in_french(demo_network: Network) -> None:
    with using_locale("fr"):
        first = _request_problems(demo_network)[0]
    assert first.startswith("req.yaml: requesting_country: 'XX' n'est pas un pays du réseau")


def test_a_bad_events_file_reads_in_english_by_default(demo_network: Network) -> None:
    assert _events_problems(demo_network)[0] == (
        "events.yaml: events[0].participants[1]: unknown unit 'zz-9'"
    )


def test_a_bad_events_files_first_problem_reads_in_french(demo_network: Network) -> None:
    with using_locale("fr"):
        first = _events_problems(demo_network)[0]
    assert first == "events.yaml: events[0].participants[1]: unité inconnue 'zz-9'"
