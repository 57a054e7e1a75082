"""The Gantt chart renders a PNG tall enough for every unit, without a display."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from training_factories import event, make_plan

from atlasbot.domain import Network
from atlasbot.training.calendar import schedule
from atlasbot.training.chart import gantt_png

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
