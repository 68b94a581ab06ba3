"""The selfie view: a frame as its reflection in a mirror through the avatar's middle (x -> -x).

By default the subject's left drives the avatar's left, which on screen looks like a person
facing you. A streamer watching their own avatar often wants a reflection instead: raising their
right brow raises the brow on the same side of the screen. That is the reflection x -> -x: Left
and Right channels swap, yaw and roll change sign
(pitch does not), each eye takes the other's gaze with its yaw negated, and a sideways shift
changes sign.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ... import arkit
from ...frame import FaceFrame

#: For each channel, the channel of the other side (itself where there is no side).
SWAP = np.array([arkit.INDEX[arkit.mirror(name)] for name in arkit.NAMES])


def mirror_frame(frame: FaceFrame) -> FaceFrame:
    x, y, z, w = frame.head_rotation
    position = None if frame.head_position is None else frame.head_position * np.array([-1.0, 1.0, 1.0])
    eyes = None if frame.eyes is None else frame.eyes[::-1] * np.array([[-1.0, 1.0]])
    return replace(
        frame,
        weights=frame.weights[SWAP],
        mask=frame.mask[SWAP],
        head_rotation=np.array([x, -y, -z, w]),
        head_position=position,
        eyes=eyes,
    )
