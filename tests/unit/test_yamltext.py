"""The one strict YAML reader behind the network, request and events files."""

from __future__ import annotations

import pytest

from atlasbot.yamltext import YamlTextError, load_yaml


def test_a_key_given_twice_is_refused_with_its_line() -> None:
    with pytest.raises(YamlTextError, match=r"line 3.*'a' twice"):
        load_yaml("a: 1\nb: 2\na: 3\n")


def test_a_syntax_error_names_line_and_column() -> None:
    with pytest.raises(YamlTextError, match=r"YAML syntax error at line 2, column \d+"):
        load_yaml("a: [1, 2\nb: 3\n")


def test_dates_can_be_kept_as_text_so_an_impossible_date_is_not_a_crash() -> None:
    assert load_yaml("d: 2027-02-30", dates_as_text=True) == {"d": "2027-02-30"}


def test_plain_values_load_as_yaml_would() -> None:
    assert load_yaml("n: 3\nl: [x, y]\n") == {"n": 3, "l": ["x", "y"]}


def test_merge_keys_are_not_taken_for_repeated_keys() -> None:
    text = "base: &b {x: 1}\nthing:\n  <<: *b\n  y: 2\n"
    assert load_yaml(text) == {"base": {"x": 1}, "thing": {"x": 1, "y": 2}}
