"""What a viewer sees of a humanoid: rendered full length over a flat colour (real EGL), a
T-pose and an A-pose avatar both stand with their hands down, not spread in a T."""

import numpy as np
import pytest

from engine.renderer.renderer import Renderer
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from humanoid_fixtures import build_humanoid
from render_helpers import gl  # noqa: F401  (the shared EGL context fixture)

BACKGROUND = (0.2, 0.6, 0.3)


def _silhouette(image: np.ndarray) -> tuple[float, float]:
    """(width, height) in pixels of everything that is not the flat background."""
    flat = np.array(BACKGROUND) * 255
    figure = np.abs(image[..., :3].astype(float) - flat).max(axis=2) > 12
    rows, cols = np.flatnonzero(figure.any(1)), np.flatnonzero(figure.any(0))
    return float(cols[-1] - cols[0] + 1), float(rows[-1] - rows[0] + 1)


@pytest.mark.parametrize("naming, pose", [("mixamo", "T"), ("rpm", "A"), ("vroid", "T")])
def test_a_humanoid_stands_with_its_hands_below_its_shoulders(gl, tmp_path, naming, pose):  # noqa: F811
    avatar = load_avatar(build_humanoid(tmp_path, naming=naming, pose=pose, vrm="1.0" if naming == "vroid" else None))
    shapes = {}
    for mode in ("bind", "relaxed"):
        rig = Rig(avatar, pose=mode)
        with Renderer(avatar, (240, 320), framing="full", ctx=gl, rig=rig, background=BACKGROUND) as r:
            rest = rig.rest_pose()
            shapes[mode] = _silhouette(r.render(rest))
            joints = {b: rest.world[rig.humanoid.found[b], :3, 3] for b in
                      ("leftUpperArm", "rightUpperArm", "leftHand", "rightHand")}
            pixels = {b: r.project(p[None])[0] for b, p in joints.items()}
        if mode == "relaxed":  # image rows grow downwards
            for side in ("left", "right"):
                assert pixels[f"{side}Hand"][1] > pixels[f"{side}UpperArm"][1] + 20
    width, height = shapes["relaxed"]
    assert width < 0.5 * height
    if pose == "T":
        bind_width, bind_height = shapes["bind"]
        assert bind_width > 0.7 * bind_height  # the file itself stands in a T
