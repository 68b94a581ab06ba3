"""A body that lives while it stands: breathing in the chest and shoulders, a slow sway and
weight shift through hips and spine.

Like the face's idle motion it is a pure function of time for a seed, so offline renders are
reproducible. Rotations are normalized humanoid bone rotations (engine/bones.py) on bones whose
relaxed rest is the identity (torso, shoulders, upper legs), so they lay straight over the rest
pose of any humanoid. The legs turn against the hips, so the feet stay planted as the hips sway.
"""

from __future__ import annotations

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

DRIVEN = ("hips", "spine", "chest", "upperChest", "leftShoulder", "rightShoulder", "leftUpperLeg",
          "rightUpperLeg")
MASK = bones.bone_mask(list(DRIVEN))
_ROW = {name: bones.INDEX[name] for name in DRIVEN}


class BodyMotion:
    """Seeded breathing and sway; `bones(t)` is the body at `t` seconds."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng([seed, 7])
        self._phases = rng.uniform(0, 2 * np.pi, (3, len(SWAY_PERIODS)))

    def breath(self, t: float) -> float:
        """0 (breathed out) .. 1 (breathed in): a quicker in-breath than out-breath."""
        phase = (t / BREATH_PERIOD) % 1.0
        return float(np.sin(0.5 * np.pi * phase / 0.4) ** 2 if phase < 0.4 else np.cos(0.5 * np.pi * (phase - 0.4) / 0.6) ** 2)

    def _slow(self, axis: int, t: float) -> float:
        return float(np.mean([np.sin(2 * np.pi * t / p + self._phases[axis, k]) for k, p in enumerate(SWAY_PERIODS)]))

    def bones(self, t: float) -> np.ndarray:
        q = bones.identity()
        b = self.breath(t)
        roll, yaw, counter = (np.radians(a) * self._slow(k, t)
                              for k, a in enumerate((SWAY_HIPS_ROLL, SWAY_HIPS_YAW, SWAY_SPINE_ROLL)))
        hips = quat_from_euler(yaw, 0.0, roll)
        q[_ROW["hips"]] = hips
        q[_ROW["spine"]] = quat_from_euler(0.0, -np.radians(BREATH_SPINE) * b, -roll * 0.6 + counter)
        q[_ROW["chest"]] = quat_from_euler(-yaw * 0.4, -np.radians(BREATH_CHEST) * b * 0.5, -counter * 0.5)
        q[_ROW["upperChest"]] = quat_from_euler(0.0, -np.radians(BREATH_CHEST) * b * 0.5, 0.0)
        shoulder = np.radians(BREATH_SHOULDER) * b
        q[_ROW["leftShoulder"]] = quat_from_euler(0.0, 0.0, shoulder)
        q[_ROW["rightShoulder"]] = quat_from_euler(0.0, 0.0, -shoulder)
        planted = hips * [-1.0, -1.0, -1.0, 1.0]  # the hips' turn undone, so the legs stay upright
        q[_ROW["leftUpperLeg"]] = q[_ROW["rightUpperLeg"]] = planted
        return q
