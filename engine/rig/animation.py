"""Sampling a glTF animation clip at a time t.

API:

    sample(animation, t) -> AnimatedPose
        pose.trs[node]     = (translation | None, rotation | None, scale | None): the parts the clip
                             animates for that node; None where it leaves the node's own value.
        pose.weights[node] = morph weights (float64, one per target of the node's mesh).
        pose.local_trs(index, node) -> (t, r, s) with the node's rest values filled in.
    sample_channel(channel, t) -> np.ndarray   one channel's value (3, 4, 3 or morph-count floats).

Interpolation follows the glTF spec: STEP holds a key until the next; LINEAR lerps, and slerps
rotations along the shortest arc; CUBICSPLINE is a Hermite spline whose tangents are scaled by
the keyframe interval. Rotations always come back unit length. Times before the first key or
after the last clamp to that key's value (loop by passing `t % animation.duration`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.rig.asset import Animation, AnimationChannel, Node

TRS = tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]
_SLOT = {"translation": 0, "rotation": 1, "scale": 2}


@dataclass
class AnimatedPose:
    """What one clip says at one instant: partial TRS overrides and morph weights, per node."""

    trs: dict[int, TRS] = field(default_factory=dict)
    weights: dict[int, np.ndarray] = field(default_factory=dict)

    def local_trs(self, index: int, node: Node) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The node's local (translation, rotation, scale) with this pose's overrides applied."""
        t, r, s = self.trs.get(index, (None, None, None))
        return (
            node.translation if t is None else t,
            node.rotation if r is None else r,
            node.scale if s is None else s,
        )


def sample(animation: Animation, t: float) -> AnimatedPose:
    """Evaluate every channel of `animation` at time `t` (seconds)."""
    pose = AnimatedPose()
    for channel in animation.channels:
        value = sample_channel(channel, t)
        if channel.path == "weights":
            pose.weights[channel.node] = value
        else:
            parts = list(pose.trs.get(channel.node, (None, None, None)))
            parts[_SLOT[channel.path]] = value
            pose.trs[channel.node] = (parts[0], parts[1], parts[2])
    return pose


def sample_channel(channel: AnimationChannel, t: float) -> np.ndarray:
    """One channel's value at `t` as float64, clamped to its first and last keys."""
    times = channel.times
    cubic = channel.interpolation == "CUBICSPLINE"
    keys = channel.values[:, 1] if cubic else channel.values
    rotation = channel.path == "rotation"
    if len(times) == 1 or t <= times[0]:
        return _finish(keys[0], rotation)
    if t >= times[-1]:
        return _finish(keys[-1], rotation)
    k = int(np.searchsorted(times, t, side="right")) - 1  # times[k] <= t < times[k + 1]
    if channel.interpolation == "STEP":
        return _finish(keys[k], rotation)
    dt = float(times[k + 1]) - float(times[k])
    u = (t - float(times[k])) / dt
    a, b = keys[k].astype(np.float64), keys[k + 1].astype(np.float64)
    if cubic:
        out_tangent = channel.values[k, 2].astype(np.float64) * dt
        in_tangent = channel.values[k + 1, 0].astype(np.float64) * dt
        u2, u3 = u * u, u * u * u
        value = (
            (2 * u3 - 3 * u2 + 1) * a
            + (u3 - 2 * u2 + u) * out_tangent
            + (-2 * u3 + 3 * u2) * b
            + (u3 - u2) * in_tangent
        )
        return _finish(value, rotation)
    if rotation:
        return slerp(a, b, u)
    return a + (b - a) * u


def slerp(q0: np.ndarray, q1: np.ndarray, u: float) -> np.ndarray:
    """Spherical interpolation of (x, y, z, w) quaternions along the shorter arc."""
    q0 = q0 / np.linalg.norm(q0)
    q1 = q1 / np.linalg.norm(q1)
    d = float(np.dot(q0, q1))
    if d < 0.0:  # q and -q are the same rotation: flip to take the short way round
        q1, d = -q1, -d
    if d > 0.9995:  # nearly parallel: lerp avoids dividing by sin(~0)
        return _finish(q0 + (q1 - q0) * u, True)
    theta = np.arccos(d)
    return (np.sin((1 - u) * theta) * q0 + np.sin(u * theta) * q1) / np.sin(theta)


def _finish(value: np.ndarray, rotation: bool) -> np.ndarray:
    value = np.array(value, dtype=np.float64)
    if rotation:
        norm = np.linalg.norm(value)
        return value / norm if norm > 0 else np.array([0.0, 0.0, 0.0, 1.0])
    return value
