"""A body that lives while it stands: breathing in the chest and shoulders, a slow sway and
weight shift through hips and spine.

Like the face's idle motion it is a pure function of time for a seed, so offline renders are
reproducible. Rotations are normalized humanoid bone rotations (engine/bones.py) on bones whose
relaxed rest is the identity (torso, shoulders, upper legs), so they lay straight over the rest
pose of any humanoid. The legs turn against the hips, so the feet stay planted as the hips sway.
"""

from __future__ import annotations

import math

import numpy as np

from . import bones
from .rig.transforms import quat_from_euler

#: Seconds a breath takes (the face's idle nods with the same period).
BREATH_PERIOD = 4.2
#: Degrees at the top of a breath: the chest lifts back, the shoulders rise.
BREATH_CHEST = 1.4
BREATH_SPINE = 0.5
BREATH_SHOULDER = 1.8
#: Degrees of slow sway: hips roll and turn (weight from foot to foot), the spine answers.
SWAY_HIPS_ROLL = 1.6
SWAY_HIPS_YAW = 1.4
SWAY_SPINE_ROLL = 1.1
SWAY_PERIODS = (9.7, 13.3, 17.9)

DRIVEN = ("hips", "spine", "chest", "upperChest", "leftShoulder", "rightShoulder", "leftUpperLeg", "rightUpperLeg")
MASK = bones.bone_mask(list(DRIVEN))
_ROW = {name: bones.INDEX[name] for name in DRIVEN}
_PERIODS = np.array(SWAY_PERIODS)
_SWAY = np.radians([SWAY_HIPS_ROLL, SWAY_HIPS_YAW, SWAY_SPINE_ROLL])


class BodyMotion:
    """Seeded breathing and sway; `bones(t)` is the body at `t` seconds."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng([seed, 7])
        self._phases = rng.uniform(0, 2 * np.pi, (3, len(SWAY_PERIODS)))

    def breath(self, t: float) -> float:
        """0 (breathed out) .. 1 (breathed in): a quicker in-breath than out-breath."""
        phase = (t / BREATH_PERIOD) % 1.0
        if phase < 0.4:
            return math.sin(0.5 * math.pi * phase / 0.4) ** 2
        return math.cos(0.5 * math.pi * (phase - 0.4) / 0.6) ** 2

    def _slow(self, t: float) -> np.ndarray:
        """Three slow wanderings in [-1, 1], one per sway axis."""
        return np.sin(2 * np.pi * t / _PERIODS + self._phases).mean(axis=1)

    def bones(self, t: float) -> np.ndarray:
        q = bones.identity()
        b = self.breath(t)
        roll, yaw, counter = (_SWAY * self._slow(t)).tolist()
        hips = quat_from_euler(yaw, 0.0, roll)
        q[_ROW["hips"]] = hips
        q[_ROW["spine"]] = quat_from_euler(0.0, -math.radians(BREATH_SPINE) * b, -roll * 0.6 + counter)
        q[_ROW["chest"]] = quat_from_euler(-yaw * 0.4, -math.radians(BREATH_CHEST) * b * 0.5, -counter * 0.5)
        q[_ROW["upperChest"]] = quat_from_euler(0.0, -math.radians(BREATH_CHEST) * b * 0.5, 0.0)
        shoulder = math.radians(BREATH_SHOULDER) * b
        q[_ROW["leftShoulder"]] = quat_from_euler(0.0, 0.0, shoulder)
        q[_ROW["rightShoulder"]] = quat_from_euler(0.0, 0.0, -shoulder)
        planted = hips * [-1.0, -1.0, -1.0, 1.0]  # the hips' turn undone, so the legs stay upright
        q[_ROW["leftUpperLeg"]] = q[_ROW["rightUpperLeg"]] = planted
        return q
