"""Sources made by the engine itself: `idle:` life and `expression:NAME` presets."""

from __future__ import annotations

from ..frame import FaceFrame
from ..idle import IdleMotion
from ..mixer import LayerRule, preset_frame, preset_rule
from ..pipeline import register_source
from .options import layer_rule, pop_float, reject_unknown


class IdleSource:
    """Blinks, gaze and breath; always fresh, at the bottom of the mix by default."""

    duration = None

    def __init__(self, seed: int = 0, rule: LayerRule | None = None):
        self.name = "idle"
        self.rule = rule or LayerRule("idle", priority=0)
        self._motion = IdleMotion(seed)

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame:
        return self._motion.frame(t)

    def stop(self) -> None:
        pass


class ExpressionSource:
    """A held expression preset (happy, sad, surprised, angry) at an intensity."""

    duration = None

    def __init__(self, preset: str, intensity: float = 1.0, rule: LayerRule | None = None):
        preset_frame(preset, 0.0, intensity)  # validates both now, not on the first tick
        self.preset, self.intensity = preset, intensity
        self.rule = rule or preset_rule(preset)
        self.name = self.rule.name

    def start(self, clock) -> None:
        pass

    def frame_at(self, t: float) -> FaceFrame:
        return preset_frame(self.preset, t, self.intensity)

    def stop(self) -> None:
        pass


@register_source("idle")
def _idle(rest: str, options: dict) -> IdleSource:
    seed = int(pop_float(options, "seed", 0))
    rule = layer_rule("idle", options, priority=0)
    reject_unknown("idle:", options)
    return IdleSource(seed, rule)


@register_source("expression")
def _expression(rest: str, options: dict) -> ExpressionSource:
    intensity = pop_float(options, "intensity", 1.0)
    base = preset_rule(rest) if rest else None
    if base is None:
        raise ValueError("expression: name a preset, e.g. expression:happy")
    rule = layer_rule(base.name, options, priority=base.priority, channels=base.channels, head=False,
                      blink=base.blink, look_at=base.look_at, mouth=base.mouth)
    reject_unknown(f"expression:{rest}", options)
    return ExpressionSource(rest, intensity, rule)
