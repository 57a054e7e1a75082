"""The shape of the code: handlers only translate, functions and modules stay readable.

A handler (an async function of ``(update, context)`` under ``atlasbot/handlers``) has a body
of at most 15 lines: parse the update, call one use case, show its result. Any function has at
most 60 lines, any module at most 600. Today's exceptions are listed in ``ALLOWED`` with the
reason each is still there; the list may only shrink: an entry whose code is back within the
limit fails the test too, so that it is removed from the list and cannot grow again unseen.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "atlasbot"
HANDLER_BODY_LINES = 15
FUNCTION_LINES = 60
MODULE_LINES = 600

# "kind:path[:function]" -> why it is still over its limit.
ALLOWED: dict[str, str] = {
    "module:atlasbot/sandbox/server.py": "the sandbox's HTTP routes, to split by API",
}


def _sources() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body without its docstring."""
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
        and len(body) > 1
    ):
        body = body[1:]
    end = node.end_lineno or node.lineno
    return end - body[0].lineno + 1


def _is_handler(node: ast.FunctionDef | ast.AsyncFunctionDef, path: Path) -> bool:
    names = [arg.arg for arg in node.args.args]
    return (
        "handlers" in path.relative_to(PACKAGE).parts
        and isinstance(node, ast.AsyncFunctionDef)
        and names[:2] == ["update", "context"]
    )


def violations() -> dict[str, str]:
    """Every place over its limit: key -> what is over."""
    found: dict[str, str] = {}
    for path in _sources():
        relative = path.relative_to(PACKAGE.parent).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MODULE_LINES:
            found[f"module:{relative}"] = f"{lines} lines (limit {MODULE_LINES})"
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > FUNCTION_LINES:
                found[f"function:{relative}:{node.name}"] = (
                    f"{length} lines (limit {FUNCTION_LINES})"
                )
            if _is_handler(node, path) and _body_lines(node) > HANDLER_BODY_LINES:
                found[f"handler:{relative}:{node.name}"] = (
                    f"body of {_body_lines(node)} lines (limit {HANDLER_BODY_LINES})"
                )
    return found


def test_nothing_is_over_its_limit_unless_it_is_allowed_with_a_reason() -> None:
    new = {key: what for key, what in violations().items() if key not in ALLOWED}
    assert not new, "over the limit and not on the allow-list:\n" + "\n".join(
        f"  {key}: {what}" for key, what in sorted(new.items())
    )


def test_the_allow_list_only_shrinks() -> None:
    stale = sorted(set(ALLOWED) - set(violations()))
    assert not stale, "within the limit now: remove from ALLOWED:\n" + "\n".join(
        f"  {key}" for key in stale
    )


@pytest.mark.parametrize("reason", sorted(ALLOWED.values()) or ["(none)"])
def test_every_exception_says_why(reason: str) -> None:
    assert reason == "(none)" or len(reason.split()) >= 3


# Prose: two words of letters with white space between them. Callback actions ("plan.show"),
# patterns and command names are not prose; a sentence is.
PROSE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")
TRANSLATION_FUNCTIONS = {"_", "N_", "ngettext"}
LOGGERS = {"log", "logger", "logging"}


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            found.add(id(node.body[0].value))
    return found


def _exempt(tree: ast.Module) -> set[int]:
    """Strings inside a translation call (they are the catalog's message ids) or a log call
    (for operators, in English)."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        translated = isinstance(func, ast.Name) and func.id in TRANSLATION_FUNCTIONS
        logged = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in LOGGERS
        )
        if translated or logged:
            found.update(id(inner) for arg in node.args for inner in ast.walk(arg))
    return found


def _translated_sources() -> list[Path]:
    """The modules whose every sentence is read by someone in their language: the handlers
    (members) and the command line with its settings (operators)."""
    return [
        *sorted((PACKAGE / "handlers").rglob("*.py")),
        *sorted((PACKAGE / "cli").rglob("*.py")),
        PACKAGE / "config.py",
    ]


def test_no_text_literal_in_a_handler_or_the_command_line() -> None:
    """Every word a member or an operator reads goes through the translation function (from
    atlasbot/texts for the chat): a handler, a command or a setting holds no sentence of its
    own outside ``_()``, ``N_()`` or ``ngettext()``."""
    literals = []
    for path in _translated_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree) | _exempt(tree)
        literals += [
            f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value[:60]!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and PROSE.search(node.value)
        ]
    assert not literals, "texts outside atlasbot/texts and _():\n" + "\n".join(literals)
