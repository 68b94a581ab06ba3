"""The glTF/GLB/VRM loader: every accessor form and feature it reads, and every file it refuses."""

import json
import os
import random
import struct
import tracemalloc

import gltf_fixtures as fx
import numpy as np
import pygltflib
import pytest
from gltf_fixtures import GltfBuilder, edit_json, glb_bytes

from engine.rig.gltf import reader as gltf_reader
from engine.rig.asset import AvatarError
from engine.rig.gltf import load_avatar

TRI = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)


def tri_builder(**prim) -> GltfBuilder:
    """A one-triangle document, open for tests to bend."""
    b = GltfBuilder()
    b.node(mesh=b.mesh([{"attributes": {"POSITION": TRI}, **prim}]))
    return b


def refused(path, where: str, *words: str) -> AvatarError:
    with pytest.raises(AvatarError) as info:
        load_avatar(path)
    err = info.value
    assert err.where == where, str(err)
    assert err.path == str(path)
    for word in words:
        assert word in err.reason, str(err)
    return err


# ---- files that load --------------------------------------------------------------------------


def test_every_valid_fixture_loads_without_warnings(tmp_path):
    for name, build in fx.FIXTURES:
        avatar = load_avatar(build(tmp_path))
        assert avatar.meshes and avatar.nodes, name
        assert avatar.warnings == [], name
        for mesh in avatar.meshes:
            for prim in mesh.primitives:
                assert prim.positions.dtype == np.float32 and prim.positions.shape[1] == 3
                assert prim.indices.dtype == np.uint32 and prim.indices.shape[1] == 3
                assert len(prim.targets) == len(mesh.target_names)


def test_glb_triangle(tmp_path):
    avatar = load_avatar(fx.build_triangle(tmp_path))
    prim = avatar.meshes[0].primitives[0]
    np.testing.assert_array_equal(prim.positions, TRI)
    np.testing.assert_array_equal(prim.indices, [[0, 1, 2]])
    np.testing.assert_array_equal(prim.normals, np.tile([0, 0, 1], (3, 1)))
    assert avatar.meshes[0].name == "triangle" and avatar.nodes[0].mesh == 0
    assert avatar.scene_roots == [0]
    assert avatar.materials[prim.material].name == "red"
    np.testing.assert_array_equal(avatar.materials[0].base_color, [1, 0, 0, 1])
    with pytest.raises(ValueError):
        prim.positions[0, 0] = 5.0  # arrays may view the file's bytes: read-only


@pytest.mark.parametrize("build", [fx.build_external_gltf, fx.build_data_uri_gltf])
def test_textured_quad_from_external_files_and_data_uris(tmp_path, build):
    avatar = load_avatar(build(tmp_path))
    prim = avatar.meshes[0].primitives[0]
    np.testing.assert_array_equal(prim.positions, fx.QUAD_POSITIONS)
    np.testing.assert_array_equal(prim.texcoords[0], fx.QUAD_UV)
    np.testing.assert_array_equal(prim.indices, fx.QUAD_INDICES.reshape(-1, 3))
    ref = avatar.materials[0].base_color_texture
    assert ref.image == 0 and ref.texcoord == 0
    assert (ref.wrap_s, ref.wrap_t, ref.mag_filter, ref.min_filter) == (33071, 33648, 9728, 9729)
    np.testing.assert_array_equal(ref.transform, np.eye(3))
    image = avatar.images[0]
    assert image.mime_type == "image/png" and image.name == "checker"
    np.testing.assert_array_equal(image.decode(), fx.CHECKER)


@pytest.mark.filterwarnings("ignore:Conversion will leave")
def test_glb_written_by_pygltflib_itself(tmp_path):
    """pygltflib's own GLB writer; the image stays an external file beside it."""
    doc = pygltflib.GLTF2.load(str(fx.build_external_gltf(tmp_path)))
    doc.convert_buffers(pygltflib.BufferFormat.BINARYBLOB)
    doc.save_binary(str(tmp_path / "resaved.glb"))
    avatar = load_avatar(tmp_path / "resaved.glb")
    np.testing.assert_array_equal(avatar.meshes[0].primitives[0].texcoords[0], fx.QUAD_UV)
    np.testing.assert_array_equal(avatar.images[0].decode(), fx.CHECKER)


def test_quantized_interleaved_attributes_are_dequantized(tmp_path):
    avatar = load_avatar(fx.build_quantized(tmp_path))
    prim = avatar.meshes[0].primitives[0]
    np.testing.assert_allclose(prim.positions, [[-1, -1, 0], [1, -1, 0], [0, 1, 16384 / 32767]], rtol=1e-6)
    np.testing.assert_array_equal(prim.normals, [[0, 0, 1], [0, 0, 1], [-1, 0, 0]])  # -128 clamps to -1
    np.testing.assert_allclose(prim.texcoords[0], [[0, 1], [1, 1], [32768 / 65535, 0]], rtol=1e-6)
    np.testing.assert_array_equal(
        prim.colors, [[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1]]
    )  # VEC3 gains alpha 1
    np.testing.assert_array_equal(prim.indices, [[0, 1, 2]])
    assert avatar.extensions_used == ["KHR_mesh_quantization"]


@pytest.mark.parametrize(
    "dtype, normalized",
    [(d, False) for d in ("i1", "u1", "<i2", "<u2", "<u4", "<f4")]
    + [(d, True) for d in ("i1", "u1", "<i2", "<u2")],
)
def test_every_component_type(tmp_path, dtype, normalized):
    dtype = np.dtype(dtype)
    raw = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 100]], dtype)
    b = GltfBuilder()
    pos = b.accessor(raw, normalized=normalized)
    indices = np.array([0, 1, 2], dtype) if dtype.kind == "u" else None  # index types are unsigned
    b.node(mesh=b.mesh([{"attributes": {"POSITION": pos}, "indices": indices}]))
    prim = load_avatar(b.save(tmp_path / "c.glb")).meshes[0].primitives[0]
    scale = (2 ** (8 * dtype.itemsize - (dtype.kind == "i")) - 1) if normalized else 1
    np.testing.assert_allclose(prim.positions, raw.astype(np.float64) / scale, rtol=1e-6)
    np.testing.assert_array_equal(prim.indices, [[0, 1, 2]])


def test_byte_stride_wider_than_the_element(tmp_path):
    b = GltfBuilder()
    rows = np.zeros((3, 5), np.float32)  # 20-byte stride, 12 bytes used
    rows[:, :3] = TRI
    rows[:, 3:] = 99.0
    view = b.view(rows.tobytes(), stride=20)
    pos = b.accessor(TRI, view=view)
    uv = b.accessor(np.full((3, 2), 99.0, np.float32), view=view, offset=12)
    b.node(mesh=b.mesh([{"attributes": {"POSITION": pos, "TEXCOORD_0": uv}}]))
    prim = load_avatar(b.save(tmp_path / "s.gltf")).meshes[0].primitives[0]
    np.testing.assert_array_equal(prim.positions, TRI)
    np.testing.assert_array_equal(prim.texcoords[0], np.full((3, 2), 99.0))
    assert prim.positions.flags.c_contiguous


def test_morph_targets_dense_sparse_and_without_buffer_view(tmp_path):
    avatar = load_avatar(fx.build_morphs(tmp_path))
    mesh = avatar.meshes[0]
    assert mesh.target_names == fx.MORPH_NAMES
    np.testing.assert_array_equal(mesh.default_weights, [0.25, 0.0, 1.0])
    dense, sparse, over_base = mesh.primitives[0].targets
    np.testing.assert_array_equal(dense.positions, fx.MORPH_DENSE)
    np.testing.assert_array_equal(dense.normals, fx.QUAD_NORMALS * 0.5)
    np.testing.assert_allclose(dense.tangents, fx.MORPH_TANGENTS)
    expected = np.zeros((4, 3))
    expected[[1, 3]] = fx.MORPH_SPARSE_VALUES
    np.testing.assert_array_equal(sparse.positions, expected)
    assert sparse.normals is None and sparse.tangents is None
    expected = fx.MORPH_DENSE.copy()
    expected[0] = 5
    np.testing.assert_array_equal(over_base.positions, expected)
    np.testing.assert_array_equal(mesh.primitives[0].tangents, np.tile([1, 0, 0, 1], (4, 1)))


def test_target_names_from_the_first_primitive(tmp_path):
    b = tri_builder(targets=[{"POSITION": TRI}], extras={"targetNames": ["jawOpen"]})
    avatar = load_avatar(b.save(tmp_path / "p.glb"))
    assert avatar.meshes[0].target_names == ["jawOpen"]
    np.testing.assert_array_equal(avatar.meshes[0].default_weights, [0.0])


def test_target_names_of_the_wrong_length_warn_and_fall_back_to_numbers(tmp_path):
    b = GltfBuilder()
    b.node(
        mesh=b.mesh(
            [{"attributes": {"POSITION": TRI}, "targets": [{"POSITION": TRI}] * 2}], target_names=["a"]
        )
    )
    avatar = load_avatar(b.save(tmp_path / "n.glb"))
    assert avatar.meshes[0].target_names == ["target_0", "target_1"]
    assert (
        len(avatar.warnings) == 1
        and "targetNames" in avatar.warnings[0]
        and "1 names for 2" in avatar.warnings[0]
    )


def test_primitive_modes(tmp_path):
    avatar = load_avatar(fx.build_primitive_modes(tmp_path))
    indexed, plain, strip, fan = avatar.meshes[0].primitives  # the POINTS primitive is skipped
    np.testing.assert_array_equal(indexed.indices, [[0, 1, 2], [2, 3, 0]])
    np.testing.assert_array_equal(plain.indices, [[0, 1, 2]])
    np.testing.assert_array_equal(strip.indices, [[0, 1, 2], [1, 3, 2]])
    np.testing.assert_array_equal(fan.indices, [[1, 2, 0], [2, 3, 0], [3, 4, 0]])
    assert any("POINTS" in note and "primitives[4]" in note for note in avatar.unsupported)


def test_node_hierarchy_matrix_and_scene(tmp_path):
    avatar = load_avatar(fx.build_skinned(tmp_path))
    names = [n.name for n in avatar.nodes]
    root, joint0, joint1, body = (names.index(n) for n in ("root", "joint0", "joint1", "limb"))
    assert avatar.scene_roots == [root, body]
    assert avatar.nodes[joint0].parent == root and avatar.nodes[joint1].parent == joint0
    assert avatar.nodes[root].parent is None and joint0 in avatar.nodes[root].children
    node = avatar.nodes[root]
    np.testing.assert_array_equal(node.matrix, fx.ROOT_MATRIX)  # row-major, column vectors
    np.testing.assert_allclose(node.translation, [0, 0, 2])
    np.testing.assert_allclose(node.rotation, fx.rot_z(90), atol=1e-12)
    np.testing.assert_allclose(node.scale, [1, 1, 1])
    assert avatar.nodes[joint1].matrix is None
    np.testing.assert_array_equal(avatar.nodes[joint1].translation, [0, 1, 0])


def _quat_matrix(q) -> np.ndarray:
    x, y, z, w = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
@pytest.mark.parametrize("scale", [(2, 3, 4), (-1, 1, 1)])
def test_matrix_nodes_decompose_into_the_same_transform(tmp_path, axis, degrees, scale):
    half = np.radians(degrees) / 2
    q = np.zeros(4)
    q[axis], q[3] = np.sin(half), np.cos(half)
    matrix = np.eye(4)
    matrix[:3, :3] = _quat_matrix(q) @ np.diag(scale)
    matrix[:3, 3] = [1, 2, 3]
    b = GltfBuilder()
    b.node(matrix=matrix.T.reshape(-1).tolist())
    node = load_avatar(b.save(tmp_path / "m.glb")).nodes[0]
    np.testing.assert_allclose(node.matrix, matrix)
    assert np.linalg.norm(node.rotation) == pytest.approx(1.0)
    rebuilt = _quat_matrix(node.rotation) @ np.diag(node.scale)
    np.testing.assert_allclose(rebuilt, matrix[:3, :3], atol=1e-12)
    np.testing.assert_allclose(node.translation, [1, 2, 3])


def test_scene_roots_without_a_default_scene(tmp_path):
    b = tri_builder()
    b.node(children=[0])
    b.node()
    avatar = load_avatar(b.save(tmp_path / "none.glb"))
    assert avatar.scene_roots == [1, 2]  # no scenes: every parentless node
    b.gltf.scenes = [pygltflib.Scene(nodes=[2]), pygltflib.Scene(nodes=[1])]
    assert load_avatar(b.save(tmp_path / "first.glb")).scene_roots == [2]  # no `scene`: scenes[0]


def test_skin_with_eight_influences(tmp_path):
    avatar = load_avatar(fx.build_skinned(tmp_path))
    skin = avatar.skins[0]
    names = [avatar.nodes[j].name for j in skin.joints]
    assert names == [f"joint{k}" for k in range(8)]
    assert avatar.nodes[skin.skeleton].name == "root"
    expected = np.tile(np.eye(4), (8, 1, 1))
    expected[1, 1, 3] = -1.0  # stored column-major in the file, row-major here
    np.testing.assert_array_equal(skin.inverse_bind, expected)
    prim = avatar.meshes[0].primitives[0]
    assert prim.joints.dtype == np.uint16 and prim.joints.shape == (4, 8)
    np.testing.assert_array_equal(prim.joints, fx.SKIN_JOINTS)
    np.testing.assert_array_equal(prim.weights, fx.SKIN_WEIGHTS)
    assert avatar.nodes[avatar.node_index("limb")].skin == 0


def test_skin_without_inverse_bind_matrices_uses_identity(tmp_path):
    b = tri_builder()
    b.skin([0])
    np.testing.assert_array_equal(load_avatar(b.save(tmp_path / "s.glb")).skins[0].inverse_bind, [np.eye(4)])


def test_skin_weights_that_do_not_sum_to_one_are_normalized_with_one_warning(tmp_path):
    joints = np.zeros((3, 4), np.uint8)
    weights = np.array([[0.25, 0.25, 0, 0], [0.5, 0, 0, 0], [0, 0, 0, 0]], np.float32)
    prim = {"attributes": {"POSITION": TRI, "JOINTS_0": joints, "WEIGHTS_0": weights}}
    b = GltfBuilder()
    b.node(mesh=b.mesh([prim, prim]))
    avatar = load_avatar(b.save(tmp_path / "w.glb"))
    got = avatar.meshes[0].primitives[1].weights
    np.testing.assert_allclose(got, [[0.5, 0.5, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])  # all-zero rows stay zero
    assert len(avatar.warnings) == 1 and "do not sum to 1" in avatar.warnings[0]


def test_animations_keep_keys_layout_and_interpolation(tmp_path):
    avatar = load_avatar(fx.build_skinned(tmp_path))
    (anim,) = avatar.animations
    assert anim.name == "wave" and anim.duration == 2.0
    rotation, translation, scale, weights = anim.channels
    assert (rotation.path, rotation.interpolation, rotation.values.shape) == ("rotation", "LINEAR", (3, 4))
    assert (translation.path, translation.interpolation) == ("translation", "STEP")
    assert (scale.path, scale.interpolation, scale.values.shape) == ("scale", "CUBICSPLINE", (2, 3, 3))
    np.testing.assert_array_equal(scale.values[1], [[1, 1, 1], [2, 2, 2], [0, 0, 0]])  # in, value, out
    assert (weights.path, weights.values.shape, weights.node) == (
        "weights",
        (2, 1),
        avatar.node_index("limb"),
    )
    np.testing.assert_array_equal(rotation.times, fx.ANIM_TIMES)


def test_materials_every_slot_texture_transform_and_unlit(tmp_path):
    avatar = load_avatar(fx.build_materials(tmp_path))
    full, unlit, coat = avatar.materials
    np.testing.assert_allclose(full.base_color, [0.5, 0.6, 0.7, 0.8])
    assert (full.metallic, full.roughness) == (0.25, 0.75)
    base = full.base_color_texture
    assert base.image == 0 and base.texcoord == 1  # KHR_texture_transform.texCoord overrides
    assert (base.wrap_s, base.wrap_t, base.mag_filter, base.min_filter) == (33648, 33071, 9729, 9987)
    # T(0.5, 0) @ R(90 deg) @ S(2, 3), with glTF's R = [[c, s], [-s, c]]
    np.testing.assert_allclose(base.transform, [[0, 3, 0.5], [-2, 0, 0], [0, 0, 1]], atol=1e-12)
    assert full.metallic_roughness_texture.texcoord == 1
    assert full.normal_texture.scale == 0.5 and full.normal_texture.wrap_s == 10497
    assert full.occlusion_texture.scale == 0.7  # occlusionTexture.strength
    assert full.occlusion_texture.image == 0 and full.emissive_texture.image == 0
    np.testing.assert_array_equal(full.emissive, [1.0, 0.5, 0.0])
    assert (full.alpha_mode, full.alpha_cutoff, full.double_sided, full.unlit) == ("MASK", 0.3, True, False)
    assert (unlit.unlit, unlit.alpha_mode, unlit.alpha_cutoff) == (True, "BLEND", 0.5)
    assert not coat.unlit and coat.base_color_texture is None
    assert any("KHR_materials_clearcoat" in note for note in avatar.unsupported)
    assert not any("unlit" in note or "texture_transform" in note for note in avatar.unsupported)
    assert [m.material for m in avatar.meshes[0].primitives] == [0, 1, 2]


def test_unsupported_image_types_drop_the_texture_and_say_so(tmp_path):
    b = tri_builder(material=0)
    b.gltf.images = [pygltflib.Image(uri="data:image/ktx2;base64,AAAA")]
    b.gltf.textures = [pygltflib.Texture(source=0)]
    b.material(
        pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(baseColorTexture=pygltflib.TextureInfo(index=0))
    )
    b.gltf.cameras = [
        pygltflib.Camera(type="perspective", perspective=pygltflib.Perspective(yfov=1.0, znear=0.1))
    ]
    avatar = load_avatar(b.save(tmp_path / "k.gltf"))
    assert avatar.images[0].mime_type == "image/ktx2" and avatar.images[0].data == b"\0\0\0"
    assert avatar.materials[0].base_color_texture.image is None
    assert any("image/ktx2" in note for note in avatar.unsupported)
    assert any("cameras" in note for note in avatar.unsupported)


def test_optional_unknown_extensions_are_listed_not_refused(tmp_path):
    b = tri_builder()
    b.gltf.extensionsUsed = ["KHR_lights_punctual", "KHR_materials_unlit"]
    avatar = load_avatar(b.save(tmp_path / "e.glb"))
    assert avatar.extensions_used == ["KHR_lights_punctual", "KHR_materials_unlit"]
    assert [n for n in avatar.unsupported if "KHR_lights_punctual" in n]
    assert not [n for n in avatar.unsupported if "unlit" in n]


def test_vrm0_blend_shape_groups_and_humanoid(tmp_path):
    avatar = load_avatar(fx.build_vrm0(tmp_path))
    assert avatar.vrm_version == "0.x"
    by_name = {e.name: e for e in avatar.expressions}
    assert list(by_name) == ["aa", "blink", "blinkLeft", "happy", "Surprised"]
    assert by_name["aa"].preset == "a" and by_name["Surprised"].preset is None
    bind = by_name["blinkLeft"].binds[0]
    assert (bind.mesh, bind.target, bind.weight) == (0, 2, 0.5)  # 50 of 100
    assert by_name["happy"].is_binary and not by_name["aa"].is_binary
    assert avatar.meshes[0].target_names[by_name["blink"].binds[0].target] == "Fcl_EYE_Close"
    human = {bone: avatar.nodes[n].name for bone, n in avatar.humanoid.items()}
    assert human["head"] == "Head" and human["jaw"] == "Jaw" and human["leftEye"] == "LeftEye"
    assert human["leftThumbProximal"] == "LeftThumb"  # VRM 0.x thumbIntermediate, renamed for 1.0


def test_vrm1_expressions_bind_a_node_and_keep_overrides(tmp_path):
    avatar = load_avatar(fx.build_vrm1(tmp_path))
    assert avatar.vrm_version == "1.0"
    by_name = {e.name: e for e in avatar.expressions}
    assert set(by_name) == {"aa", "blink", "blinkLeft", "surprise"}
    aa = by_name["aa"]
    assert aa.preset == "aa" and aa.override_blink == "block" and aa.override_mouth == "none"
    assert (aa.binds[0].mesh, aa.binds[0].target, aa.binds[0].weight) == (0, 0, 1.0)  # node -> its mesh
    left = by_name["blinkLeft"]
    assert (left.override_look_at, left.override_mouth, left.binds[0].weight) == ("blend", "block", 0.5)
    assert by_name["blink"].is_binary and by_name["surprise"].preset is None
    assert avatar.nodes[avatar.humanoid["neck"]].name == "Neck"
    assert set(avatar.humanoid) == {"hips", "neck", "head", "jaw", "leftEye", "rightEye"}


def test_vrm_binds_to_missing_targets_warn_and_are_skipped(tmp_path):
    path = fx.build_vrm1(tmp_path)
    b = GltfBuilder()
    fx._vrm_body(b)
    b.gltf.extensions = {
        "VRMC_vrm": {
            "expressions": {
                "preset": {
                    "aa": {
                        "morphTargetBinds": [
                            {"node": 0, "index": 0, "weight": 1.0},
                            {"node": 7, "index": 9, "weight": 1.0},
                        ]
                    }
                }
            }
        }
    }
    avatar = load_avatar(b.save(path))
    assert avatar.expressions[0].binds == []
    assert len(avatar.warnings) == 2 and "not a node with a mesh" in avatar.warnings[0]


# ---- files that are refused -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["EXT_meshopt_compression", "KHR_draco_mesh_compression"])
def test_required_extensions_we_do_not_implement(tmp_path, name):
    b = tri_builder()
    b.gltf.extensionsUsed = b.gltf.extensionsRequired = ["KHR_materials_unlit", name]
    refused(b.save(tmp_path / "r.glb"), "extensionsRequired[1]", name)


@pytest.mark.parametrize(
    "uri, words",
    [
        ("../outside.bin", ["outside the asset's folder"]),
        ("sub/../../outside.bin", ["outside the asset's folder"]),
        ("%2E%2E/outside.bin", ["outside the asset's folder"]),
        ("/etc/passwd", ["absolute"]),
        ("\\\\server\\share\\a.bin", ["absolute"]),
        ("C:/Windows/a.bin", ["refused"]),
        ("http://example.com/a.bin", ["refused"]),
        ("https://example.com/a.bin", ["refused"]),
        ("file:///etc/passwd", ["refused"]),
    ],
)
def test_uris_that_leave_the_folder_are_refused(tmp_path, uri, words):
    (tmp_path / "outside.bin").write_bytes(b"\0" * 64)
    folder = tmp_path / "asset"
    folder.mkdir()
    path = fx.build_external_gltf(folder)
    edit_json(path, lambda doc: doc["buffers"][0].update(uri=uri))
    refused(path, "buffers[0].uri", *words)


def test_image_uri_outside_the_folder_is_refused(tmp_path):
    folder = tmp_path / "asset"
    folder.mkdir()
    path = fx.build_external_gltf(folder)
    edit_json(path, lambda doc: doc["images"][0].update(uri="../secret.png"))
    refused(path, "images[0].uri", "outside")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_pointing_outside_the_folder_is_refused(tmp_path):
    folder = tmp_path / "asset"
    folder.mkdir()
    path = fx.build_external_gltf(folder)
    (tmp_path / "real.bin").write_bytes((folder / "external.bin").read_bytes())
    (folder / "external.bin").unlink()
    (folder / "external.bin").symlink_to(tmp_path / "real.bin")
    refused(path, "buffers[0].uri", "outside")


def test_missing_external_file_is_named(tmp_path):
    path = fx.build_external_gltf(tmp_path)
    (tmp_path / "external.bin").unlink()
    refused(path, "buffers[0].uri", "not found", "external.bin")


def test_accessor_past_the_end_of_its_buffer_view(tmp_path):
    b = tri_builder()
    b.gltf.accessors[0].byteOffset = 4
    refused(b.save(tmp_path / "a.glb"), "accessors[0]", "need 40 bytes", "has 36")


def test_buffer_view_past_the_end_of_its_buffer(tmp_path):
    b = tri_builder()
    b.gltf.bufferViews[0].byteLength = 400
    refused(b.save(tmp_path / "v.glb"), "bufferViews[0].byteLength", "past the end of buffers[0]")


def test_buffer_longer_than_its_bytes(tmp_path):
    path = tri_builder().save(tmp_path / "b.gltf")
    edit_json(path, lambda doc: doc["buffers"][0].update(byteLength=4000))
    refused(path, "buffers[0].byteLength", "4000")


def test_stride_smaller_than_the_element(tmp_path):
    b = tri_builder()
    b.gltf.bufferViews[0].byteStride = 8
    refused(b.save(tmp_path / "s.glb"), "accessors[0].bufferView", "byteStride 8")


@pytest.mark.parametrize("backed", [True, False])
def test_a_huge_count_fails_before_allocating(tmp_path, backed):
    b = tri_builder()
    b.gltf.accessors[0].count = 10**12
    if not backed:
        b.gltf.accessors[0].bufferView = None
    path = b.save(tmp_path / "huge.glb")
    tracemalloc.start()
    try:
        with pytest.raises(AvatarError) as info:
            load_avatar(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.where.startswith("accessors[0]")
    assert peak < 10 << 20


def test_accessors_without_buffer_view_share_the_allocation_budget(tmp_path, monkeypatch):
    b = GltfBuilder()  # two accessors of 40 VEC3 floats: 480 bytes each, 960 together
    a1 = b.sparse(40, np.array([0], np.uint32), np.array([[1, 1, 1]], np.float32))
    a2 = b.sparse(40, np.array([0], np.uint32), np.array([[2, 2, 2]], np.float32))
    b.node(mesh=b.mesh([{"attributes": {"POSITION": a1}}, {"attributes": {"POSITION": a2}}]))
    path = b.save(tmp_path / "budget.glb")
    data_allowance = gltf_reader.EXPANSION * len(b.blob)
    monkeypatch.setattr(gltf_reader, "ALLOCATION_SLACK", 960 + 2 * 40 * 4 - data_allowance)  # + 2 aranges
    np.testing.assert_array_equal(load_avatar(path).meshes[0].primitives[1].positions[0], [2, 2, 2])
    monkeypatch.setattr(gltf_reader, "ALLOCATION_SLACK", 960 + 2 * 40 * 4 - data_allowance - 1)
    refused(path, "meshes[0].primitives[1]", "allocation budget")


def test_many_accessors_aliasing_one_buffer_view_hit_the_budget(tmp_path, monkeypatch):
    """Each uint8 -> float32 conversion is real memory even when the bytes are shared."""
    b = GltfBuilder()
    first = b.accessor(np.zeros((1000, 3), np.uint8), normalized=True)
    view = b.gltf.accessors[first].bufferView
    alias = np.zeros((1000, 3), np.uint8)
    prims = [{"attributes": {"POSITION": b.accessor(alias, view=view, normalized=True)}} for _ in range(50)]
    b.node(mesh=b.mesh(prims))
    path = b.save(tmp_path / "alias.glb")
    assert len(load_avatar(path).meshes[0].primitives) == 50
    monkeypatch.setattr(gltf_reader, "ALLOCATION_SLACK", 100_000)  # room for ~6 of the 50 conversions
    with pytest.raises(AvatarError, match="allocation budget") as info:
        load_avatar(path)
    assert info.value.where.startswith(("accessors[", "meshes[0].primitives["))


def test_sparse_index_past_the_count(tmp_path):
    b = GltfBuilder()
    pos = b.sparse(3, np.array([0], np.uint8), np.array([[1, 1, 1]], np.float32), base=TRI)
    b.node(mesh=b.mesh([{"attributes": {"POSITION": pos}}]))
    b.gltf.accessors[pos].sparse.count = 1
    view = b.gltf.accessors[pos].sparse.indices.bufferView
    b.blob[b.gltf.bufferViews[view].byteOffset] = 7
    refused(b.save(tmp_path / "sp.glb"), f"accessors[{pos}].sparse.indices", "index 7")


def test_index_past_the_vertex_count(tmp_path):
    b = tri_builder(indices=np.array([0, 1, 3], np.uint16))
    refused(b.save(tmp_path / "i.glb"), "meshes[0].primitives[0].indices", "index 3", "vertex count 3")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_positions(tmp_path, bad):
    positions = TRI.copy()
    positions[1, 2] = bad
    b = GltfBuilder()
    b.node(mesh=b.mesh([{"attributes": {"POSITION": b.accessor(positions)}}]))
    refused(b.save(tmp_path / "nan.glb"), "meshes[0].primitives[0].attributes.POSITION", "NaN")


def test_non_finite_morph_target(tmp_path):
    delta = np.zeros((3, 3), np.float32)
    delta[0, 0] = np.nan
    b = GltfBuilder()
    b.node(mesh=b.mesh([{"attributes": {"POSITION": TRI}, "targets": [{"POSITION": b.accessor(delta)}]}]))
    refused(b.save(tmp_path / "nan.glb"), "meshes[0].primitives[0].targets[0].POSITION", "NaN")


def test_attribute_count_mismatch(tmp_path):
    b = GltfBuilder()
    b.node(mesh=b.mesh([{"attributes": {"POSITION": TRI, "NORMAL": TRI[:2]}}]))
    refused(
        b.save(tmp_path / "m.glb"),
        "meshes[0].primitives[0].attributes.NORMAL",
        "2 elements",
        "POSITION has 3",
    )


def test_morph_target_count_mismatch(tmp_path):
    b = tri_builder(targets=[{"POSITION": TRI[:2]}])
    refused(b.save(tmp_path / "t.glb"), "meshes[0].primitives[0].targets[0].POSITION", "2 elements")


def test_accessor_of_the_wrong_type(tmp_path):
    b = GltfBuilder()
    b.node(mesh=b.mesh([{"attributes": {"POSITION": TRI, "TEXCOORD_0": TRI}}]))
    refused(b.save(tmp_path / "t.glb"), "meshes[0].primitives[0].attributes.TEXCOORD_0", "VEC3", "VEC2")


@pytest.mark.parametrize(
    "children, where, words",
    [
        ([[1], [0]], "nodes[0].children", ["cycle"]),
        ([[0]], "nodes[0].children", ["cycle"]),
        ([[2], [2], []], "nodes[1].children", ["already has parent"]),
        ([[5]], "nodes[0].children[0]", ["not an index into nodes"]),
    ],
)
def test_broken_node_hierarchies(tmp_path, children, where, words):
    b = GltfBuilder()
    for kids in children:
        b.node(children=kids)
    refused(b.save(tmp_path / "h.glb"), where, *words)


def test_skin_joint_out_of_range(tmp_path):
    b = tri_builder()
    b.skin([0, 99])
    refused(b.save(tmp_path / "j.glb"), "skins[0].joints[1]", "99")


def test_vertex_joint_index_past_the_skin(tmp_path):
    joints = np.array([[0, 0, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]], np.uint8)
    weights = np.tile(np.array([1, 0, 0, 0], np.float32), (3, 1))
    b = GltfBuilder()
    mesh = b.mesh([{"attributes": {"POSITION": TRI, "JOINTS_0": joints, "WEIGHTS_0": weights}}])
    joint = b.node()
    b.node(mesh=mesh, skin=b.skin([joint]))
    refused(
        b.save(tmp_path / "vj.glb"),
        "meshes[0].primitives[0].attributes.JOINTS_*",
        "joint index 3",
        "1 joints",
    )


def test_reference_to_a_missing_mesh(tmp_path):
    b = GltfBuilder()
    b.node(mesh=3)
    refused(b.save(tmp_path / "r.glb"), "nodes[0].mesh", "meshes")


# ---- broken containers and documents ----


def _glb(tmp_path, data: bytes, name="x.glb"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_broken_glb_headers_and_chunks(tmp_path):
    good = fx.build_triangle(tmp_path).read_bytes()
    json_len = struct.unpack_from("<I", good, 12)[0]
    cases = [
        (good[:10], "header", "truncated"),
        (b"glTX" + good[4:], "header.magic", "magic"),
        (good[:4] + struct.pack("<I", 1) + good[8:], "header.version", "version 1"),
        (good[: len(good) - 8], "header.length", "truncated"),
        (good[:12] + struct.pack("<I", 10**6) + good[16:], "chunks[0].chunkLength", "past the end"),
        (good[:16] + b"BIN\0" + good[20:], "chunks[0].chunkType", "JSON"),
        (good[:20] + b"\xff" * json_len + good[20 + json_len :], "json", "UTF-8"),
        (good[:20] + b"{" + b" " * (json_len - 1) + good[20 + json_len :], "json", "invalid JSON"),
    ]
    for data, where, word in cases:
        refused(_glb(tmp_path, data), where, word)


def test_glb_buffer_without_bin_chunk(tmp_path):
    b = tri_builder()
    text = b.gltf.gltf_to_json().replace('"buffers"', '"_"')
    doc = json.loads(text)
    doc["buffers"] = [{"byteLength": 36}]
    refused(_glb(tmp_path, glb_bytes(json.dumps(doc), b"")), "buffers[0].uri", "no GLB binary chunk")


@pytest.mark.parametrize(
    "text, where, word",
    [
        ("{not json", "json", "invalid JSON"),
        ("[1, 2]", "json", "JSON object"),
        ('{"asset": {"version": "1.0"}}', "asset.version", "2.x"),
        ('{"asset": {"version": "2.0"}, "accessors": 5}', "json", "malformed"),
        ('{"asset": {"version": "2.0"}, "nodes": [{"children": 3}]}', "json", "malformed"),
        (
            '{"asset": {"version": "2.0"}, '
            '"meshes": [{"primitives": [{"attributes": {"POSITION": "zero"}}]}]}',
            "meshes[0].primitives[0].attributes.POSITION",
            "not an index into accessors",
        ),
    ],
)
def test_broken_json_documents(tmp_path, text, where, word):
    path = tmp_path / "d.gltf"
    path.write_text(text)
    refused(path, where, word)


@pytest.mark.parametrize("name", ["avatar.obj", "avatar.fbx", "avatar"])
def test_unsupported_file_extension(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    refused(tmp_path / name, "file", "unsupported file extension")


def test_missing_file(tmp_path):
    refused(tmp_path / "nope.glb", "file", "cannot read")


def test_corrupted_files_are_refused_never_crash(tmp_path):
    """Truncations and random byte flips: each load either succeeds or raises AvatarError."""
    good = fx.build_skinned(tmp_path).read_bytes()
    rng = random.Random(7)
    outcomes = set()
    for k in range(120):
        data = bytearray(good)
        if k % 3 == 0:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            load_avatar(_glb(tmp_path, bytes(data), "fuzz.glb"))
            outcomes.add("loaded")
        except AvatarError:
            outcomes.add("refused")
    assert "refused" in outcomes
