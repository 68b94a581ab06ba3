"""`csv:TAKE.csv` or `csv:DIR/`: records the mixed face as a Live Link Face CSV take, flushed
every frame. Given a directory, the file is named the app's way, `<Slate>_<Take>_<Subject>.csv`
(`?slate=`, `?take=`, `?subject=`; the take defaults to the next number not yet in the folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileError, OptionError
from ..frame import FaceFrame
from ..protocols.livelink_csv import TakeWriter, take_filename
from ..protocols.livelink_udp import DEFAULT_SUBJECT

DEFAULT_SLATE = "Slate"


def next_take(folder: Path, slate: str, subject: str) -> int:
    """The first take number from 1 whose file is not in `folder` yet."""
    take = 1
    while (folder / take_filename(slate, take, subject)).exists():
        take += 1
    return take


class TakeRecorder:
    needs_pose = False

    def __init__(self, path: str, folder_naming: tuple[str, int | None, str] | None = None):
        """`folder_naming` = (slate, take or None for the next free one, subject) when `path`
        is a directory."""
        self.path = path
        self.name = f"csv:{path}"
        self._naming = folder_naming
        self._writer: TakeWriter | None = None

    def open(self, run) -> None:
        path = Path(self.path)
        try:
            if self._naming is not None:
                slate, take, subject = self._naming
                path.mkdir(parents=True, exist_ok=True)
                path = path / take_filename(slate, take or next_take(path, slate, subject), subject)
            self._writer = TakeWriter(path, fps=run.clock.fps)
        except OSError as exc:
            raise FileError(f"csv:{self.path}: cannot write: {exc}") from None

    @property
    def file(self) -> Path | None:
        """The file being written, once open."""
        return self._writer.path if self._writer else None

    def write(self, frame: FaceFrame, pose) -> None:
        assert self._writer is not None, "write() before open()"
        self._writer.write(frame)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


@dataclass
class TakeNamingOptions:
    """How a take written into a folder (`csv:DIR/`) is named, as the app names its takes."""

    slate: str = DEFAULT_SLATE
    take: int = 0  # 0: the next free number
    subject: str = DEFAULT_SUBJECT


def open_csv(rest: str, options: TakeNamingOptions) -> TakeRecorder:
    if not rest:
        raise OptionError("csv: name the take to write, e.g. csv:take.csv or csv:takes/")
    if not (rest.endswith(("/", os.sep)) or Path(rest).is_dir()):
        if options != TakeNamingOptions():
            raise OptionError(f"csv:{rest}: slate, take and subject name takes in a folder (csv:DIR/), not a file")
        return TakeRecorder(rest, None)
    naming = (options.slate, options.take or None, options.subject)
    take_filename(naming[0], naming[1] or 1, naming[2])  # refuse bad names now, not at open
    return TakeRecorder(rest, naming)
