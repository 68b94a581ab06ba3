"""The spokesperson's hands: forearms that come up while it speaks and beat on its stressed
syllables, and hands that rest, still, in the pauses.

Speakers' beat gestures are small up-and-down strokes of the forearm and a flick of the hand,
timed on the stressed syllables, larger on emphasised words (McNeill's "beats"). Between
sentences the hands settle back to the relaxed pose. The strokes are normalized humanoid bone
rotations layered over the rest pose's forearms and hands (engine/rig/rest_pose.py), so they fit
any humanoid, and are seeded: the same script gives the same hands.
"""

from __future__ import annotations

import numpy as np

from .. import bones
from ..idle import bump, smoothstep
from ..rig.rest_pose import relaxed_bones
from ..rig.transforms import quat_from_axis_angle, quat_multiply

#: The bones this layer owns.
MASK = bones.bone_mask([f"{s}{b}" for s in ("left", "right") for b in ("LowerArm", "Hand")])
#: Degrees of extra elbow bend while speaking: the forearms come forward into view.
SPEAKING_BEND = 70.0
#: A beat's stroke (elbow, wrist) in degrees, and an emphasised word's.
BEAT = (12.0, 10.0)
EMPHASIS = (22.0, 16.0)
#: Seconds: a stroke's lead before its syllable and its length; how long the arms take to come
#: up or settle; pauses shorter than SETTLE_GAP keep the arms up.
STROKE_LEAD, STROKE_LENGTH = 0.12, 0.45
RAISE, SETTLE_GAP = 0.5, 1.2

_ELBOW, _WRIST = (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)


class ArmGestures:
    """`bones(t)`: forearms and hands at `t` for speech spoken over `spans`, with `beats` (time,
    size 0..1) on stressed syllables and `emphasis` times; `seed` picks which hand strokes."""

    def __init__(
        self, spans: list[tuple[float, float]], beats: list[tuple[float, float]], emphasis: list[float], seed: int = 0
    ):
        self._phrases = _phrases(spans)
        rng = np.random.default_rng([seed, 11])
        # Each stroke is made by the left hand, the right, or both (weights per side).
        hands = np.array([[1.0, 0.35], [0.35, 1.0], [0.85, 0.85]])
        self._strokes = [(t, size, *BEAT, hands[rng.integers(3)]) for t, size in beats]
        self._strokes += [(t, 1.0, *EMPHASIS, hands[2]) for t in emphasis]
        self._rest = relaxed_bones(0.0)

    def speaking(self, t: float) -> float:
        """0 (arms at rest) .. 1 (arms up for speech)."""
        level = 0.0
        for start, end in self._phrases:
            level = max(level, smoothstep((t - start + RAISE) / RAISE) * (1.0 - smoothstep((t - end) / RAISE)))
        return float(level)

    def bones(self, t: float) -> np.ndarray:
        up = self.speaking(t)
        elbow, wrist = np.full(2, SPEAKING_BEND * up), np.zeros(2)
        for time, size, elbow_stroke, wrist_stroke, sides in self._strokes:
            k = bump((t - time + STROKE_LEAD) / STROKE_LENGTH) * up
            if k:
                elbow += sides * elbow_stroke * size * k
                wrist += sides * wrist_stroke * size * k
        q = bones.identity()
        for i, (side, sign) in enumerate((("left", 1.0), ("right", -1.0))):
            lower, hand = bones.INDEX[f"{side}LowerArm"], bones.INDEX[f"{side}Hand"]
            q[lower] = quat_multiply(self._rest[lower], quat_from_axis_angle(_ELBOW, -sign * np.radians(elbow[i])))
            q[hand] = quat_multiply(self._rest[hand], quat_from_axis_angle(_WRIST, sign * np.radians(wrist[i])))
        return q


def _phrases(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Spoken spans joined across pauses shorter than SETTLE_GAP: the arms stay up through them."""
    phrases: list[list[float]] = []
    for start, end in sorted(spans):
        if phrases and start - phrases[-1][1] < SETTLE_GAP:
            phrases[-1][1] = max(phrases[-1][1], end)
        else:
            phrases.append([start, end])
    return [(a, b) for a, b in phrases]
