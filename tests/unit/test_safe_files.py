"""The one safe reader: what it refuses, how fast, in how little memory, in one line."""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from atlasbot.domain import Network
from atlasbot.network import NetworkFileError, load_network
from atlasbot.planner.request_file import RequestFileError, load_requests
from atlasbot.safe_files import (
    DEFAULT_MAX_FILE_BYTES,
    FileRefused,
    decode_text,
    excerpt,
    listed,
    one_line,
    read_text_file,
    read_yaml_bytes,
    read_yaml_file,
    text_problem,
)
from atlasbot.training.events_file import EventsFileError, load_events
from atlasbot.yamltext import MAX_DEPTH, YamlTextError, load_yaml
from tests.conftest import DEMO_NETWORK_FILE

# The "billion laughs": nine levels of nine aliases, 9**9 values once expanded.
LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

REQUEST_WITH_BOMB = (
    LAUGHS
    + """id: req-1
requesting_country: BE
crisis: hostage_taking
location: {lat: 50.85, lon: 4.35}
needs: {hostage_rescue: 1}
assistance: *i
"""
)
EVENTS_WITH_BOMB = LAUGHS + "horizon: {start: 2027-01-04, end: 2027-12-17}\nevents: *i\n"
NETWORK_WITH_BOMB = LAUGHS + "version: 1\ncapabilities: *i\ncountries: []\nunits: []\n"


def _refused_fast_and_small(load: Callable[[], object], error: type[Exception]) -> str:
    """Run ``load``; it must raise ``error`` within 1 s and 50 MB. Returns the message."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(error) as caught:
            load()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    assert peak < 50 * 1024 * 1024, peak
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    return message


def test_the_billion_laughs_file_is_small() -> None:
    assert len(LAUGHS.encode()) < 700


def test_a_billion_laughs_events_file_is_refused_within_a_second_and_50_mb(
    tmp_path: Path, demo_network: Network
) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(EVENTS_WITH_BOMB)
    message = _refused_fast_and_small(lambda: load_events(path, demo_network), EventsFileError)
    assert message == (
        f"{path}: the YAML holds more than 100,000 values once its aliases (*name) are "
        "expanded (at line 6); write the values out instead of repeating aliases"
    )


def test_a_billion_laughs_in_a_request_files_assistance_is_refused_at_once(
    tmp_path: Path, demo_network: Network
) -> None:
    path = tmp_path / "request.yaml"
    path.write_text(REQUEST_WITH_BOMB)
    message = _refused_fast_and_small(lambda: load_requests(path, demo_network), RequestFileError)
    assert message.startswith(f"{path}: the YAML holds more than 100,000 values once its")


def test_a_billion_laughs_network_file_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "network.yaml"
    path.write_text(NETWORK_WITH_BOMB)
    message = _refused_fast_and_small(lambda: load_network(path), NetworkFileError)
    assert message.startswith(f"{path}: the YAML holds more than 100,000 values once its")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "network.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_text_file(fifo, max_bytes=DEFAULT_MAX_FILE_BYTES)
        except BaseException as error:
            outcome.append(error)

    # A thread, so that a reader that blocks fails the test instead of hanging it.
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=2)
    if reader.is_alive():  # unblock it: a writer end lets open() return
        with open(fifo, "w"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert len(outcome) == 1 and isinstance(outcome[0], FileRefused)
    assert str(outcome[0]) == (
        f"{fifo}: cannot read the file: it is a named pipe (FIFO), not a regular file"
    )


def test_dev_zero_is_refused_as_a_device_not_read_until_memory_runs_out() -> None:
    with pytest.raises(FileRefused) as caught:
        read_text_file("/dev/zero", max_bytes=DEFAULT_MAX_FILE_BYTES)
    assert (
        str(caught.value) == "/dev/zero: cannot read the file: it is a device, not a regular file"
    )


def test_a_folder_and_a_missing_file_are_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match=r"it is a folder, not a regular file$"):
        read_text_file(tmp_path, max_bytes=1000)
    with pytest.raises(FileRefused, match=r"cannot read the file: No such file or directory$"):
        read_text_file(tmp_path / "nope.yaml", max_bytes=1000)


def test_a_file_over_the_cap_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 1000)
    assert read_text_file(path, max_bytes=5000) == "a: 1\n" * 1000
    with pytest.raises(FileRefused) as caught:
        read_text_file(path, max_bytes=4999)
    assert caught.value.reason == (
        "the file is too big: 5,000 bytes or more, at most 4,999 "
        "(the setting ATLASBOT_MAX_FILE_BYTES)"
    )


def test_text_that_is_not_utf8_is_refused_with_the_position() -> None:
    with pytest.raises(FileRefused) as caught:
        decode_text(b"name: caf\xe9\n", "upload.yaml", max_bytes=1000)
    assert str(caught.value) == (
        "upload.yaml: the file is not UTF-8 text (an invalid byte at position 9)"
    )


def test_uploaded_bytes_get_the_same_checks_as_files(tmp_path: Path) -> None:
    assert read_yaml_bytes(b"a: [1, 2]\n", "up.yaml", max_bytes=100) == {"a": [1, 2]}
    with pytest.raises(FileRefused, match=r"^up.yaml: the file is too big"):
        read_yaml_bytes(b"a: [1, 2]\n", "up.yaml", max_bytes=5)
    with pytest.raises(FileRefused, match=r"^up.yaml: the YAML holds more than"):
        read_yaml_bytes(LAUGHS.encode(), "up.yaml", max_bytes=DEFAULT_MAX_FILE_BYTES)
    path = tmp_path / "dates.yaml"
    path.write_text("d: 2027-02-30\n")
    assert read_yaml_file(path, max_bytes=100, dates_as_text=True) == {"d": "2027-02-30"}


def test_nesting_deeper_than_the_bound_is_refused_with_its_line() -> None:
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH) == eval("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(YamlTextError, match=r"^the YAML is nested more than 32 levels deep"):
        load_yaml("a:\n  b: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH)


def test_a_few_aliases_and_merge_keys_still_load() -> None:
    text = "base: &b {x: 1}\nthing:\n  <<: *b\n  y: 2\nlist: [*b, *b]\n"
    assert load_yaml(text) == {
        "base": {"x": 1},
        "thing": {"x": 1, "y": 2},
        "list": [{"x": 1}, {"x": 1}],
    }


def test_a_number_too_long_to_mean_anything_is_refused_by_the_reader() -> None:
    with pytest.raises(YamlTextError, match=r"a number of 5,000 characters is too long"):
        load_yaml("lat: " + "1" * 5000)


def test_an_excerpt_is_short_whatever_the_value() -> None:
    assert excerpt("x" * 1000) == repr("x" * 37 + "...")
    assert excerpt(int("1" * 401)) == "a number of 401 digits"
    assert excerpt(2**63) == "a number of 19 digits"
    assert excerpt(12) == "12"
    assert excerpt(["a"] * 10**6) == "a list of 1000000 items"
    assert excerpt({"a": 1}) == "a mapping of 1 key"
    assert excerpt(None) == "an empty value"
    assert excerpt(float("inf")) == "inf"


def test_text_problems_are_the_database_limits() -> None:
    assert text_problem("a" * 64, 64) is None
    assert text_problem("a" * 65, 64) == "must be at most 64 characters (got 65)"
    assert text_problem("de\x001", 64) == (
        "must not contain control characters (found NUL at position 3)"
    )
    assert text_problem("a\nb", 64) is not None
    assert text_problem("a\nb\tc", 64, line_breaks=True) is None
    assert text_problem("a\x00b", 64, line_breaks=True) is not None


def test_several_problems_become_one_line_or_a_bounded_list() -> None:
    problems = [f"f.yaml: units[{i}].id: duplicate" for i in range(9999)]
    assert one_line(problems) == "f.yaml: units[0].id: duplicate (and 9,998 more problems)"
    assert one_line(problems[:2]) == "f.yaml: units[0].id: duplicate (and 1 more problem)"
    assert one_line(problems[:1]) == "f.yaml: units[0].id: duplicate"
    shown = listed(problems, 20).splitlines()
    assert len(shown) == 21
    assert shown[-1] == "(and 9,979 more problems)"
    assert listed(problems[:3], 20).splitlines() == problems[:3]


def test_the_demo_files_load_through_the_reader() -> None:
    assert load_network(DEMO_NETWORK_FILE).units
