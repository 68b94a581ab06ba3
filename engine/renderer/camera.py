"""An orbit camera: a target, a distance and yaw/pitch around it, with a perspective lens.

Yaw 0 and pitch 0 look at the avatar's face: glTF avatars face +Z, so the camera sits on
the +Z side looking down -Z, and the avatar's left (+X) appears on the viewer's right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Vertical field of view: a longish portrait lens flatters faces (no big-nose distortion).
PORTRAIT_FOV_Y = math.radians(22.0)


@dataclass
class Camera:
    target: np.ndarray = field(default_factory=lambda: np.zeros(3))
    distance: float = 2.0
    yaw: float = 0.0  # radians, positive orbits towards the avatar's left (+X)
    pitch: float = 0.0  # radians, positive looks from above
    fov_y: float = PORTRAIT_FOV_Y
    aspect: float = 1.0
    reach: float = 1.0  # how far from the target anything drawn can be; sets near and far

    @property
    def near(self) -> float:
        return max(self.distance - self.reach, self.distance * 0.01)

    @property
    def far(self) -> float:
        return self.distance + self.reach

    def camera_to_world(self) -> np.ndarray:
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        back = np.array([sy * cp, sp, cy * cp])  # camera +Z: from the target towards the eye
        right = np.array([cy, 0.0, -sy])
        up = np.cross(back, right)
        m = np.eye(4)
        m[:3, 0], m[:3, 1], m[:3, 2] = right, up, back
        m[:3, 3] = np.asarray(self.target, np.float64) + self.distance * back
        return m

    @property
    def position(self) -> np.ndarray:
        return self.camera_to_world()[:3, 3]

    def view(self) -> np.ndarray:
        return np.linalg.inv(self.camera_to_world())

    def projection(self) -> np.ndarray:
        f = 1.0 / math.tan(self.fov_y / 2.0)
        n, fa = self.near, self.far
        return np.array(
            [
                [f / self.aspect, 0.0, 0.0, 0.0],
                [0.0, f, 0.0, 0.0],
                [0.0, 0.0, (fa + n) / (n - fa), 2.0 * fa * n / (n - fa)],
                [0.0, 0.0, -1.0, 0.0],
            ]
        )

    def view_projection(self) -> np.ndarray:
        return self.projection() @ self.view()

    def orbit(self, d_yaw: float, d_pitch: float) -> None:
        self.yaw += d_yaw
        self.pitch = float(np.clip(self.pitch + d_pitch, -1.45, 1.45))

    def zoom(self, factor: float) -> None:
        self.distance = float(np.clip(self.distance * factor, self.reach * 0.05, self.reach * 50.0))

    def fit(self, box_min: np.ndarray, box_max: np.ndarray, margin: float = 1.1) -> None:
        """Aims at a box from the front and backs off until it fills the frame (with margin)."""
        box_min, box_max = np.asarray(box_min, float), np.asarray(box_max, float)
        center, half = (box_min + box_max) / 2.0, (box_max - box_min) / 2.0
        t = math.tan(self.fov_y / 2.0)
        self.target = center
        self.yaw = self.pitch = 0.0
        self.distance = max(half[1] / t, half[0] / (t * self.aspect), 1e-6) * margin + half[2]
