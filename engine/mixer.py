"""Layering several sources into one face: priorities, channel ownership, overrides, crossfades.

Layers are applied from low to high priority. A layer blends its frame over what lies beneath
on the channels it owns (its rule's channels AND the frame's mask), by its fade level: so idle
fills everything, a webcam above it takes eyes, brows and head, and speech above that takes the
mouth. Expression presets are layers too, and carry three-vrm's override rules: when a
`happy` layer with `blink="block"` is on, the blinks beneath it are suppressed; `blend` fades them
by the expression's weight. A source that stops sending (stale for `stale_after` seconds) fades
out over `fade` seconds instead of popping, and fades back in when it returns.

Body bones layer the same way: a layer owns the bones its rule's `bones` mask AND the frame's
`bone_mask` name, and blends their rotations over what lies beneath by the same fade level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from . import arkit, bones
from .errors import OptionError
from .expressions import EXPRESSIONS, OVERRIDES
from .frame import FaceFrame
from .rig.rig import eye_angles


class Override(str, Enum):
    """three-vrm's rule for the channels of a group beneath a layer: leave, suppress, or fade them."""

    NONE = "none"
    BLOCK = "block"
    BLEND = "blend"


OVERRIDE_RULES = tuple(o.value for o in Override)
GROUPS = {"blink": np.array(arkit.BLINK), "look_at": np.array(arkit.LOOK), "mouth": np.array(arkit.MOUTH)}
_LOOK = np.array(arkit.LOOK)


def channel_mask(spec: str | list[str] | None) -> np.ndarray:
    """A (52,) bool mask from group names ('all', 'mouth', 'eyes', 'brows', 'cheeks') or ARKit names."""
    named_groups = {
        "all": arkit.NAMES,
        "mouth": [arkit.NAMES[i] for i in arkit.MOUTH],
        "eyes": [n for n in arkit.NAMES if n.startswith("eye")],
        "brows": [n for n in arkit.NAMES if n.startswith("brow")],
        "cheeks": [n for n in arkit.NAMES if n.startswith(("cheek", "nose"))],
    }
    mask = np.zeros(arkit.COUNT, bool)
    items = ["all"] if spec is None else [spec] if isinstance(spec, str) else spec
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if part in named_groups:
                mask[[arkit.INDEX[n] for n in named_groups[part]]] = True
            elif (c := arkit.canonical(part)) is not None:
                mask[arkit.INDEX[c]] = True
            else:
                raise OptionError(f"channels: {part!r} is neither a group {sorted(named_groups)} nor an ARKit name")
    return mask


@dataclass
class LayerRule:
    """How one source joins the mix."""

    name: str
    priority: int = 0
    channels: np.ndarray = field(default_factory=lambda: channel_mask("all"))
    head: bool = True  # does this layer move the head?
    bones: np.ndarray = field(default_factory=lambda: bones.bone_mask("all"))  # body bones it may own
    fade: float = 0.25  # seconds to crossfade in or out
    stale_after: float = 0.5  # seconds without a frame before the layer fades out
    blink: Override = Override.NONE  # override rules for the layers beneath (three-vrm)
    look_at: Override = Override.NONE
    mouth: Override = Override.NONE

    def __post_init__(self):
        self.channels = np.asarray(self.channels, bool)
        if self.channels.shape != (arkit.COUNT,):
            raise ValueError(f"layer {self.name!r}: channels must be a (52,) mask")
        self.bones = np.asarray(self.bones, bool)
        if self.bones.shape != (bones.COUNT,):
            raise ValueError(f"layer {self.name!r}: bones must be a ({bones.COUNT},) mask")
        for group in ("blink", "look_at", "mouth"):
            if getattr(self, group) not in OVERRIDE_RULES:
                raise OptionError(f"layer {self.name!r}: {group} override must be one of {OVERRIDE_RULES}")
            setattr(self, group, Override(getattr(self, group)))
        if self.fade < 0 or self.stale_after <= 0:
            raise OptionError(f"layer {self.name!r}: fade must be >= 0 and stale_after > 0")


@dataclass
class _Layer:
    rule: LayerRule
    frame: FaceFrame | None = None
    arrived: float = -np.inf
    level: float = 0.0  # crossfade, 0 (out) .. 1 (in)
    # The rule's overrides, resolved once: (channels of the group, True to block, False to blend).
    overrides: list[tuple[np.ndarray, bool]] = field(default_factory=list)

    def __post_init__(self):
        self.overrides = [
            (GROUPS[group], value == Override.BLOCK)
            for group in ("blink", "look_at", "mouth")
            if (value := getattr(self.rule, group)) != Override.NONE
        ]


def _nlerp(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    if a @ b < 0:
        b = -b
    q = a * (1 - k) + b * k
    return q / math.sqrt(q @ q)


class Mixer:
    """`body=False` ignores the sources' bones: a run whose avatar has no humanoid skips that work."""

    def __init__(self, rules: list[LayerRule], body: bool = True):
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise ValueError(f"mixer: layer names must be unique, got {names}")
        self._layers = sorted((_Layer(r) for r in rules), key=lambda layer: layer.rule.priority)
        self._by_name = {layer.rule.name: layer for layer in self._layers}
        self._last_t: float | None = None
        self._body = body

    def push(self, layer: str, frame: FaceFrame, arrived: float | None = None) -> None:
        """A new frame from a source; `arrived` is when, on the pipeline clock (default frame.t)."""
        if layer not in self._by_name:
            raise KeyError(f"mixer: no layer named {layer!r}")
        entry = self._by_name[layer]
        entry.frame, entry.arrived = frame, frame.t if arrived is None else arrived

    def level(self, layer: str) -> float:
        return self._by_name[layer].level

    def mix(self, t: float) -> FaceFrame:
        first = self._last_t is None  # layers present from the start begin fully in
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        weights = np.zeros(arkit.COUNT)
        driven = np.zeros(arkit.COUNT, bool)
        head = np.array([0.0, 0.0, 0.0, 1.0])
        eyes = np.zeros((2, 2))
        body, body_driven = None, None
        confidence = 0.0
        for layer in self._layers:
            rule = layer.rule
            fresh = layer.frame is not None and t - layer.arrived <= rule.stale_after
            target = 1.0 if fresh else 0.0
            step = 1.0 if rule.fade == 0 or first else dt / rule.fade
            layer.level += float(np.clip(target - layer.level, -step, step))
            if layer.level <= 0.0 or layer.frame is None:
                continue
            f, k = layer.frame, layer.level
            strength = k * f.confidence
            for channels, block in layer.overrides:
                if block:
                    if strength > 0:
                        weights[channels] = 0.0
                else:
                    weights[channels] *= 1.0 - strength
            own = rule.channels & f.mask
            weights[own] += (f.weights[own] - weights[own]) * strength
            driven |= own
            if own[_LOOK].any():
                gaze = (
                    f.eyes
                    if f.eyes is not None
                    else np.array([eye_angles(f.weights, "Left"), eye_angles(f.weights, "Right")])
                )
                eyes += (gaze - eyes) * strength
            if rule.head:
                head = _nlerp(head, f.head_rotation, strength)
            if f.bones is not None and self._body:
                own_bones = rule.bones & f.bone_mask
                if body is None:
                    body, body_driven = bones.identity(), np.zeros(bones.COUNT, bool)
                body[own_bones] = bones.nlerp_rows(body[own_bones], f.bones[own_bones], strength)
                body_driven |= own_bones
            if own.any() or rule.head:  # a body-only layer says nothing of the face's confidence
                confidence = max(confidence, strength)
        return FaceFrame.trusted(
            t,
            np.clip(weights, 0.0, 1.0).astype(np.float32),
            driven,
            head,
            eyes=eyes,
            source="mix",
            confidence=confidence,
            bones=body,
            bone_mask=body_driven,
        )


def preset_frame(name: str, t: float, intensity: float = 1.0) -> FaceFrame:
    """The preset's face, masked to the channels it sets; `intensity` rides on the confidence,
    so the mixer scales both the expression and its overrides by it."""
    _check(name)
    if not 0.0 <= intensity <= 1.0:
        raise OptionError(f"expression {name!r}: intensity {intensity} is outside [0, 1]")
    return FaceFrame.from_named(t, EXPRESSIONS[name], source=f"expression:{name}", confidence=intensity)


def preset_rule(name: str, priority: int = 20) -> LayerRule:
    """A layer rule for a preset: owns its own channels, leaves the head alone."""
    _check(name)
    overrides = OVERRIDES.get(name, {})
    return LayerRule(
        f"expression:{name}",
        priority,
        channel_mask(list(EXPRESSIONS[name])),
        head=False,
        blink=Override(overrides.get("blink", Override.NONE)),
        look_at=Override(overrides.get("look_at", Override.NONE)),
        mouth=Override(overrides.get("mouth", Override.NONE)),
    )


def _check(name: str) -> None:
    if name not in EXPRESSIONS or not EXPRESSIONS[name]:
        raise OptionError(f"expression {name!r}: expected one of {sorted(n for n, w in EXPRESSIONS.items() if w)}")
