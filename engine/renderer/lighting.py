"""A portrait light rig: warm key, cool fill, rim and a sky/ground ambient.

Directions are given in camera space (x right, y up, z towards the viewer) so the face stays
well lit as the camera orbits; colours are linear and already divided by pi (see the
fragment shader).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .shaders import set_uniforms


def _unit(*v: float) -> np.ndarray:
    a = np.array(v, np.float64)
    return a / np.linalg.norm(a)


@dataclass
class LightRig:
    key_direction: np.ndarray = field(default_factory=lambda: _unit(-0.55, 0.55, 0.75))
    key_color: np.ndarray = field(default_factory=lambda: np.array([1.25, 1.12, 0.98]))
    fill_direction: np.ndarray = field(default_factory=lambda: _unit(0.8, 0.1, 0.6))
    fill_color: np.ndarray = field(default_factory=lambda: np.array([0.14, 0.17, 0.24]))
    rim_direction: np.ndarray = field(default_factory=lambda: _unit(0.3, 0.6, -1.0))
    rim_color: np.ndarray = field(default_factory=lambda: np.array([0.9, 0.92, 1.05]))
    sky_color: np.ndarray = field(default_factory=lambda: np.array([0.24, 0.26, 0.32]))
    ground_color: np.ndarray = field(default_factory=lambda: np.array([0.09, 0.07, 0.07]))
    wrap: float = 0.45
    terminator_tint: np.ndarray = field(default_factory=lambda: np.array([0.85, 0.45, 0.4]))

    def apply(self, program, camera_to_world: np.ndarray) -> None:
        """Sets the light uniforms for a camera whose rotation is `camera_to_world[:3, :3]`."""
        rotation = camera_to_world[:3, :3]
        set_uniforms(
            program,
            u_key_direction=rotation @ self.key_direction,
            u_key_color=self.key_color,
            u_fill_direction=rotation @ self.fill_direction,
            u_fill_color=self.fill_color,
            u_rim_direction=rotation @ self.rim_direction,
            u_rim_color=self.rim_color,
            u_sky_color=self.sky_color,
            u_ground_color=self.ground_color,
            u_wrap=self.wrap,
            u_terminator_tint=self.terminator_tint,
        )
