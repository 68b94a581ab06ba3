"""Generic OSC output of ARKit weights, for Unreal's OSC plugin and TouchDesigner-style tools.

Two layouts, chosen by `mode`:
- "per-channel": a bundle per frame of `/blendshape/<Name> f`, Name in PascalCase (`JawOpen`),
  one address per channel, for tools that bind one address to one parameter;
- "all": one message `/blendshapes` with the 52 floats in ARKit order (ARKIT.md).
"""

from __future__ import annotations

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from . import osc
from .errors import PacketError
from .names import channel

MODES = ("per-channel", "all")
PREFIX = "/blendshape/"
ALL = "/blendshapes"
DEFAULT_PORT = 8000
_ADDRESSES = [PREFIX + arkit.pascal(n) for n in arkit.NAMES]


def encode(frame: FaceFrame, mode: str = "per-channel") -> bytes:
    values = [float(v) for v in frame.weights]
    if mode == "all":
        return osc.message(ALL, *values).dgram
    if mode != "per-channel":
        raise ValueError(f"osc mode {mode!r}: expected one of {MODES}")
    return osc.bundle([osc.message(a, v) for a, v in zip(_ADDRESSES, values)])


def decode(data: bytes, t: float) -> FaceFrame:
    """The frame either layout describes (channels not named are left undriven)."""
    weights = np.zeros(arkit.COUNT, np.float32)
    mask = np.zeros(arkit.COUNT, bool)
    for m in osc.parse(data, "osc"):
        args = tuple(m.params)
        if m.address == ALL:
            weights[:] = np.clip(osc.numbers("osc", ALL, args, arkit.COUNT), 0.0, 1.0)
            mask[:] = True
        elif m.address.startswith(PREFIX):
            i = channel(m.address[len(PREFIX) :])
            if i is None:
                raise PacketError(f"osc: {m.address[:60]!r} names no ARKit blendshape")
            weights[i], mask[i] = min(max(osc.numbers("osc", m.address, args, 1)[0], 0.0), 1.0), True
    if not mask.any():
        raise PacketError("osc: no blendshape messages")
    return FaceFrame(t, weights, mask=mask, source="osc")
