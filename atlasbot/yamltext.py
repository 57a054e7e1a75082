"""Reading the YAML files people write (network, requests, events): one strict reader.

Plain YAML quietly keeps the last of two equal keys and turns 2027-02-30 into a crash deep
inside the parser; both would reach a user as nonsense. This reader refuses a repeated key
with its line, can keep dates as text (so a bad date becomes a located problem later), and
turns every syntax error into one line naming where it is. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # libyaml's parser when PyYAML was built with it (several times faster); else pure Python
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class YamlTextError(ValueError):
    """The text is not readable YAML; the message says where and what, in one line."""


class StrictLoader(_SafeLoader):
    """A safe loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key; construct_mapping will say so
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class StrictDatesAsTextLoader(StrictLoader):
    """The strict loader, keeping dates as text for the caller's own validation."""


StrictDatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in StrictLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, *, dates_as_text: bool = False) -> object:
    """Parse YAML text strictly; YamlTextError says what is wrong and at which line."""
    loader = StrictDatesAsTextLoader if dates_as_text else StrictLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - both are SafeLoader subclasses
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "not valid YAML"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlTextError(f"YAML syntax error{where}: {what}") from None
    except yaml.YAMLError as error:
        raise YamlTextError(f"YAML syntax error: {error}") from None
    except RecursionError:
        raise YamlTextError("the YAML is nested too deeply") from None
