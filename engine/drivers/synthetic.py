"""Sources made by the engine itself: `idle:` life, `expression:NAME` presets, a fixed
`pose:` (what `render --set/--head` lays on top) and the demo's `tour:`."""

from __future__ import annotations

import numpy as np

from .. import demo_tour
from ..errors import OptionError
from ..frame import FaceFrame
from ..idle import IdleMotion
from ..mixer import LayerRule, preset_frame, preset_rule
from ..options import layer_rule, pop_bool, pop_float, reject_unknown
from ..rig.transforms import quat_from_euler


class FunctionSource:
    """A source whose face is a function of time: always fresh while its media lasts."""

    def __init__(self, rule: LayerRule, face, duration: float | None = None):
        self.rule, self.name, self.duration = rule, rule.name, duration
        self._face = face

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame | None:
        if self.duration is not None and t >= self.duration:
            return None
        return self._face(t)

    def stop(self) -> None:
        pass


def pose_face(values: dict[str, float], head_degrees=None):
    """A fixed face: the named weights (any alias), and a head pose if given."""
    frame = FaceFrame.from_named(0.0, values, source="pose")
    if head_degrees is not None:
        frame.head_rotation = quat_from_euler(*np.radians(head_degrees))

    def face(t: float) -> FaceFrame:
        return FaceFrame(t, frame.weights, frame.mask, frame.head_rotation, source="pose")

    return face, frame.mask


def open_idle(rest: str, options: dict) -> FunctionSource:
    """`idle:?seed=N&body=false`: blinks, gaze, breath and sway; `body=false` leaves a humanoid's
    body to its rest pose."""
    seed = int(pop_float(options, "seed", 0))
    body = pop_bool(options, "body", True)
    rule = layer_rule("idle", options, priority=0)
    reject_unknown("idle:", options)
    return FunctionSource(rule, IdleMotion(seed, body).frame)


def open_expression(rest: str, options: dict) -> FunctionSource:
    intensity = pop_float(options, "intensity", 1.0)
    base = preset_rule(rest)
    preset_frame(rest, 0.0, intensity)  # validates the intensity now, not on the first tick
    rule = layer_rule(
        base.name,
        options,
        priority=base.priority,
        channels=base.channels,
        head=False,
        blink=base.blink,
        look_at=base.look_at,
        mouth=base.mouth,
    )
    reject_unknown(f"expression:{rest}", options)
    return FunctionSource(rule, lambda t: preset_frame(rest, t, intensity))


def open_pose(rest: str, options: dict) -> FunctionSource:
    """`pose:?jawOpen=1&head=30,0,0`: held weights and head pose, on top of everything."""
    head = options.pop("head", None)
    if isinstance(head, str):
        try:
            head = [float(v) for v in head.split(",")]
        except ValueError:
            head = []
    if head is not None and (len(head) != 3 or not np.all(np.isfinite(head))):
        raise OptionError(f"pose: head must be YAW,PITCH,ROLL in degrees, got {options.get('head')!r}")
    rule_keys = {"priority", "channels", "fade", "stale_after", "blink", "look_at", "mouth"}
    values = {k: pop_float(options, k, 0.0) for k in [k for k in options if k not in rule_keys]}
    face, mask = pose_face(values, head)
    rule = layer_rule("pose", options, priority=100, channels=mask, head=head is not None)
    reject_unknown("pose:", options)
    return FunctionSource(rule, face)


def open_tour(rest: str, options: dict) -> FunctionSource:
    """The demo's tour of expressions (engine/demo_tour.py); lay it over `idle:`."""
    rule = layer_rule("tour", options, priority=10)
    reject_unknown("tour:", options)
    return FunctionSource(rule, demo_tour.tour_frame, demo_tour.DURATION)
