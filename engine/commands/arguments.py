"""Argument types the commands share: each checks a value the moment argparse reads it, so a
bad one ends the run before any work with one line saying what was wrong (and exit 2)."""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

from .. import arkit
from ..renderer.options import parse_background, parse_size


def _argument(parse):
    """An argparse type from a parser that raises ValueError (argparse turns it into usage)."""

    def convert(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


size_arg = _argument(parse_size)
background_arg = _argument(parse_background)


def set_arg(text: str) -> tuple[str, float]:
    name, eq, value = text.partition("=")
    canonical = arkit.canonical(name.strip())
    if not eq or canonical is None:
        raise argparse.ArgumentTypeError(f"expected ARKIT_NAME=VALUE (any alias), got {text!r}")
    try:
        weight = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a number") from None
    if not 0.0 <= weight <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the weight must lie in [0, 1]")
    return canonical, weight


def head_arg(text: str) -> tuple[float, float, float]:
    try:
        angles = [float(v) for v in text.split(",")]
    except ValueError:
        angles = []
    if len(angles) != 3 or not all(math.isfinite(a) for a in angles):
        raise argparse.ArgumentTypeError(f"expected YAW,PITCH,ROLL in degrees, got {text!r}")
    yaw, pitch, roll = angles
    return yaw, pitch, roll


def msaa(text: str) -> int:
    """Samples per pixel, as GL allows them."""
    if text not in ("1", "2", "4", "8", "16"):
        raise argparse.ArgumentTypeError(f"expected 1, 2, 4, 8 or 16 samples per pixel, got {text!r}")
    return int(text)


def output_file(text: str) -> Path:
    """A file to write, checked before any work: its folder must exist and be writable."""
    path = Path(text)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {folder} does not exist")
    try:  # the one sure test: write something there (permissions alone miss /proc and read-only mounts)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{text}: cannot write in {folder} ({exc.strerror or exc})") from None
    return path


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value
