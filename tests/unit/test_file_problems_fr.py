"""A network file's problems read in the reader's language: only the words are translated,
the file name, the field path and the values stay as written (docs/formats.md §1)."""

from __future__ import annotations

import pytest

from atlasbot.i18n import using_locale
from atlasbot.network import NetworkFileError, loads_network
from atlasbot.safe_files import one_line

BROKEN = """\
version: 1
capabilities:
  - {code: hostage_rescue, name: Hostage rescue}
countries:
  - {code: AT, name: Austria, bound_by_decision: true, timezone: Europe/Vienna}
units:
  - id: at-1
    name: Demo Unit Austria 1
    country: AT
    base: {lat: 91, lon: 16.24}
    status: available
    mobilisation_minutes: 60
    transport: [road]
    capabilities: {hostage_rescue: 1, k9: 1}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(NetworkFileError) as refused:
        loads_network(text, "network.yaml")
    return [str(problem) for problem in refused.value.problems]


def test_a_bad_network_file_reads_in_french() -> None:
    with using_locale("fr"):
        problems = problems_of(BROKEN)
        summary = one_line(problems)
    assert problems == [
        "network.yaml: units[0].base.lat (unité 'at-1'): "
        "doit être compris entre -90 et 90 (reçu : 91)",
        "network.yaml: units[0].capabilities.k9 (unité 'at-1'): "
        "capacité inconnue 'k9' : elle n'est pas dans le catalogue des capacités",
    ]
    assert summary.endswith("(reçu : 91) (et 1 autre problème)")


def test_the_same_file_reads_in_english_as_before() -> None:
    assert problems_of(BROKEN) == [
        "network.yaml: units[0].base.lat (unit 'at-1'): must be between -90 and 90 (got 91)",
        "network.yaml: units[0].capabilities.k9 (unit 'at-1'): "
        "unknown capability 'k9': it is not in the capabilities catalogue",
    ]
