"""`csv:TAKE.csv`: plays a Live Link Face CSV recording at its own frame rate."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from ..errors import OptionError
from ..frame import FaceFrame
from ..mixer import LayerRule
from ..options import LayerOptions
from ..protocols.livelink_csv import read_take


class TakePlayback:
    """Each tick gets the take's newest frame at that media time; after the end, nothing
    (so the layer fades out), unless looping."""

    def __init__(self, path: str, loop: bool = False, rule: LayerRule | None = None):
        self.path = path
        self.fps, self._frames = read_take(path)
        self._times = [f.t for f in self._frames]
        self.loop = loop
        self.length = self._times[-1] + 1.0 / self.fps
        self.duration = None if loop else self.length
        self.rule = rule or LayerRule("csv", priority=10)
        self.name = self.rule.name

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame | None:
        media = t % self.length if self.loop else t
        if media >= self.length:
            return None
        i = max(0, bisect.bisect_right(self._times, media) - 1)
        return replace(self._frames[i], t=t)

    def stop(self) -> None:
        pass


@dataclass
class TakeOptions(LayerOptions):
    loop: bool = False
    priority: int | None = 10


def open_csv(rest: str, options: TakeOptions) -> TakePlayback:
    if not rest:
        raise OptionError("csv: name a take, e.g. csv:take.csv")
    return TakePlayback(rest, options.loop, options.rule(f"csv:{rest}"))
