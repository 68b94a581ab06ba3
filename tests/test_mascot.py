"""The shipped mascots (engine.rig.MASCOT, "Mia", and MASCOT_M): valid glTF, complete, and
their shapes behave. Their bodies and arms are tested in test_mascot_body.py.

Geometry checks read the committed files through the engine's own loader; regenerating them
(a few seconds each) is in the slow suite.
"""

from __future__ import annotations

import numpy as np
import pytest

from gltf_fixtures import khronos_issues

from engine.arkit import NAMES
from engine.rig import MASCOT, MASCOT_M
from engine.rig.gltf import load_avatar
from engine.rig.mascot_layout import MOUTH

JOINTS = ("root", "hips", "spine", "chest", "upperChest", "neck", "head", "jaw", "leftEye", "rightEye")
VARIANTS = {"mascot": MASCOT, "mascot-m": MASCOT_M}


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request):
    path = VARIANTS[request.param]
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `python -m engine.rig.mascot`")
    return request.param


@pytest.fixture(scope="module")
def avatar(variant):
    return load_avatar(VARIANTS[variant])


def _mesh(avatar, name):
    return next(m for m in avatar.meshes if m.name == name)


def _rest(avatar, name) -> np.ndarray:
    return _mesh(avatar, name).primitives[0].positions.astype(np.float64)


def _posed(avatar, name, weights: dict[str, float]) -> np.ndarray:
    mesh = _mesh(avatar, name)
    prim = mesh.primitives[0]
    v = prim.positions.astype(np.float64).copy()
    for target, w in weights.items():
        if target in mesh.target_names:
            v += w * prim.targets[mesh.target_names.index(target)].positions
    return v


def _joint(avatar, name) -> np.ndarray:
    """World position of a joint (the mascot's joints are unrotated at rest)."""
    i = avatar.node_index(name)
    p = np.zeros(3)
    while i is not None:
        node = avatar.nodes[i]
        assert np.allclose(node.rotation, [0, 0, 0, 1]), f"{node.name} is rotated at rest"
        p += node.translation
        i = node.parent
    return p


# -- the file ----------------------------------------------------------------------------------

def test_passes_the_khronos_validator(variant):
    issues = khronos_issues(VARIANTS[variant])
    assert issues["numErrors"] == 0, [m for m in issues["messages"] if m["severity"] == 0]
    assert issues["numWarnings"] == 0, issues["messages"][:10]


def test_has_all_52_arkit_shapes_and_only_arkit_names(avatar):
    assert set(_mesh(avatar, "face").target_names) == set(NAMES)
    for mesh in avatar.meshes:
        assert set(mesh.target_names) <= set(NAMES), mesh.name
        assert len(set(mesh.target_names)) == len(mesh.target_names), mesh.name


def test_skeleton_has_the_named_joints_in_a_chain(avatar):
    (skin,) = avatar.skins
    names = [avatar.nodes[j].name for j in skin.joints]
    assert set(JOINTS) <= set(names)
    parent = {avatar.nodes[j].name: avatar.nodes[avatar.nodes[j].parent].name
              for j in skin.joints if avatar.nodes[j].parent is not None}
    assert {k: v for k, v in parent.items() if k in JOINTS} == {
        "hips": "root", "spine": "hips", "chest": "spine", "upperChest": "chest", "neck": "upperChest",
        "head": "neck", "jaw": "head", "leftEye": "head", "rightEye": "head"}
    assert _joint(avatar, "leftEye")[0] > 0 > _joint(avatar, "rightEye")[0], "left is the avatar's +X"
    assert 1.3 < _joint(avatar, "head")[1] < 1.8


def test_vertex_budget_and_head_size(avatar):
    total = sum(p.vertex_count for m in avatar.meshes for p in m.primitives)
    assert 10_000 <= total <= 45_000  # 720p on llvmpipe within 10% of the armless mascot's fps
    face = _rest(avatar, "face")
    head = face[face[:, 1] > _joint(avatar, "head")[1] - 0.05]
    assert 0.2 < np.ptp(head[:, 1]) < 0.3, "about 0.25 m from chin to crown"
    assert face[:, 2].max() == pytest.approx(face[np.abs(face[:, 0]) < 0.02, 2].max()), "faces +Z"


def test_skin_weights_bind_each_part_to_its_joint(avatar):
    (skin,) = avatar.skins
    names = [avatar.nodes[j].name for j in skin.joints]
    for mesh in avatar.meshes:
        prim = mesh.primitives[0]
        assert np.allclose(prim.weights.sum(axis=1), 1.0, atol=1e-5), mesh.name
    for mesh, joint in (("eyeLeft", "leftEye"), ("eyeRight", "rightEye"), ("teethLower", "jaw"),
                        ("tongue", "jaw"), ("collar", "upperChest")):
        prim = _mesh(avatar, mesh).primitives[0]
        assert np.all(prim.weights[:, 0] == 1.0) and np.all(prim.joints[:, 0] == names.index(joint)), mesh
    face = _mesh(avatar, "face").primitives[0]
    head = names.index("head")
    on_head = np.where(face.joints == head, face.weights, 0.0).sum(axis=1)
    y = face.positions[:, 1]
    assert on_head[y > _joint(avatar, "head")[1] + 0.02].min() == 1.0
    neck = (y < _joint(avatar, "head")[1] - 0.02) & (y > _joint(avatar, "neck")[1])
    assert 0.0 < on_head[neck].mean() < 1.0, "the neck blends between head and spine"


# -- eyes --------------------------------------------------------------------------------------

def _angles(points, centre):
    q = points - centre
    return np.arctan2(q[:, 0], q[:, 2]), np.arctan2(q[:, 1], np.hypot(q[:, 0], q[:, 2])), np.linalg.norm(q, axis=1)


def _lid_gap(avatar, side: str, weights) -> float:
    """Smallest elevation gap (radians) between the upper lid's edge and the face's lower lid
    across the middle of the eye opening; negative when they overlap (closed)."""
    centre = _joint(avatar, f"{side}Eye")
    ball = np.linalg.norm(_rest(avatar, f"eye{side.title()}") - centre, axis=1).max()
    lid_az, lid_el, _ = _angles(_posed(avatar, f"lid{side.title()}", weights), centre)
    face_az, face_el, face_r = _angles(_posed(avatar, "face", weights), centre)
    rim = (face_r < ball + 0.012) & (face_el < 0.0)
    gaps = []
    for az in np.radians(np.linspace(-20, 20, 9)):
        lid_edge = lid_el[np.abs(lid_az - az) < np.radians(3)].min()
        lower_rim = face_el[rim & (np.abs(face_az - az) < np.radians(4))].max()
        gaps.append(lid_edge - lower_rim)
    return float(max(gaps))


def test_blink_closes_the_left_lid_and_leaves_the_right(avatar):
    assert _lid_gap(avatar, "left", {}) > np.radians(20), "the eye is open at rest"
    assert _lid_gap(avatar, "left", {"eyeBlinkLeft": 1.0}) <= 0.0, "the lids meet"
    assert _lid_gap(avatar, "right", {"eyeBlinkLeft": 1.0}) == pytest.approx(_lid_gap(avatar, "right", {}))
    assert "eyeBlinkLeft" not in _mesh(avatar, "lidRight").target_names


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_blink_never_cuts_into_the_eyeball(avatar, side):
    centre = _joint(avatar, f"{side}Eye")
    ball = np.linalg.norm(_rest(avatar, f"eye{side.title()}") - centre, axis=1).max()
    blink = f"eyeBlink{side.title()}"
    for w in np.linspace(0, 1, 11):
        for extra in ({}, {f"eyeLookDown{side.title()}": 1.0}, {f"eyeSquint{side.title()}": 1.0}):
            lid = _posed(avatar, f"lid{side.title()}", {blink: w, **extra})
            assert np.linalg.norm(lid - centre, axis=1).min() > ball, (w, extra)


# -- mouth -------------------------------------------------------------------------------------

def _lips_front(avatar) -> float:
    face = _rest(avatar, "face")
    return float(face[(np.abs(face[:, 0]) < 0.01) & (np.abs(face[:, 1] - MOUTH.y0) < 0.01), 2].max())


def _lip_columns(avatar):
    """Face vertices on the lips' front near the middle, split into upper and lower lip."""
    face = _rest(avatar, "face")
    near = (np.abs(face[:, 0]) < 0.006) & (face[:, 2] > _lips_front(avatar) - 0.008)
    upper = near & (face[:, 1] > MOUTH.y0) & (face[:, 1] < MOUTH.y0 + 0.006)
    lower = near & (face[:, 1] < MOUTH.y0) & (face[:, 1] > MOUTH.y0 - 0.006)
    return upper, lower


def _lip_gap(avatar, weights) -> float:
    upper, lower = _lip_columns(avatar)
    posed = _posed(avatar, "face", weights)
    return float(posed[upper, 1].min() - posed[lower, 1].max())


def test_jaw_open_drops_the_chin_and_parts_the_lips(avatar):
    face = _rest(avatar, "face")
    d = _posed(avatar, "face", {"jawOpen": 1.0}) - face
    chin = (np.abs(face[:, 0]) < 0.01) & (face[:, 1] < MOUTH.y0 - 0.025) & (face[:, 2] > 0.05)
    assert d[chin, 1].mean() < -0.015, "the chin drops by centimetres"
    assert np.abs(d[face[:, 1] > _joint(avatar, "leftEye")[1]]).max() < 1e-6, "nothing above the eyes moves"
    assert _lip_gap(avatar, {}) < 0.002, "lips meet at rest"
    assert _lip_gap(avatar, {"jawOpen": 1.0}) > 0.02
    teeth = _posed(avatar, "teethLower", {"jawOpen": 1.0}) - _rest(avatar, "teethLower")
    assert teeth[:, 1].mean() < -0.015, "the lower teeth ride the jaw"


def test_mouth_close_seals_the_lips_over_an_open_jaw(avatar):
    assert _lip_gap(avatar, {"jawOpen": 1.0, "mouthClose": 1.0}) < 0.002
    face = _rest(avatar, "face")
    chin = (np.abs(face[:, 0]) < 0.01) & (face[:, 1] < MOUTH.y0 - 0.025) & (face[:, 2] > 0.05)
    sealed = _posed(avatar, "face", {"jawOpen": 1.0, "mouthClose": 1.0}) - face
    opened = _posed(avatar, "face", {"jawOpen": 1.0}) - face
    assert sealed[chin, 1].mean() < 0.8 * opened[chin, 1].mean() < -0.01, "the jaw stays dropped"


def test_smile_left_raises_the_left_corner_only(avatar):
    face = _rest(avatar, "face")
    d = _posed(avatar, "face", {"mouthSmileLeft": 1.0}) - face
    corner_y = MOUTH.parting(np.array(MOUTH.half_width))
    for side, moved in ((+1, True), (-1, False)):
        near = (np.abs(face[:, 0] - side * MOUTH.half_width) < 0.004) & (np.abs(face[:, 1] - corner_y) < 0.004)
        corner = near & (face[:, 2] > face[near, 2].max() - 0.004)
        assert corner.sum() > 3
        if moved:
            assert d[corner, 1].mean() > 0.005
        else:
            assert np.abs(d[corner]).max() < 1e-4


def test_tongue_out_reaches_past_the_lips(avatar):
    lips_front = _lips_front(avatar)
    assert _rest(avatar, "tongue")[:, 2].max() < lips_front - 0.01
    assert _posed(avatar, "tongue", {"tongueOut": 1.0})[:, 2].max() > lips_front + 0.005


def test_teeth_and_tongue_stay_inside_the_closed_mouth(avatar):
    lips_front = _lips_front(avatar)
    for name in ("teethUpper", "teethLower", "tongue"):
        assert _rest(avatar, name)[:, 2].max() < lips_front - 0.005, name


# -- shapes in general -------------------------------------------------------------------------

def test_every_shape_moves_something_visibly_and_mirrors_its_twin(avatar):
    face = _mesh(avatar, "face")
    rest = face.primitives[0].positions
    for i, name in enumerate(face.target_names):
        d = face.primitives[0].targets[i].positions
        visible = 0.001 if name.startswith("eyeLook") else 0.002  # the eyeballs do the looking
        assert np.linalg.norm(d, axis=1).max() > visible, f"{name} barely moves"
        if name.endswith("Left"):
            twin = face.primitives[0].targets[face.target_names.index(name[:-4] + "Right")].positions
            # the mirror image of the left shape's biggest move appears on the right side
            k = np.argmax(np.linalg.norm(d, axis=1))
            mirrored = rest[k] * [-1, 1, 1]
            j = np.argmin(np.linalg.norm(rest - mirrored, axis=1))
            if np.linalg.norm(rest[j] - mirrored) < 0.003:
                assert np.allclose(twin[j], d[k] * [-1, 1, 1], atol=0.002), name


@pytest.mark.slow
def test_regenerating_writes_the_same_bytes(variant):
    from engine.rig.mascot import build, to_glb
    from engine.rig.mascot_layout import LOOKS

    look = LOOKS[variant]
    assert to_glb(*build(look), variant) == to_glb(*build(look), variant)


@pytest.mark.slow
def test_the_committed_file_is_up_to_date(tmp_path, variant):
    from engine.rig.mascot import main

    out = tmp_path / "mascot.glb"
    assert main(["--look", variant, "-o", str(out)]) == 0
    fresh = load_avatar(out)
    shipped = load_avatar(VARIANTS[variant])
    for a, b in zip(fresh.meshes, shipped.meshes, strict=True):
        assert a.name == b.name and a.target_names == b.target_names
        pa, pb = a.primitives[0], b.primitives[0]
        assert np.allclose(pa.positions, pb.positions, atol=1e-6), a.name
        for ta, tb in zip(pa.targets, pb.targets, strict=True):
            assert np.allclose(ta.positions, tb.positions, atol=1e-6), a.name
