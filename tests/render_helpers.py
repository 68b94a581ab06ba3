"""Shared fixtures and measurements for the renderer's tests."""

from __future__ import annotations

import numpy as np
import pytest

from engine.frame import FaceFrame
from engine.rig import MASCOT
from engine.rig.rig import Rig
from engine.rig.transforms import quat_from_euler

MASCOT_MISSING = "avatars_gltf/mascot.glb is not built yet (python -m engine.rig.mascot)"


@pytest.fixture(scope="module")
def gl():
    """One headless EGL context per test module (creating one costs tens of milliseconds)."""
    from engine.renderer.platform import HeadlessPlatform

    platform = HeadlessPlatform()
    yield platform.ctx
    platform.close()


def load_subject(name: str):
    """(avatar, rig) of a test face: the numpy-built one, or the shipped mascot."""
    if name == "synthetic":
        from synthetic_avatar import face_avatar

        avatar = face_avatar()
    else:
        if not MASCOT.is_file():
            pytest.skip(MASCOT_MISSING)
        from engine.rig.gltf import load_avatar

        avatar = load_avatar(MASCOT)
    return avatar, Rig(avatar)


def face(weights: dict[str, float] | None = None, yaw: float = 0.0) -> FaceFrame:
    return FaceFrame.from_named(0.0, weights or {}, head_rotation=quat_from_euler(np.radians(yaw), 0.0, 0.0))


def shot(renderer, rig, weights=None, yaw=0.0) -> np.ndarray:
    return renderer.render(rig.apply(face(weights, yaw)))


def eye_pixels(renderer, rig, yaw=0.0) -> np.ndarray:
    """Pixel positions of the left and right eye joints, rows (left, right)."""
    pose = rig.apply(face(yaw=yaw))
    centres = [pose.world[rig.roles[role]][:3, 3] for role in ("leftEye", "rightEye")]
    return renderer.project(np.array(centres))


def diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel largest channel difference, 0..255."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)


def disc(shape, centre, radius) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 <= radius**2
