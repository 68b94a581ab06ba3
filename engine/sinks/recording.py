"""`csv:TAKE.csv`: records the mixed face as a Live Link Face CSV take, flushed every frame."""

from __future__ import annotations

from ..frame import FaceFrame
from ..pipeline import register_sink
from ..protocols.livelink_csv import TakeWriter
from ..drivers.options import reject_unknown


class TakeRecorder:
    needs_pose = False

    def __init__(self, path: str):
        self.path = path
        self.name = f"csv:{path}"
        self._writer: TakeWriter | None = None

    def open(self, run) -> None:
        try:
            self._writer = TakeWriter(self.path, fps=run.clock.fps)
        except OSError as exc:
            raise ValueError(f"csv:{self.path}: cannot write: {exc}") from None

    def write(self, frame: FaceFrame, pose) -> None:
        self._writer.write(frame)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


@register_sink("csv")
def _csv(rest: str, options: dict) -> TakeRecorder:
    if not rest:
        raise ValueError("csv: name the take to write, e.g. csv:take.csv")
    reject_unknown(f"csv:{rest}", options)
    return TakeRecorder(rest)
