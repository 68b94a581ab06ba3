"""Rendered images, checked: faces move where they should, materials draw as glTF says."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.renderer.renderer import Renderer
from engine.rig.asset import Avatar, Material, Mesh, Node, Primitive
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from gltf_fixtures import all_fixture_builders
from render_helpers import diff, disc, eye_pixels, gl, load_subject, shot  # noqa: F401 (gl: fixture)

SUBJECTS = ["synthetic", "mascot"]


@pytest.fixture(scope="module", params=SUBJECTS)
def subject(request):
    return load_subject(request.param)


def test_jaw_open_changes_the_mouth_and_nothing_far_from_the_face(gl, subject):
    avatar, rig = subject
    with Renderer(avatar, (320, 320), framing="bust", ctx=gl, rig=rig) as r:
        changed = diff(shot(r, rig), shot(r, rig, {"jawOpen": 1.0}))
        left, right = eye_pixels(r, rig)
    spacing = abs(left[0] - right[0])
    mouth_centre = ((left[0] + right[0]) / 2, (left[1] + right[1]) / 2 + 1.3 * spacing)
    mouth = disc(changed.shape, mouth_centre, 0.9 * spacing)
    assert (changed[mouth] > 40).mean() > 0.1, "jawOpen barely changes the mouth region"
    far = ~disc(changed.shape, mouth_centre, 3.0 * spacing)
    assert far.sum() > 0.15 * far.size
    assert changed[far].max() <= 2, "jawOpen changes pixels far from the face"


def test_eye_blink_left_closes_the_subjects_left_eye(gl, subject):
    avatar, rig = subject
    with Renderer(avatar, (320, 320), framing="head", ctx=gl, rig=rig) as r:
        changed = diff(shot(r, rig), shot(r, rig, {"eyeBlinkLeft": 1.0}))
        left, right = eye_pixels(r, rig)
    assert left[0] > right[0], "the subject's left eye should be on the viewer's right"
    radius = 0.35 * abs(left[0] - right[0])
    assert changed[disc(changed.shape, left, radius)].mean() > 20, "the left eye did not change"
    assert changed[disc(changed.shape, right, radius)].max() <= 2, "the right eye changed too"


def _eye_column(r, rig, yaw: float) -> float:
    """Mean x of the pixels a blink of both eyes changes: where the eyes are in the image."""
    changed = diff(shot(r, rig, yaw=yaw), shot(r, rig, {"eyeBlinkLeft": 1, "eyeBlinkRight": 1}, yaw=yaw))
    ys, xs = np.nonzero(changed > 20)
    assert len(xs) > 20, "blinking changed almost nothing"
    return float(xs.mean())


def test_head_yaw_turns_the_head_to_the_avatars_left(gl, subject):
    avatar, rig = subject
    with Renderer(avatar, (320, 320), framing="head", ctx=gl, rig=rig) as r:
        left, right = eye_pixels(r, rig)
        spacing = abs(left[0] - right[0])
        straight = _eye_column(r, rig, 0.0)
        # The avatar's left is the viewer's right: its eyes move to larger x.
        assert _eye_column(r, rig, 30.0) > straight + 0.25 * spacing
        assert _eye_column(r, rig, -30.0) < straight - 0.25 * spacing


def test_renders_are_deterministic(gl):
    avatar, rig = load_subject("synthetic")
    weights = {"jawOpen": 0.6, "eyeBlinkRight": 0.4}
    with Renderer(avatar, (200, 150), ctx=gl, rig=rig) as r:
        first = shot(r, rig, weights, yaw=12.0)
        shot(r, rig)
        again = shot(r, rig, weights, yaw=12.0)
    with Renderer(avatar, (200, 150), ctx=gl, rig=rig) as r:
        fresh = shot(r, rig, weights, yaw=12.0)
    assert np.array_equal(first, again)
    assert np.array_equal(first, fresh)


def test_cpu_and_texture_morphs_draw_the_same_image(gl):
    avatar, rig = load_subject("synthetic")
    weights = {"jawOpen": 0.7, "eyeBlinkLeft": 0.5, "mouthSmileLeft": 1.0}
    images = []
    for mode in ("cpu", "texture"):
        with Renderer(avatar, (200, 150), ctx=gl, rig=rig, morph_mode=mode) as r:
            images.append(shot(r, rig, weights))
    assert diff(*images).max() <= 2


def test_more_than_a_hundred_targets_all_active(gl):
    from synthetic_avatar import dense_avatar

    avatar = dense_avatar(vertices=4000, targets=124)
    rig = Rig(avatar)
    with Renderer(avatar, (128, 128), framing="full", ctx=gl, rig=rig) as r:
        pose = rig.rest_pose()
        rest = r.render(pose)
        last_only = pose.morph_weights[0].copy()
        last_only[-1] = 1.0
        pose.morph_weights[0] = last_only
        assert diff(rest, r.render(pose)).max() > 20, "target 124 had no effect"
        pose.morph_weights[0] = np.ones(124, np.float32)
        assert diff(rest, r.render(pose)).max() > 20


# -- materials, on quads built by hand ------------------------------------------------------

QUAD = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], np.float32)
FRONT = np.array([[0, 1, 2], [0, 2, 3]], np.uint32)  # counter-clockwise seen from +Z
BACK = FRONT[:, ::-1].copy()


def _quads(*layers) -> Avatar:
    """One quad per (z, material, winding, size); listed first means drawn first unless sorted."""
    nodes, meshes, materials = [], [], []
    for k, (z, material, winding, size) in enumerate(layers):
        normals = np.tile([0, 0, 1 if winding is FRONT else -1], (4, 1)).astype(np.float32)
        meshes.append(Mesh(f"q{k}", [Primitive(QUAD * size, winding, normals=normals, material=k)]))
        materials.append(material)
        nodes.append(Node(f"q{k}", mesh=k, translation=np.array([0.0, 0.0, z])))
    return Avatar("<quads>", nodes, meshes, materials=materials, scene_roots=list(range(len(nodes))))


def _centre(gl, avatar, background=(0.0, 0.0, 0.0)) -> np.ndarray:
    with Renderer(avatar, (64, 64), framing="full", ctx=gl, background=background) as r:
        return r.render(Rig(avatar).rest_pose())[32, 32].astype(int)


def _unlit(rgba, **fields) -> Material:
    return Material("m", base_color=np.array(rgba, float), unlit=True, **fields)


def test_unlit_colour_is_encoded_to_srgb(gl):
    pixel = _centre(gl, _quads((0.0, _unlit([0.5, 0.2, 0.0, 1.0]), FRONT, 1.0)))
    assert np.abs(pixel - [188, 124, 0]).max() <= 1  # sRGB(0.5) = 0.735, sRGB(0.2) = 0.485


def test_base_colour_textures_are_srgb(gl):
    import io

    from engine.rig.asset import Image as AvatarImage, TextureRef

    png = io.BytesIO()
    Image.fromarray(np.full((4, 4, 3), (128, 64, 200), np.uint8)).save(png, "PNG")
    uv = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)
    prim = Primitive(QUAD, FRONT, texcoords=[uv], material=0)
    mat = _unlit([1.0, 1.0, 1.0, 1.0], base_color_texture=TextureRef(image=0))
    avatar = Avatar("<tex>", [Node("q", mesh=0)], [Mesh("q", [prim])], materials=[mat],
                    images=[AvatarImage("t", png.getvalue(), "image/png")], scene_roots=[0])
    # Decoded to linear on sampling and encoded back on output: the texel comes out unchanged.
    assert np.abs(_centre(gl, avatar) - [128, 64, 200]).max() <= 1


def test_blend_is_drawn_after_opaque_and_mixes(gl):
    glass = _unlit([0.0, 0.0, 1.0, 0.5], alpha_mode="BLEND")
    wall = _unlit([1.0, 0.0, 0.0, 1.0])
    pixel = _centre(gl, _quads((0.1, glass, FRONT, 0.5), (0.0, wall, FRONT, 1.0)))
    assert pixel[0] > 100 and pixel[2] > 100, f"expected red seen through blue glass, got {pixel}"


def test_transparent_draws_go_back_to_front(gl):
    near = _unlit([0.0, 0.0, 1.0, 0.5], alpha_mode="BLEND")
    far = _unlit([1.0, 0.0, 0.0, 0.5], alpha_mode="BLEND")
    pixel = _centre(gl, _quads((0.2, near, FRONT, 0.5), (0.0, far, FRONT, 1.0)))
    assert pixel[2] > pixel[0] > 30, f"the near (blue) layer should end on top, got {pixel}"


def test_mask_discards_below_the_cutoff(gl):
    hole = _unlit([0.0, 1.0, 0.0, 0.2], alpha_mode="MASK", alpha_cutoff=0.5)
    solid = _unlit([0.0, 1.0, 0.0, 0.8], alpha_mode="MASK", alpha_cutoff=0.5)
    assert _centre(gl, _quads((0.0, hole, FRONT, 1.0))).max() == 0
    assert np.array_equal(_centre(gl, _quads((0.0, solid, FRONT, 1.0))), [0, 255, 0])


def test_back_faces_are_culled_unless_double_sided(gl):
    one_sided = _unlit([1.0, 1.0, 0.0, 1.0])
    two_sided = _unlit([1.0, 1.0, 0.0, 1.0], double_sided=True)
    assert _centre(gl, _quads((0.0, one_sided, BACK, 1.0))).max() == 0
    assert np.array_equal(_centre(gl, _quads((0.0, two_sided, BACK, 1.0))), [255, 255, 0])


def test_lit_faces_are_neither_black_nor_blown_out(gl):
    skin = Material("skin", base_color=np.array([0.8, 0.5, 0.4, 1.0]), metallic=0.0, roughness=0.6)
    pixel = _centre(gl, _quads((0.0, skin, FRONT, 1.0)))
    assert 120 < pixel[0] < 250 and pixel[0] > pixel[1] > pixel[2], pixel


def _bump_map(size: int = 64) -> bytes:
    """A PNG normal map of one dome filling the texture (tangent space, +Y up the image)."""
    import io

    yy, xx = (np.mgrid[:size, :size] + 0.5) / size - 0.5
    height = np.sqrt(np.maximum(0.2 - xx**2 - yy**2, 0.01))
    normal = np.stack([xx / height, -yy / height, np.ones_like(xx)], -1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    out = io.BytesIO()
    Image.fromarray(((normal * 0.5 + 0.5) * 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def test_normal_maps_with_and_without_tangents_agree(gl):
    from engine.rig.asset import Image as AvatarImage, TextureRef

    uv = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)
    normals = np.tile([0, 0, 1], (4, 1)).astype(np.float32)
    images = []
    for tangents in (None, np.tile([1, 0, 0, 1], (4, 1)).astype(np.float32)):
        mat = Material("bump", base_color=np.array([0.8, 0.8, 0.8, 1.0]), metallic=0.0,
                       normal_texture=TextureRef(image=0))
        prim = Primitive(QUAD, FRONT, normals=normals, tangents=tangents, texcoords=[uv], material=0)
        avatar = Avatar("<bump>", [Node("q", mesh=0)], [Mesh("q", [prim])], materials=[mat],
                        images=[AvatarImage("n", _bump_map(), "image/png")], scene_roots=[0])
        with Renderer(avatar, (96, 96), framing="full", ctx=gl) as r:
            images.append(r.render(Rig(avatar).rest_pose()).astype(int))
    derived, given = images
    assert np.abs(derived - given).mean() < 3
    # The key light comes from the upper left: a dome is brighter there than lower right.
    assert given[30, 30].sum() > given[66, 66].sum() + 60


def test_background_colour_and_image(gl, tmp_path):
    avatar, rig = load_subject("synthetic")
    with Renderer(avatar, (80, 60), ctx=gl, rig=rig, background=(1.0, 0.5, 0.0)) as r:
        # 0.5 lands between two 8-bit levels: drivers round it either way.
        assert np.abs(r.render(rig.rest_pose())[0, 0].astype(int) - [255, 128, 0]).max() <= 1
    picture = np.zeros((30, 40, 3), np.uint8)
    picture[:, :20] = (0, 200, 0)
    picture[:, 20:] = (200, 0, 200)
    path = tmp_path / "bg.png"
    Image.fromarray(picture).save(path)
    with Renderer(avatar, (80, 60), ctx=gl, rig=rig, background=path) as r:
        image = r.render(rig.rest_pose())
    assert np.array_equal(image[0, 0], [0, 200, 0]) and np.array_equal(image[-1, 0], [0, 200, 0])
    assert np.array_equal(image[0, -1], [200, 0, 200])


@pytest.mark.parametrize("name,build", all_fixture_builders(), ids=[n for n, _ in all_fixture_builders()])
def test_every_test_gltf_renders(gl, tmp_path, name, build):
    avatar = load_avatar(build(tmp_path))
    rig = Rig(avatar)
    with Renderer(avatar, (96, 72), framing="full", ctx=gl, rig=rig, background=(0.0, 0.0, 0.0)) as r:
        front = r.render(rig.rest_pose())
        r.camera.orbit(np.pi, 0.0)  # single-sided test quads may face the other way (VRM 0.x)
        back = r.render(rig.rest_pose())
    assert front.shape == (72, 96, 3)
    seen = max((front.max(axis=2) > 0).mean(), (back.max(axis=2) > 0).mean())
    assert seen > 0.05, "nothing visible was drawn"


def test_vrm0_avatars_are_seen_from_their_face(gl, tmp_path):
    from gltf_fixtures import build_vrm0

    avatar = load_avatar(build_vrm0(tmp_path))
    with Renderer(avatar, (32, 32), ctx=gl) as r:
        assert r.camera.position[2] < r.camera.target[2], "VRM 0.x faces -Z: the camera goes there"
        r.camera.orbit(1.0, 0.5)
        r.reset_camera()
        assert r.camera.position[2] < r.camera.target[2]
