"""Live Link Face CSV takes: the app's recordings, which Unreal imports.

Header `Timecode,BlendShapeCount,` then 61 PascalCase names (52 shapes in ARKit order except two
swapped pairs, then head and eye angles). Timecode is `hh:mm:ss:ff.fff` where the last field is
a fractional frame number. Columns are always read by header name, never by position.
Head and eye angles are read and written as radians, as the app's recordings hold them.

What we write imports under Unreal's importer rules: `Timecode` in column 0, `BlendShapeCount` in
column 1, curves found by header name, and a frame rate the importer guesses from the frame
numbers (60 if any exceeds 30, else 30). So timecodes count frames at the rate it will guess,
60 for runs above 30 fps and 30 otherwise, with the fraction carrying the exact time; a 60-based
take shorter than about half a second has no frame number above 30 and would import at 30.
Files are named the app's way, `<Slate>_<Take>_<Subject>.csv` (`take_filename`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .. import arkit
from ..errors import EngineError
from ..frame import FaceFrame
from ..rig.transforms import quat_from_euler, quat_to_euler

HEAD = ("HeadYaw", "HeadPitch", "HeadRoll")
EYES = ("LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll", "RightEyeYaw", "RightEyePitch", "RightEyeRoll")


def _column_order() -> list[str]:
    names = [arkit.pascal(n) for n in arkit.NAMES]
    # The app writes JawForward, JawRight, JawLeft and MouthPucker, MouthRight, MouthLeft.
    for a, b in (("JawLeft", "JawRight"), ("MouthLeft", "MouthRight")):
        i, j = names.index(a), names.index(b)
        names[i], names[j] = names[j], names[i]
    return names + list(HEAD) + list(EYES)


COLUMNS = _column_order()


class TakeError(EngineError, ValueError):
    """A CSV take we cannot read: names the file, the line and what was wrong."""


def parse_timecode(text: str) -> tuple[int, float]:
    """`hh:mm:ss:ff.fff` -> (whole seconds, fractional frame number)."""
    parts = text.strip().split(":")
    if len(parts) != 4:
        raise ValueError(f"timecode {text!r} is not hh:mm:ss:ff.fff")
    h, m, s = (int(p) for p in parts[:3])
    return (h * 60 + m) * 60 + s, float(parts[3])


def guess_fps(frame_numbers) -> float:
    """Unreal's rule: 60 fps if any frame number exceeds 30, else 30."""
    return 60.0 if max(frame_numbers, default=0.0) > 30 else 30.0


def read_take(path: str | Path) -> tuple[float, list[FaceFrame]]:
    """(fps, frames) of a take; frame times start at 0 and follow the timecodes."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TakeError(f"{path}: cannot read: {exc}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0][:2] != ["Timecode", "BlendShapeCount"]:
        raise TakeError(f"{path}: line 1: expected a header starting Timecode,BlendShapeCount")
    header = [h.strip() for h in rows[0]]
    by_name = {}
    for col, name in enumerate(header[2:], start=2):
        c = arkit.canonical(name)
        if c is not None:
            by_name[c] = col
    extra = {name: header.index(name) for name in HEAD + EYES if name in header}
    if not by_name:
        raise TakeError(f"{path}: line 1: no ARKit blendshape columns")

    stamps, values, lines = [], [], []
    for line, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise TakeError(f"{path}: line {line}: {len(row)} fields, header has {len(header)}")
        try:
            stamps.append(parse_timecode(row[0]))
            values.append([0.0] + [float(cell) for cell in row[1 : len(header)]])
        except ValueError as exc:
            raise TakeError(f"{path}: line {line}: {exc}") from None
        lines.append(line)
    if not values:
        raise TakeError(f"{path}: no frames")
    table = np.array(values)
    if not np.all(np.isfinite(table[:, 2:])):
        bad = lines[int(np.argwhere(~np.isfinite(table[:, 2:]))[0, 0])]
        raise TakeError(f"{path}: line {bad}: NaN or inf value")

    fps = guess_fps(f for _, f in stamps)
    t0 = stamps[0][0] + stamps[0][1] / fps
    weight_cols = [by_name.get(n) for n in arkit.NAMES]
    frames = []
    for (sec, ff), row in zip(stamps, table):
        weights = np.array([0.0 if c is None else row[c] for c in weight_cols], np.float32)
        mask = np.array([c is not None for c in weight_cols])
        head = [row[extra[n]] if n in extra else 0.0 for n in HEAD]
        eyes = None
        if all(n in extra for n in EYES):
            eyes = np.array(
                [
                    [row[extra["LeftEyeYaw"]], row[extra["LeftEyePitch"]]],
                    [row[extra["RightEyeYaw"]], row[extra["RightEyePitch"]]],
                ]
            )
        frames.append(
            FaceFrame(
                sec + ff / fps - t0,
                np.clip(weights, 0.0, 1.0),  # the app's float noise, as Unreal clamps it too
                mask=mask,
                head_rotation=quat_from_euler(*head),
                eyes=eyes,
                source=f"csv:{path.name}",
            )
        )
    return fps, frames


def timecode_rate(fps: float) -> float:
    """The frame rate timecodes count in for a run at `fps`: the one Unreal's importer will guess."""
    return 60.0 if fps > 30 else 30.0


SUFFIXES = ("cal", "raw", "neutral")


def take_filename(slate: str, take: int, subject: str, suffix: str | None = None) -> str:
    """The app's file name, `<Slate>_<Take>_<Subject>[_cal|_raw|_neutral].csv`."""
    for what, text in (("slate", slate), ("subject", subject)):
        if not text or any(c in text for c in '/\\:*?"<>|') or text in (".", ".."):
            raise ValueError(f"take file name: {what} {text!r} is empty or not a plain name")
    if int(take) < 0:
        raise ValueError(f"take file name: take {take} is negative")
    if suffix is not None and suffix not in SUFFIXES:
        raise ValueError(f"take file name: suffix {suffix!r} is not one of {SUFFIXES}")
    return f"{slate}_{int(take)}_{subject}" + (f"_{suffix}" if suffix else "") + ".csv"


def format_timecode(t: float, fps: float) -> str:
    whole = int(t)
    frame = (t - whole) * fps
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{frame:06.3f}"


class TakeWriter:
    """Writes a take row by row, flushed each frame so an interrupted recording stays whole."""

    def __init__(self, path: str | Path, fps: float = 60.0):
        self.path, self.fps = Path(path), fps
        self._rate = timecode_rate(fps)
        self._file = open(self.path, "w", newline="", encoding="utf-8")
        self._file.write(",".join(["Timecode", "BlendShapeCount"] + COLUMNS) + "\n")
        self._file.flush()
        self._order = [arkit.INDEX[c[0].lower() + c[1:]] for c in COLUMNS[: arkit.COUNT]]  # undoes arkit.pascal

    def write(self, frame: FaceFrame) -> None:
        yaw, pitch, roll = quat_to_euler(frame.head_rotation)
        eyes = frame.eyes if frame.eyes is not None else np.zeros((2, 2))
        values = list(frame.weights[self._order]) + [
            yaw,
            pitch,
            roll,
            eyes[0, 0],
            eyes[0, 1],
            0.0,
            eyes[1, 0],
            eyes[1, 1],
            0.0,
        ]
        cells = [format_timecode(frame.t, self._rate), str(len(COLUMNS))]
        cells += [f"{v:.10f}" for v in values]
        self._file.write(",".join(cells) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
