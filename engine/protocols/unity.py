"""Unity's axes at the protocol boundary (VMC, Face Cap, iFacialMocap speak them).

Unity is left-handed, +Y up, and an avatar faces +Z with its left at -X; glTF is right-handed,
+Y up, facing +Z with the avatar's left at +X. One axis differs, so the map is a mirror of X,
which is its own inverse and is what UniVRM applies to VRM 1.0 models:

- position (x, y, z) <-> (-x, y, z)
- quaternion (x, y, z, w) <-> (x, -y, -z, w): a reflection keeps the angle and maps the axis to
  minus its mirror image.

Unity Euler angles (degrees, composed as Y * X * Z like `quat_from_euler`) then read as: x nods
down (our pitch), y turns to the avatar's right (minus our yaw), z tips the head towards the
avatar's left (minus our roll).
"""

from __future__ import annotations

import math

import numpy as np

from ..rig.transforms import quat_from_euler, quat_to_euler


def position(p) -> np.ndarray:
    """glTF <-> Unity position (the same map both ways)."""
    return np.array([-p[0], p[1], p[2]], float)


def rotation(q) -> np.ndarray:
    """glTF <-> Unity quaternion (x, y, z, w) (the same map both ways)."""
    return np.array([q[0], -q[1], -q[2], q[3]], float)


def euler_to_quat(x: float, y: float, z: float) -> np.ndarray:
    """Unity Euler degrees -> glTF quaternion."""
    return quat_from_euler(-math.radians(y), math.radians(x), -math.radians(z))


def quat_to_euler_degrees(q) -> tuple[float, float, float]:
    """glTF quaternion -> Unity Euler degrees (x, y, z)."""
    yaw, pitch, roll = quat_to_euler(q)
    return math.degrees(pitch), -math.degrees(yaw), -math.degrees(roll)


def eye_to_angles(x: float, y: float) -> tuple[float, float]:
    """A Unity eye's Euler degrees (x down, y to the avatar's right) -> FaceFrame (yaw, pitch) radians."""
    return -math.radians(y), math.radians(x)


def eye_from_angles(yaw: float, pitch: float) -> tuple[float, float]:
    """FaceFrame (yaw, pitch) radians -> a Unity eye's Euler degrees (x, y)."""
    return math.degrees(pitch), -math.degrees(yaw)
