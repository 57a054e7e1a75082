"""Telegram's text formatting (HTML and MarkdownV2), parsed strictly enough to catch bot bugs.

Telegram refuses a message whose markup it cannot parse ("can't parse entities"), and the
classic bugs are an unescaped ``<`` in HTML or an unescaped ``.`` in MarkdownV2. The sandbox
parses both the way Telegram documents them and returns the plain text a user would see,
so that a test reading the chat sees what a person would read.
"""

from __future__ import annotations

import html
import re

__all__ = ["EntityParseError", "plain_text"]


class EntityParseError(ValueError):
    """The text's markup is not what Telegram accepts; the message names the problem."""


# Telegram's supported HTML tags, with the attributes each may carry.
_HTML_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_ATTRIBUTE = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees once Telegram has applied ``parse_mode``; raises on bad markup."""
    if parse_mode is None or parse_mode == "":
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _plain_from_html(text)
    if mode == "markdownv2":
        return _plain_from_markdown_v2(text)
    if mode == "markdown":
        return _plain_from_legacy_markdown(text)
    raise EntityParseError(f"unsupported parse_mode {parse_mode!r}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _plain_from_html(text: str) -> str:
    pieces: list[str] = []
    open_tags: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            match = _TAG.match(text, index)
            if match is None:
                raise EntityParseError(
                    f"Unsupported start tag at byte offset {_byte_offset(text, index)}"
                )
            closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, index)}'
                )
            if closing:
                if not open_tags:
                    raise EntityParseError(
                        f'Unexpected end tag "{name}" at byte offset {_byte_offset(text, index)}'
                    )
                expected = open_tags.pop()
                if expected != name:
                    raise EntityParseError(
                        f"Unmatched end tag at byte offset {_byte_offset(text, index)}, "
                        f'expected "</{expected}>", found "</{name}>"'
                    )
            else:
                _check_html_attributes(name, attributes, text, index)
                open_tags.append(name)
            index = match.end()
        elif char == "&":
            match = _ENTITY.match(text, index)
            if match is None:
                # Telegram keeps a lone ampersand as it is.
                pieces.append("&")
                index += 1
                continue
            body = match.group(1)
            if body.startswith("#"):
                pieces.append(html.unescape(match.group(0)))
            elif body in _HTML_NAMED_ENTITIES:
                pieces.append(_HTML_NAMED_ENTITIES[body])
            else:
                # Telegram only knows four named entities; others are plain text.
                pieces.append(match.group(0))
            index = match.end()
        else:
            pieces.append(char)
            index += 1
    if open_tags:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(pieces)


def _check_html_attributes(name: str, attributes: str, text: str, index: int) -> None:
    allowed = _HTML_TAGS[name]
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(attributes):
        attribute = match.group(1).lower()
        value = next((group for group in match.groups()[1:] if group is not None), "")
        if attribute not in allowed:
            raise EntityParseError(
                f'Unsupported attribute "{attribute}" of tag "{name}" '
                f"at byte offset {_byte_offset(text, index)}"
            )
        found[attribute] = value
    if name == "span" and found.get("class") != "tg-spoiler":
        raise EntityParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, index)}'
        )
    if name == "a" and not found.get("href"):
        raise EntityParseError(f'Tag "a" without href at byte offset {_byte_offset(text, index)}')


_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_ENTITY_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}


def _plain_from_markdown_v2(text: str) -> str:
    """Parse MarkdownV2 as Telegram documents it; every reserved character must be escaped."""
    return _MarkdownV2Reader(text).plain()


class _MarkdownV2Reader:
    """One pass over a MarkdownV2 text: the plain text shown, or the error Telegram gives."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces: list[str] = []
        self.open_entities: list[tuple[str, int]] = []
        self.in_link_text_at: int | None = None
        self.index = 0

    def plain(self) -> str:
        """The text without its markup, once every entity and link is found closed."""
        at_line_start = True
        while self.index < len(self.text):
            at_line_start = self._step(at_line_start)
        if self.in_link_text_at is not None:
            raise EntityParseError(
                "Can't find end of a url at byte offset "
                f"{_byte_offset(self.text, self.in_link_text_at)}"
            )
        if self.open_entities:
            marker, start = self.open_entities[-1]
            raise EntityParseError(
                f"Can't find end of {_MARKDOWN_V2_ENTITY_NAMES[marker]} entity "
                f"at byte offset {_byte_offset(self.text, start)}"
            )
        return "".join(self.pieces)

    def _step(self, at_line_start: bool) -> bool:
        """Read one character or token; whether the next one starts a line."""
        text, index = self.text, self.index
        char = text[index]
        if char == "\\":
            if index + 1 >= len(text):
                raise EntityParseError(
                    f"Character '\\' is reserved and must be escaped with the preceding '\\'"
                    f" at byte offset {_byte_offset(text, index)}"
                )
            self.pieces.append(text[index + 1])
            self.index += 2
            return False
        if char == "`":
            self.index = _consume_markdown_v2_code(text, index, self.pieces)
            return False
        marker = text[index : index + 2] if text[index : index + 2] in ("__", "||") else char
        if marker in _MARKDOWN_V2_ENTITY_NAMES:
            self._entity(marker)
            return False
        if char == "[" or (char == "]" and self.in_link_text_at is not None):
            self._link(char)
            return False
        if char == ">" and at_line_start:
            self.index += 1
            return False
        if char in _MARKDOWN_V2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        self.pieces.append(char)
        self.index += 1
        return char == "\n"

    def _entity(self, marker: str) -> None:
        """A bold, italic, underline, strikethrough or spoiler marker: opens or closes one."""
        if self.open_entities and self.open_entities[-1][0] == marker:
            self.open_entities.pop()
        elif any(open_marker == marker for open_marker, _ in self.open_entities):
            raise EntityParseError(
                f"Can't find end of {_MARKDOWN_V2_ENTITY_NAMES[marker]} entity "
                f"at byte offset {_byte_offset(self.text, self.index)}"
            )
        else:
            self.open_entities.append((marker, self.index))
        self.index += len(marker)

    def _link(self, char: str) -> None:
        """A link's text opens with "[", and its "]" is followed by the target in brackets."""
        if char == "]":
            assert self.in_link_text_at is not None
            self.index = _consume_markdown_v2_link_target(
                self.text, self.index + 1, self.in_link_text_at
            )
            self.in_link_text_at = None
            return
        if self.in_link_text_at is not None:
            raise EntityParseError(
                f"Character '[' is reserved and must be escaped with the preceding '\\'"
                f" at byte offset {_byte_offset(self.text, self.index)}"
            )
        self.in_link_text_at = self.index
        self.index += 1


def _consume_markdown_v2_code(text: str, index: int, pieces: list[str]) -> int:
    fence = "```" if text.startswith("```", index) else "`"
    position = index + len(fence)
    if fence == "```":
        # The rest of the opening line names the language and is not shown.
        newline = text.find("\n", position)
        closing = text.find("```", position)
        if newline != -1 and (closing == -1 or newline < closing):
            position = newline + 1
    content: list[str] = []
    while position < len(text):
        if text[position] == "\\" and position + 1 < len(text):
            content.append(text[position + 1])
            position += 2
            continue
        if text.startswith(fence, position):
            pieces.extend(content)
            return position + len(fence)
        content.append(text[position])
        position += 1
    kind = "Pre" if fence == "```" else "Code"
    raise EntityParseError(
        f"Can't find end of {kind} entity at byte offset {_byte_offset(text, index)}"
    )


def _consume_markdown_v2_link_target(text: str, index: int, link_start: int) -> int:
    if index >= len(text) or text[index] != "(":
        # A bare "[text]" is not a link: the brackets themselves needed escaping.
        raise EntityParseError(
            f"Character '[' is reserved and must be escaped with the preceding '\\'"
            f" at byte offset {_byte_offset(text, link_start)}"
        )
    position = index + 1
    while position < len(text):
        if text[position] == "\\" and position + 1 < len(text):
            position += 2
            continue
        if text[position] == ")":
            return position + 1
        position += 1
    raise EntityParseError(f"Can't find end of a url at byte offset {_byte_offset(text, index)}")


def _plain_from_legacy_markdown(text: str) -> str:
    """Legacy Markdown: only ``*``, ``_``, ``` ` ``` and ``[`` are special, and must pair up."""
    pieces: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "_*`[":
            pieces.append(text[index + 1])
            index += 2
            continue
        if char in "*_`":
            closing = text.find(char, index + 1)
            if closing == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, index)}"
                )
            pieces.append(text[index + 1 : closing])
            index = closing + 1
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, index)
            if match is None:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, index)}"
                )
            pieces.append(match.group(1))
            index = match.end()
            continue
        pieces.append(char)
        index += 1
    return "".join(pieces)
