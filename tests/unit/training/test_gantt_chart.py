"""The Gantt chart renders a PNG tall enough for every unit, without a display."""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path

from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import schedule
from atlasbot.training.chart import chart_format, gantt_png, month_labels

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
