"""Parsing the render settings that the command line and sink URIs share."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import OptionError
from .background import TRANSPARENT, parse_color

MAX_SIDE = 8192


def parse_size(text: str) -> tuple[int, int]:
    """`1280x720` -> (1280, 720)."""
    m = re.fullmatch(r"(\d+)[xX](\d+)", str(text).strip())
    if not m or not all(1 <= int(v) <= MAX_SIDE for v in m.groups()):
        raise OptionError(f"size: expected WIDTHxHEIGHT, each 1 to {MAX_SIDE}, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def parse_background(text: str):
    """`#RRGGBB` -> sRGB floats, `transparent` -> TRANSPARENT, or the path of an existing image file."""
    if text.strip().lower() == "transparent":
        return TRANSPARENT
    try:
        return parse_color(text)
    except ValueError:
        if Path(text).is_file():
            return text
    raise OptionError(f"background: expected #RRGGBB, transparent or an image file, got {text!r}")
