"""Sources made by the engine itself: `idle:` life, `expression:NAME` presets, a fixed
`pose:` (what `render --set/--head` lays on top) and the demo's `tour:`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import arkit, demo_tour
from ..errors import OptionError
from ..frame import FaceFrame
from ..idle import IdleMotion
from ..mixer import LayerRule, preset_frame, preset_rule
from ..options import REST, LayerOptions
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


@dataclass
class IdleOptions(LayerOptions):
    seed: int = 0
    body: bool = True  # false: the face only, a humanoid's body left at rest
    priority: int | None = 0


def open_idle(rest: str, options: IdleOptions) -> FunctionSource:
    """`idle:?seed=N&body=false`: blinks, gaze, breath and sway; `body=false` leaves a humanoid's
    body to its rest pose."""
    return FunctionSource(options.rule("idle"), IdleMotion(options.seed, options.body).frame)


@dataclass
class ExpressionOptions(LayerOptions):
    """The layer settings not given are the preset's own (mixer.preset_rule)."""

    intensity: float = 1.0


def open_expression(rest: str, options: ExpressionOptions) -> FunctionSource:
    base = preset_rule(rest)
    preset_frame(rest, 0.0, options.intensity)  # validates the intensity now, not on the first tick
    rule = options.rule(
        base.name,
        priority=base.priority,
        channels=base.channels,
        head=False,
        blink=base.blink,
        look_at=base.look_at,
        mouth=base.mouth,
    )
    return FunctionSource(rule, lambda t: preset_frame(rest, t, options.intensity))


@dataclass
class PoseOptions(LayerOptions):
    """Held weights by ARKit name; the layer owns the channels named, and the head if given."""

    # Here `head` is the head's pose, YAW,PITCH,ROLL in degrees; the layer moves the head if it is given.
    head: tuple[float, float, float] | None = None  # type: ignore[assignment]
    weights: dict[str, float] = field(default_factory=dict, metadata=REST)
    priority: int | None = 100


def open_pose(rest: str, options: PoseOptions) -> FunctionSource:
    """`pose:?jawOpen=1&head=30,0,0`: held weights and head pose, on top of everything."""
    for name, value in options.weights.items():
        if arkit.canonical(name) is None:
            raise OptionError(f"pose: unknown option {name}={value!r}: neither a layer option nor an ARKit name")
        if not 0.0 <= value <= 1.0:
            raise OptionError(f"pose: option {name}: expected a weight from 0 to 1, got {value!r}")
    face, mask = pose_face(options.weights, options.head)
    return FunctionSource(replace(options, head=None).rule("pose", channels=mask, head=options.head is not None), face)


@dataclass
class TourOptions(LayerOptions):
    priority: int | None = 10


def open_tour(rest: str, options: TourOptions) -> FunctionSource:
    """The demo's tour of expressions (engine/demo_tour.py); lay it over `idle:`."""
    return FunctionSource(options.rule("tour"), demo_tour.tour_frame, demo_tour.DURATION)
