"""The Gantt chart renders a PNG tall enough for every unit, without a display."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import struct
from pathlib import Path

from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import schedule
from atlasbot.training.chart import (
    MIN_BAR_FRACTION,
    bar_width,
    chart_format,
    day_labels,
    gantt_png,
    month_labels,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_chart_is_a_portrait_png_written_to_a_buffer_or_a_file(
    network: Network, tmp_path: Path
):
    plan = make_plan(
        [
            event("a", ["de-1", "nl-1", "pl-1", "fr-1", "be-1", "at-1", "de-2"], duration_days=3),
            event("b", ["de-1", "fr-1"], virtual=True, kind="meeting"),
        ]
    )
    result = schedule(network, plan)
    buffer = io.BytesIO()
    gantt_png(result, network, buffer)
    data = buffer.getvalue()
    assert data.startswith(PNG_SIGNATURE)
    width, height = png_size(data)
    assert width == 1080 and height >= width / 2
    gantt_png(result, network, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes().startswith(PNG_SIGNATURE)


def test_an_svg_chart_is_written_and_is_the_same_each_time(network: Network, tmp_path: Path):
    plan = make_plan([event("a", ["de-1", "nl-1"], duration_days=2)])
    result = schedule(network, plan)
    for name in ("one.svg", "two.svg"):
        gantt_png(result, network, tmp_path / name, image_format="svg")
    svg = (tmp_path / "one.svg").read_bytes()
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    assert svg == (tmp_path / "two.svg").read_bytes()


def test_the_chart_format_follows_the_file_name():
    assert chart_format("plan.svg") == "svg"
    assert chart_format(Path("plan.PNG")) == "png"
    assert chart_format("plan") == "png"
    assert chart_format("plan.jpg") is None


def test_month_ticks_carry_the_year_at_the_start_and_at_new_year():
    months = [dt.date(2027, 11, 1), dt.date(2027, 12, 1), dt.date(2028, 1, 1), dt.date(2028, 2, 1)]
    assert month_labels(months) == ["Nov\n2027", "Dec", "Jan\n2028", "Feb"]


def svg_of(result, network: Network, tmp_path: Path) -> str:
    path = tmp_path / "chart.svg"
    gantt_png(result, network, path, image_format="svg")
    return path.read_text(encoding="utf-8")


def svg_texts(svg: str) -> list[str]:
    """Every text element's content (labels are kept as text, not paths)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_bars_carry_their_event_ids_and_rows_their_unit_names_and_countries(
    network: Network, tmp_path: Path
):
    plan = make_plan(
        [
            event("negotiation-week", ["de-1", "nl-1", "fr-1"], duration_days=5),
            event("m1", ["de-1", "fr-1"], virtual=True, kind="meeting"),
        ]
    )
    result = schedule(network, plan)
    texts = svg_texts(svg_of(result, network, tmp_path))
    # Every bar is labelled: once per participating unit, inside the bar or beside it.
    assert texts.count("negotiation-week") == 3
    assert texts.count("m1") == 2
    assert "de-1 · Unit de-1 (DE)" in texts and "nl-1 · Unit nl-1 (NL)" in texts
    # A span of days gets day ticks (the first with its month), not one month tick.
    first = min(e.start for e in result.events) - dt.timedelta(days=2)
    day_number, month = day_labels([first])[0].split("\n")  # SVG: one text per line
    assert texts[texts.index(day_number) + 1] == month
    assert len([t for t in texts if t.isdigit()]) >= 3, texts


def test_virtual_events_are_hatched_and_dashed_and_a_one_day_bar_is_never_a_hairline(
    network: Network, tmp_path: Path
):
    plan = make_plan(
        [event("m1", ["de-1", "fr-1"], virtual=True, kind="meeting", duration_days=1)]
    )
    svg = svg_of(schedule(network, plan), network, tmp_path)
    assert "<pattern" in svg  # the hatch
    assert "stroke-dasharray" in svg  # the dashed outline
    year = 366
    assert bar_width(dt.date(2027, 3, 1), dt.date(2027, 3, 1), year) == year * MIN_BAR_FRACTION
    assert bar_width(dt.date(2027, 3, 1), dt.date(2027, 3, 10), year) == 10
    assert day_labels([dt.date(2027, 2, 27), dt.date(2027, 2, 28), dt.date(2027, 3, 1)]) == [
        "27\nFeb",
        "28",
        "1\nMar",
    ]
