"""Reading the YAML files people write (network, requests, events): one strict reader.

Plain YAML quietly keeps the last of two equal keys and turns 2027-02-30 into a crash deep
inside the parser; both would reach a user as nonsense. This reader refuses a repeated key
with its line, can keep dates as text (so a bad date becomes a located problem later), and
turns every syntax error into one line naming where it is. Pure: no I/O.

It also refuses, before anything is built from the text, a document nested more than
``MAX_DEPTH`` levels deep or holding more than ``MAX_VALUES`` values once its aliases are
expanded. Aliases (``*name``) share one object, so a 647-byte "billion laughs" file loads
into a few kilobytes, but anything that walks it (a validator, an error message quoting a
value) walks a billion values: the bound is counted on the parser's events, alias by alias,
so such a file is refused at the line where it crosses the bound, in microseconds. Merge
keys and small anchors keep working. Files are read by ``atlasbot.safe_files``.
"""

from __future__ import annotations

from typing import Any

import yaml

from atlasbot.i18n import _, format_number

try:  # libyaml's parser when PyYAML was built with it (several times faster); else pure Python
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

# Nothing atlasbot reads nests deeper than 6 levels (units[3].escalation.duty_to_unit_s).
MAX_DEPTH = 32
# Values (scalars and collections) after alias expansion; the demo network has about 2,000,
# the demo year about 600.
MAX_VALUES = 100_000
# Python refuses to read integers of more than 4,300 digits; no field needs more than 20.
MAX_NUMBER_CHARACTERS = 1000


class YamlTextError(ValueError):
    """The text is not readable YAML; the message says where and what, in one line."""


class StrictLoader(_SafeLoader):
    """A safe loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
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
                    _("found the key {key} twice", key=repr(key)),
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer, refusing a literal too long to be a number anyone means."""
        if len(node.value) > MAX_NUMBER_CHARACTERS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                _(
                    "a number of {length} characters is too long (at most {limit})",
                    length=format_number(len(node.value)),
                    limit=MAX_NUMBER_CHARACTERS,
                ),
                node.start_mark,
            )
        number: int = super().construct_yaml_int(node)
        return number


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)


class StrictDatesAsTextLoader(StrictLoader):
    """The strict loader, keeping dates as text for the caller's own validation."""


StrictDatesAsTextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in StrictLoader.yaml_implicit_resolvers.items()
}


def load_yaml(
    text: str,
    *,
    dates_as_text: bool = False,
    max_depth: int = MAX_DEPTH,
    max_values: int = MAX_VALUES,
) -> object:
    """Parse YAML text strictly; YamlTextError says what is wrong and at which line.

    A document nested deeper than ``max_depth`` or holding more than ``max_values`` values
    once its aliases are expanded is refused before any value is built.
    """
    loader = StrictDatesAsTextLoader if dates_as_text else StrictLoader
    try:
        _check_size(text, loader, max_depth, max_values)
        return yaml.load(text, Loader=loader)  # noqa: S506 - both are SafeLoader subclasses
    except yaml.MarkedYAMLError as error:
        raise YamlTextError(_syntax_error(error)) from None
    except yaml.YAMLError as error:
        raise YamlTextError(_("YAML syntax error: {problem}", problem=error)) from None
    except RecursionError:
        raise YamlTextError(_("the YAML is nested too deeply")) from None


def _syntax_error(error: yaml.MarkedYAMLError) -> str:
    """One line saying where the parser stopped; its own description of the problem (or the
    one this reader gave) is quoted as it comes."""
    mark = error.problem_mark or error.context_mark
    what = error.problem or error.context or _("not valid YAML")
    if not mark:
        return _("YAML syntax error: {problem}", problem=what)
    return _(
        "YAML syntax error at line {line}, column {column}: {problem}",
        line=mark.line + 1,
        column=mark.column + 1,
        problem=what,
    )


def _check_size(text: str, loader_class: type[StrictLoader], depth: int, values: int) -> None:
    """Walk the parser's events (no values built) and refuse a document too deep or too big.

    Each open collection counts its values, an alias counts as many as its anchor holds, and
    the running total is the size of the document with every alias expanded.
    """
    loader = loader_class(text)
    try:
        anchored: dict[str, int] = {}
        open_anchors: list[str | None] = []
        open_sizes: list[int] = []
        total = 0
        aliases = False
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, size = open_anchors.pop(), open_sizes.pop()
                if anchor is not None:
                    anchored[anchor] = size
                if open_sizes:
                    open_sizes[-1] += size
                continue
            if isinstance(event, yaml.AliasEvent):
                aliases = True
                size = anchored.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
                size = 1
            else:
                continue
            total += size
            if total > values:
                raise _too_big(event.start_mark, values, aliases=aliases)
            if isinstance(event, yaml.CollectionStartEvent):
                open_anchors.append(event.anchor)
                open_sizes.append(1)
                if len(open_sizes) > depth:
                    raise _too_deep(event.start_mark, depth)
                continue
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                anchored[event.anchor] = 1
            if open_sizes:
                open_sizes[-1] += size
    finally:
        loader.dispose()


def _too_deep(mark: Any, depth: int) -> YamlTextError:
    if mark is None:
        return YamlTextError(_("the YAML is nested more than {depth} levels deep", depth=depth))
    return YamlTextError(
        _(
            "the YAML is nested more than {depth} levels deep (at line {line})",
            depth=depth,
            line=_line(mark),
        )
    )


def _too_big(mark: Any, values: int, *, aliases: bool) -> YamlTextError:
    count = format_number(values)
    if aliases and mark is None:
        message = _(
            "the YAML holds more than {count} values once its aliases (*name) are "
            "expanded; write the values out instead of repeating aliases",
            count=count,
        )
    elif aliases:
        message = _(
            "the YAML holds more than {count} values once its aliases (*name) are "
            "expanded (at line {line}); write the values out instead of repeating aliases",
            count=count,
            line=_line(mark),
        )
    elif mark is None:
        message = _("the YAML holds more than {count} values", count=count)
    else:
        message = _(
            "the YAML holds more than {count} values (at line {line})",
            count=count,
            line=_line(mark),
        )
    return YamlTextError(message)


def _line(mark: Any) -> int:
    """The line of a parser mark (PyYAML's or libyaml's), counted from 1."""
    line: int = mark.line + 1
    return line
