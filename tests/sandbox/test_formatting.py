"""Telegram's HTML and MarkdownV2 parsing: what a user would see, and what Telegram refuses."""

from __future__ import annotations

import pytest

from atlasbot.sandbox.formatting import EntityParseError, plain_text
from atlasbot.sandbox.markup import MarkupError, parse_reply_markup


@pytest.mark.parametrize(
    ("html", "visible"),
    [
        ("<b>bold</b> <i>it</i> <u>u</u> <s>s</s>", "bold it u s"),
        ('<a href="https://example.org">link</a>', "link"),
        ('<pre><code class="language-yaml">a: 1</code></pre>', "a: 1"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ("&lt;tag&gt; &amp; &quot;q&quot; &#8364; &nbsp;", '<tag> & "q" € &nbsp;'),
        ("fish & chips > 2", "fish & chips > 2"),
        ("<blockquote expandable>quote</blockquote>", "quote"),
    ],
)
def test_valid_html_shows_only_its_text(html: str, visible: str) -> None:
    assert plain_text(html, "HTML") == visible


@pytest.mark.parametrize(
    ("html", "complaint"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("a < b", "Unsupported start tag at byte offset 2"),
        ("</b>", 'Unexpected end tag "b"'),
        ('<b class="x">y</b>', 'Unsupported attribute "class" of tag "b"'),
        ("<a>x</a>", 'Tag "a" without href'),
    ],
)
def test_bad_html_is_refused_with_a_reason(html: str, complaint: str) -> None:
    with pytest.raises(EntityParseError, match=complaint):
        plain_text(html, "HTML")


@pytest.mark.parametrize(
    ("markdown", "visible"),
    [
        (r"*bold* _it_ __under__ ~gone~ ||spoiler||", "bold it under gone spoiler"),
        (r"ETA 2\.5 h \(road\)", "ETA 2.5 h (road)"),
        (r"[Europol](https://www.europol.europa.eu/)", "Europol"),
        ("`a.b` and ```yaml\nx: 1.5\n```", "a.b and x: 1.5\n"),
        (">quoted line\nnext", "quoted line\nnext"),
    ],
)
def test_valid_markdown_v2_shows_only_its_text(markdown: str, visible: str) -> None:
    assert plain_text(markdown, "MarkdownV2") == visible


@pytest.mark.parametrize(
    ("markdown", "complaint"),
    [
        ("v1.0", "Character '.' is reserved"),
        ("a-b", "Character '-' is reserved"),
        ("*open", "Can't find end of Bold entity"),
        ("[text]", "Character '[' is reserved"),
        ("`code", "Can't find end of Code entity"),
    ],
)
def test_bad_markdown_v2_is_refused_with_a_reason(markdown: str, complaint: str) -> None:
    with pytest.raises(EntityParseError, match=complaint.replace(".", r"\.").replace("[", r"\[")):
        plain_text(markdown, "MarkdownV2")


def test_an_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(EntityParseError, match="unsupported parse_mode 'BBCode'"):
        plain_text("[b]x[/b]", "BBCode")


def test_without_a_parse_mode_the_text_is_shown_as_sent() -> None:
    assert plain_text("<b>not bold</b> 2.5", None) == "<b>not bold</b> 2.5"


@pytest.mark.parametrize(
    ("markup", "complaint"),
    [
        ('{"inline_keyboard": [[{"text": "Go"}]]}', "text buttons are unallowed"),
        ('{"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}', "BUTTON_TEXT_INVALID"),
        ('{"inline_keyboard": [[{"text": "Go", "callback_data": ""}]]}', "BUTTON_DATA_INVALID"),
        ('{"inline_keyboard": [[{"text": "Go", "url": "ftp://x"}]]}', "BUTTON_URL_INVALID"),
        ('{"inline_keyboard": [[{"text": "Go", "web_app": {}}]]}', "BUTTON_URL_INVALID"),
        (
            '{"inline_keyboard": [[{"text": "Go", "web_app": {"url": "http://a.example/"}}]]}',
            "BUTTON_URL_INVALID",
        ),
        ('{"inline_keyboard": {"text": "Go"}}', "can't parse reply keyboard markup"),
        ("not json", "can't parse reply keyboard markup"),
        ('{"keyboard": [[{"text": ""}]]}', "keyboard button text must be non-empty"),
    ],
)
def test_bad_reply_markup_is_refused_with_telegrams_wording(markup: str, complaint: str) -> None:
    with pytest.raises(MarkupError, match=complaint):
        parse_reply_markup(markup)


def test_an_edit_accepts_only_an_inline_keyboard() -> None:
    with pytest.raises(MarkupError, match="inline keyboard expected"):
        parse_reply_markup('{"remove_keyboard": true}', inline_only=True)
    url_button = '{"inline_keyboard": [[{"text": "Map", "url": "https://osm.org"}]]}'
    assert parse_reply_markup(url_button, inline_only=True) is not None


def test_a_web_app_button_is_kept_whole() -> None:
    button = {"text": "Map", "web_app": {"url": "https://app.example/?crisis=1"}}
    markup = parse_reply_markup({"inline_keyboard": [[button]]})
    assert markup == {"inline_keyboard": [[button]]}
    loopback = {"text": "Map", "web_app": {"url": "http://127.0.0.1:8081/"}}
    assert parse_reply_markup({"inline_keyboard": [[loopback]]}) is not None
