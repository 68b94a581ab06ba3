"""The vertex shader's morphs and skinning give the CPU reference's positions and normals."""

from __future__ import annotations

import numpy as np
import pytest

from engine.rig.rig import Pose
from engine.rig.skeleton import evaluation_order, rest_local_matrices, world_matrices
from engine.rig.skinning import deform
from engine.rig.transforms import quat_from_axis_angle, quat_to_matrix3
from engine.renderer.renderer import Renderer
from render_helpers import face, gl, load_subject  # noqa: F401 (gl: fixture)
from synthetic_avatar import random_skinned_avatar

MODES = ["cpu", "texture"]


def _random_pose(avatar, seed=1) -> Pose:
    """Every joint turned up to 40 degrees about a random axis; one scaled unevenly, so the
    normals need the inverse transpose, not the matrix itself."""
    rng = np.random.default_rng(seed)
    local = rest_local_matrices(avatar)
    for i in range(len(avatar.skins[0].joints)):
        axis = rng.normal(size=3)
        local[i, :3, :3] = quat_to_matrix3(quat_from_axis_angle(axis, rng.uniform(-0.7, 0.7))) @ local[i, :3, :3]
    local[3, :3, :3] = local[3, :3, :3] @ np.diag([1.6, 0.7, 1.2])
    world = world_matrices(avatar, evaluation_order(avatar), local, np.empty_like(local))
    skins = [world[s.joints] @ s.inverse_bind for s in avatar.skins]
    return Pose([np.array([0.7, 0.3, 1.0], np.float32)], world, skins)


def _unit(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _compare(renderer, avatar, pose):
    for k, draw in enumerate(renderer.gpu.draws):
        positions, normals = renderer.deformed(pose, k)
        ref_positions, ref_normals = deform(avatar, pose, draw.mesh, draw.prim_index, draw.node)
        scale = np.abs(ref_positions).max()
        assert np.abs(positions - ref_positions).max() <= 1e-5 * max(scale, 1.0), avatar.meshes[draw.mesh].name
        if ref_normals is not None:
            assert np.abs(_unit(normals) - ref_normals).max() <= 1e-4, avatar.meshes[draw.mesh].name


@pytest.mark.parametrize("mode", MODES)
def test_eight_influences_and_morphs_match_the_cpu_reference(gl, mode):
    avatar = random_skinned_avatar()
    assert avatar.meshes[0].primitives[0].joints.shape[1] == 8
    with Renderer(avatar, (32, 32), ctx=gl, morph_mode=mode) as r:
        _compare(r, avatar, _random_pose(avatar))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["synthetic", "mascot"])
def test_posed_faces_match_the_cpu_reference(gl, mode, name):
    avatar, rig = load_subject(name)
    pose = rig.apply(face({"jawOpen": 0.8, "eyeBlinkLeft": 0.5, "mouthSmileLeft": 0.7}, yaw=25.0))
    with Renderer(avatar, (32, 32), ctx=gl, rig=rig, morph_mode=mode) as r:
        _compare(r, avatar, pose)
