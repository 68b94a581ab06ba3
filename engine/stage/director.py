"""The operator's hand on the face (`/expression`, `/look`): two mixer layers that hold what
was last asked for, an expression at an intensity and a gaze with a turn of the head. Setting
one back to neutral or camera lets its layer fade out, so the layers beneath (idle's blinks and
saccades) take over again."""

from __future__ import annotations

import math
import threading

import numpy as np

from .. import arkit
from ..expressions import EXPRESSIONS
from ..frame import FaceFrame
from ..mixer import LayerRule, channel_mask, preset_frame
from ..rig.rig import set_look
from ..rig.transforms import quat_from_euler

#: Where `/look` turns: yaw and pitch in degrees, the eyes' share; the head turns a third as far.
LOOKS = {"camera": (0.0, 0.0), "left": (-25.0, 0.0), "right": (25.0, 0.0), "up": (0.0, -15.0), "down": (0.0, 15.0)}
HEAD_SHARE = 1.0 / 3.0


def expression_names() -> list[str]:
    return sorted(name for name, weights in EXPRESSIONS.items() if weights)


class _Held:
    """A source that repeats one frame (or none) at every tick, restamped."""

    duration = None

    def __init__(self, rule: LayerRule):
        self.rule, self.name = rule, rule.name
        self._frame: FaceFrame | None = None
        self._lock = threading.Lock()

    def hold(self, frame: FaceFrame | None) -> None:
        with self._lock:
            self._frame = frame

    def start(self, clock) -> None:
        pass

    def stop(self) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame | None:
        with self._lock:
            if self._frame is not None:
                self._frame.t = t
            return self._frame


class Director:
    def __init__(self):
        every = [name for name in expression_names() for name in EXPRESSIONS[name]]
        face = channel_mask(sorted(set(every)))
        self.expression = _Held(LayerRule("director:expression", priority=20, channels=face, head=False, fade=0.3))
        self.look = _Held(LayerRule("director:look", priority=25, channels=channel_mask("eyes"), head=True, fade=0.3))
        self.state = {"expression": "neutral", "intensity": 0.0, "look": "camera"}

    @property
    def sources(self) -> list:
        return [self.expression, self.look]

    def set_expression(self, name: str, intensity: float) -> None:
        """ValueError for an unknown name or an intensity outside [0, 1]."""
        if name == "neutral":
            self.expression.hold(None)
        else:
            self.expression.hold(preset_frame(name, 0.0, intensity))
        self.state.update(expression=name, intensity=intensity if name != "neutral" else 0.0)

    def set_look(self, direction: str) -> None:
        if direction not in LOOKS:
            raise ValueError(f"look: expected one of {', '.join(LOOKS)}, got {direction!r}")
        self.state["look"] = direction
        if direction == "camera":
            self.look.hold(None)
            return
        yaw, pitch = (math.radians(v) for v in LOOKS[direction])
        weights = np.zeros(arkit.COUNT, np.float32)
        set_look(weights, yaw * (1 - HEAD_SHARE), pitch * (1 - HEAD_SHARE))
        mask = np.zeros(arkit.COUNT, bool)
        mask[list(arkit.LOOK)] = True
        head = quat_from_euler(yaw * HEAD_SHARE, pitch * HEAD_SHARE, 0.0)
        self.look.hold(FaceFrame(0.0, weights, mask, head_rotation=head, source="director:look"))
