"""Reading a rendered map back: its size, its colours, and what lies near a pixel."""

from __future__ import annotations

import io

from PIL import Image


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def close(one: tuple[int, ...], other: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(one, other, strict=False))


def colour_near(
    picture: Image.Image, pixel: tuple[float, float], colour: str, radius: int = 3
) -> bool:
    """True when ``colour`` is found within ``radius`` pixels of ``pixel``."""
    want = rgb(colour)
    x0, y0 = round(pixel[0]), round(pixel[1])
    for x in range(x0 - radius, x0 + radius + 1):
        for y in range(y0 - radius, y0 + radius + 1):
            if 0 <= x < picture.width and 0 <= y < picture.height:
                found = picture.getpixel((x, y))
                assert isinstance(found, tuple)
                if close(found, want):
                    return True
    return False


def distinct_colours(picture: Image.Image) -> int:
    return len(picture.getcolors(maxcolors=1 << 20) or [])
