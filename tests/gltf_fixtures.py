"""Small glTF / GLB / VRM files built with pygltflib, for the loader's tests and anyone else's.

`GltfBuilder` packs numpy arrays into one buffer and hands back accessor indices, so a test
states the data it means and nothing else. `save()` writes .glb/.vrm, or .gltf with an external
.bin and PNGs, or (embed=True) .gltf with data URIs.

`FIXTURES` lists `(name, build)` for every VALID fixture, `build(folder) -> Path`: a renderer
or rig test can load (or render) each of them. Files that must be refused are made inside the
loader's tests by breaking one of these.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pygltflib
from PIL import Image as PILImage

COMPONENT_TYPES = {
    np.dtype("i1"): 5120,
    np.dtype("u1"): 5121,
    np.dtype("<i2"): 5122,
    np.dtype("<u2"): 5123,
    np.dtype("<u4"): 5125,
    np.dtype("<f4"): 5126,
}
ACCESSOR_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}


def khronos_issues(path: Path, timeout: float = 120) -> dict:
    """The Khronos glTF validator's `issues` report for a file (tests/validate_gltf.mjs); the
    calling test is skipped where Node or the validator's npm package is missing."""
    import pytest

    root = Path(__file__).resolve().parents[1]
    node = shutil.which("node")
    if node is None or not (root / "node_modules" / "gltf-validator").is_dir():
        pytest.skip("needs Node and `npm install` (gltf-validator)")
    out = subprocess.run([node, str(root / "tests" / "validate_gltf.mjs"), str(path)], capture_output=True,
                         text=True, check=True, timeout=timeout)
    return json.loads(out.stdout)["issues"]


def png_bytes(rgba: np.ndarray) -> bytes:
    out = io.BytesIO()
    PILImage.fromarray(np.asarray(rgba, np.uint8)).save(out, "PNG")
    return out.getvalue()


def glb_bytes(json_text: str, blob: bytes) -> bytes:
    """A GLB container: header, 4-byte-padded JSON chunk, optional BIN chunk."""
    doc = json_text.encode()
    doc += b" " * (-len(doc) % 4)
    blob = bytes(blob) + b"\0" * (-len(blob) % 4)
    chunks = struct.pack("<II", len(doc), 0x4E4F534A) + doc
    if blob:
        chunks += struct.pack("<II", len(blob), 0x004E4942) + blob
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def _append_view(gltf: pygltflib.GLTF2, blob: bytearray, data: bytes, stride: int | None = None) -> int:
    blob += b"\0" * (-len(blob) % 4)
    gltf.bufferViews.append(
        pygltflib.BufferView(buffer=0, byteOffset=len(blob), byteLength=len(data), byteStride=stride)
    )
    blob += data
    return len(gltf.bufferViews) - 1


class GltfBuilder:
    """A glTF document under construction: `self.gltf` is pygltflib's, open to direct edits."""

    def __init__(self):
        self.gltf = pygltflib.GLTF2(asset=pygltflib.Asset(version="2.0"))
        self.blob = bytearray()
        self.pngs: list[bytes] = []  # placed by save(): bufferView, file or data URI

    def view(self, data: bytes, stride: int | None = None) -> int:
        return _append_view(self.gltf, self.blob, data, stride)

    def accessor(
        self,
        array,
        *,
        type: str | None = None,
        normalized: bool = False,
        view: int | None = None,
        offset: int = 0,
        bounds: bool = False,
    ) -> int:
        """An accessor over `array` (N,) or (N, C); its dtype picks the component type."""
        a = np.asarray(array)
        flat = a.reshape(len(a), -1)
        if view is None:
            view = self.view(np.ascontiguousarray(flat).tobytes())
        acc = pygltflib.Accessor(
            bufferView=view,
            byteOffset=offset,
            componentType=COMPONENT_TYPES[a.dtype],
            count=len(a),
            type=type or ACCESSOR_TYPES[flat.shape[1]],
            normalized=normalized or None,
        )
        if bounds:  # glTF wants min/max on POSITION and animation inputs
            acc.min, acc.max = flat.min(axis=0).tolist(), flat.max(axis=0).tolist()
        self.gltf.accessors.append(acc)
        return len(self.gltf.accessors) - 1

    def interleaved(self, *arrays, normalized: tuple[int, ...] = ()) -> list[int]:
        """Accessors for per-vertex arrays sharing one strided bufferView (elements 4-byte aligned)."""
        n = len(arrays[0])
        flats = [np.ascontiguousarray(np.asarray(a).reshape(n, -1)) for a in arrays]
        sizes = [f[0].nbytes for f in flats]
        offsets = np.concatenate([[0], np.cumsum([-(-s // 4) * 4 for s in sizes])]).astype(int)
        rows = np.zeros((n, offsets[-1]), np.uint8)
        for f, off, size in zip(flats, offsets, sizes, strict=False):
            rows[:, off : off + size] = f.view(np.uint8).reshape(n, size)
        view = self.view(rows.tobytes(), stride=int(offsets[-1]))
        return [
            self.accessor(a, view=view, offset=int(off), normalized=k in normalized)
            for k, (a, off) in enumerate(zip(arrays, offsets, strict=False))
        ]

    def sparse(self, count: int, indices, values, *, base=None) -> int:
        """An accessor of `count` elements: `base` (or zeros, no bufferView) with values[k] at indices[k]."""
        values = np.asarray(values)
        indices = np.asarray(indices)
        flat = values.reshape(len(values), -1)
        if base is None:
            index = len(self.gltf.accessors)
            self.gltf.accessors.append(
                pygltflib.Accessor(
                    byteOffset=None,
                    componentType=COMPONENT_TYPES[values.dtype],
                    count=count,
                    type=ACCESSOR_TYPES[flat.shape[1]],
                )
            )
            full = np.zeros((count, flat.shape[1]), values.dtype)
        else:
            index = self.accessor(np.asarray(base, values.dtype))
            full = np.array(np.asarray(base, values.dtype).reshape(count, -1))
        full[indices] = flat
        acc = self.gltf.accessors[index]
        acc.min, acc.max = full.min(axis=0).tolist(), full.max(axis=0).tolist()
        acc.sparse = pygltflib.Sparse(
            count=len(indices),
            indices=pygltflib.AccessorSparseIndices(
                bufferView=self.view(indices.tobytes()),
                byteOffset=0,
                componentType=COMPONENT_TYPES[indices.dtype],
            ),
            values=pygltflib.AccessorSparseValues(bufferView=self.view(flat.tobytes()), byteOffset=0),
        )
        return index

    def _ref(self, value, name: str = "") -> int:
        return value if isinstance(value, int) else self.accessor(value, bounds=name == "POSITION")

    def mesh(
        self, primitives: list[dict], *, name: str | None = None, target_names=None, weights=None
    ) -> int:
        """Primitives as dicts: attributes / targets map names to arrays or accessor indices."""
        prims = []
        for p in primitives:
            prims.append(
                pygltflib.Primitive(
                    attributes=pygltflib.Attributes(
                        **{k: self._ref(v, k) for k, v in p["attributes"].items()}
                    ),
                    indices=None if p.get("indices") is None else self._ref(p["indices"]),
                    targets=[{k: self._ref(v, k) for k, v in t.items()} for t in p.get("targets", [])],
                    material=p.get("material"),
                    mode=p.get("mode", 4),
                    extras=p.get("extras", {}),
                )
            )
        extras = {"targetNames": list(target_names)} if target_names is not None else {}
        self.gltf.meshes.append(
            pygltflib.Mesh(primitives=prims, name=name, weights=weights or [], extras=extras)
        )
        return len(self.gltf.meshes) - 1

    def node(self, **fields) -> int:
        self.gltf.nodes.append(pygltflib.Node(**fields))
        return len(self.gltf.nodes) - 1

    def scene(self, *roots: int) -> None:
        self.gltf.scenes = [pygltflib.Scene(nodes=list(roots))]
        self.gltf.scene = 0

    def image(self, rgba: np.ndarray, name: str | None = None) -> int:
        self.pngs.append(png_bytes(rgba))
        self.gltf.images.append(pygltflib.Image(name=name))
        return len(self.gltf.images) - 1

    def texture(self, image: int, **sampler_fields) -> int:
        sampler = None
        if sampler_fields:
            self.gltf.samplers.append(pygltflib.Sampler(**sampler_fields))
            sampler = len(self.gltf.samplers) - 1
        self.gltf.textures.append(pygltflib.Texture(source=image, sampler=sampler))
        return len(self.gltf.textures) - 1

    def material(self, **fields) -> int:
        self.gltf.materials.append(pygltflib.Material(**fields))
        return len(self.gltf.materials) - 1

    def skin(self, joints: list[int], inverse_bind=None, skeleton: int | None = None) -> int:
        """inverse_bind: (J, 4, 4) row-major matrices, stored column-major as glTF wants."""
        ibm = None
        if inverse_bind is not None:
            ibm = self.accessor(
                np.asarray(inverse_bind, np.float32).transpose(0, 2, 1).reshape(-1, 16), type="MAT4"
            )
        self.gltf.skins.append(pygltflib.Skin(joints=joints, inverseBindMatrices=ibm, skeleton=skeleton))
        return len(self.gltf.skins) - 1

    def animation(self, channels: list[tuple], name: str | None = None) -> int:
        """channels: (node, path, times (K,), values (K, C) or CUBICSPLINE (K, 3, C), interpolation)."""
        anim = pygltflib.Animation(name=name)
        for node, path, times, values, interpolation in channels:
            values = np.asarray(values, np.float32)
            flat = values.reshape(-1) if path == "weights" else values.reshape(-1, values.shape[-1])
            anim.samplers.append(
                pygltflib.AnimationSampler(
                    input=self.accessor(np.asarray(times, np.float32), bounds=True),
                    output=self.accessor(flat),
                    interpolation=interpolation,
                )
            )
            target = pygltflib.AnimationChannelTarget(node=node, path=path)
            anim.channels.append(pygltflib.AnimationChannel(sampler=len(anim.samplers) - 1, target=target))
        self.gltf.animations.append(anim)
        return len(self.gltf.animations) - 1

    def save(self, path: str | Path, *, embed: bool = False) -> Path:
        """.glb/.vrm: one GLB; .gltf: JSON plus .bin and PNG files, or everything in data URIs."""
        path = Path(path)
        gltf, blob = copy.deepcopy(self.gltf), bytearray(self.blob)
        binary = path.suffix.lower() in (".glb", ".vrm")
        for i, png in enumerate(self.pngs):
            image = gltf.images[i]
            if binary:
                image.bufferView, image.mimeType = _append_view(gltf, blob, png), "image/png"
            elif embed:
                image.uri = "data:image/png;base64," + base64.b64encode(png).decode()
            else:
                image.uri = f"{path.stem}_image{i}.png"
                (path.parent / image.uri).write_bytes(png)
        if blob:
            gltf.buffers = [pygltflib.Buffer(byteLength=len(blob))]
            if embed:
                gltf.buffers[0].uri = (
                    "data:application/octet-stream;base64," + base64.b64encode(blob).decode()
                )
            elif not binary:
                gltf.buffers[0].uri = f"{path.stem}.bin"
                (path.parent / gltf.buffers[0].uri).write_bytes(blob)
        text = gltf.gltf_to_json()
        path.write_bytes(glb_bytes(text, blob) if binary else text.encode())
        return path


def edit_json(path: Path, edit) -> Path:
    """Apply `edit(document_dict)` to a saved .gltf file (for breaking it in a precise way)."""
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    return path


# ---- shared geometry ------------------------------------------------------------------------

QUAD_POSITIONS = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], np.float32)
QUAD_NORMALS = np.tile(np.array([0, 0, 1], np.float32), (4, 1))
QUAD_UV = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], np.float32)
QUAD_INDICES = np.array([0, 1, 2, 0, 2, 3], np.uint32)
CHECKER = np.array(
    [[[255, 0, 0, 255], [255, 255, 255, 255]], [[255, 255, 255, 255], [0, 0, 255, 255]]], np.uint8
)


def quad_primitive(**extra) -> dict:
    return {
        "attributes": {"POSITION": QUAD_POSITIONS, "NORMAL": QUAD_NORMALS, "TEXCOORD_0": QUAD_UV},
        "indices": QUAD_INDICES,
        **extra,
    }


def _one_mesh_scene(b: GltfBuilder, mesh: int, **node_fields) -> int:
    node = b.node(mesh=mesh, **node_fields)
    b.scene(node)
    return node


# ---- the valid fixtures ---------------------------------------------------------------------


def build_triangle(folder: Path, suffix: str = ".glb") -> Path:
    """One indexed triangle (uint16 indices) with a plain coloured material."""
    b = GltfBuilder()
    mat = b.material(
        name="red", pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(baseColorFactor=[1, 0, 0, 1])
    )
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    normals = np.tile(np.array([0, 0, 1], np.float32), (3, 1))
    mesh = b.mesh(
        [
            {
                "attributes": {"POSITION": positions, "NORMAL": normals},
                "indices": np.array([0, 1, 2], np.uint16),
                "material": mat,
            }
        ],
        name="triangle",
    )
    _one_mesh_scene(b, mesh, name="triangle")
    return b.save(folder / f"triangle{suffix}")


def _textured_quad(folder: Path, name: str, embed: bool) -> Path:
    b = GltfBuilder()
    tex = b.texture(
        b.image(CHECKER, name="checker"), wrapS=33071, wrapT=33648, magFilter=9728, minFilter=9729
    )
    mat = b.material(
        name="checker",
        pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
            baseColorTexture=pygltflib.TextureInfo(index=tex, texCoord=0), metallicFactor=0.0
        ),
    )
    _one_mesh_scene(b, b.mesh([quad_primitive(material=mat)], name="quad"), name="quad")
    return b.save(folder / name, embed=embed)


def build_external_gltf(folder: Path) -> Path:
    """.gltf + .bin + .png side by side: a textured quad."""
    return _textured_quad(folder, "external.gltf", embed=False)


def build_data_uri_gltf(folder: Path) -> Path:
    """The same textured quad with buffer and image inside data: URIs."""
    return _textured_quad(folder, "embedded.gltf", embed=True)


QUANT_POSITIONS = np.array([[-32767, -32767, 0], [32767, -32767, 0], [0, 32767, 16384]], np.int16)
QUANT_NORMALS = np.array([[0, 0, 127], [0, 0, 127], [-128, 0, 0]], np.int8)
QUANT_UV = np.array([[0, 65535], [65535, 65535], [32768, 0]], np.uint16)
QUANT_COLORS = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)


def build_quantized(folder: Path) -> Path:
    """KHR_mesh_quantization: normalized short/byte attributes interleaved in one strided view."""
    b = GltfBuilder()
    pos, nrm, uv, col = b.interleaved(
        QUANT_POSITIONS, QUANT_NORMALS, QUANT_UV, QUANT_COLORS, normalized=(0, 1, 2, 3)
    )
    b.gltf.accessors[pos].min, b.gltf.accessors[pos].max = [-32767, -32767, 0], [32767, 32767, 16384]
    attributes = {"POSITION": pos, "NORMAL": nrm, "TEXCOORD_0": uv, "COLOR_0": col}
    mesh = b.mesh([{"attributes": attributes, "indices": np.array([0, 1, 2], np.uint8)}], name="quantized")
    _one_mesh_scene(b, mesh)
    b.gltf.extensionsUsed = b.gltf.extensionsRequired = ["KHR_mesh_quantization"]
    return b.save(folder / "quantized.glb")


MORPH_DENSE = np.array([[0, 0, 1], [0, 0, 2], [0, 0, 3], [0, 0, 4]], np.float32)
MORPH_TANGENTS = np.array([[1, 0, 0]] * 4, np.float32) * 0.1
MORPH_SPARSE_INDICES = np.array([1, 3], np.uint16)
MORPH_SPARSE_VALUES = np.array([[0, 1, 0], [0, -1, 0]], np.float32)
MORPH_NAMES = ["jawOpen", "mouthSmileLeft", "eyeBlinkLeft"]


def build_morphs(folder: Path) -> Path:
    """Three targets: dense POSITION+NORMAL+TANGENT, sparse with no bufferView, sparse over a base."""
    b = GltfBuilder()
    targets = [
        {"POSITION": MORPH_DENSE, "NORMAL": QUAD_NORMALS * 0.5, "TANGENT": MORPH_TANGENTS},
        {"POSITION": b.sparse(4, MORPH_SPARSE_INDICES, MORPH_SPARSE_VALUES)},
        {
            "POSITION": b.sparse(
                4, np.array([0], np.uint8), np.array([[5, 5, 5]], np.float32), base=MORPH_DENSE
            )
        },
    ]
    prim = quad_primitive(targets=targets)
    prim["attributes"]["TANGENT"] = np.tile(np.array([1, 0, 0, 1], np.float32), (4, 1))
    mesh = b.mesh([prim], name="face", target_names=MORPH_NAMES, weights=[0.25, 0.0, 1.0])
    _one_mesh_scene(b, mesh, name="face")
    return b.save(folder / "morphs.glb")


STRIP = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0]], np.float32)
FAN = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [-1, 1, 0]], np.float32)


def build_primitive_modes(folder: Path) -> Path:
    """One mesh, five primitives: uint8-indexed and plain triangles, a strip, a fan, and points."""
    b = GltfBuilder()
    tri = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    mesh = b.mesh(
        [
            {"attributes": {"POSITION": QUAD_POSITIONS}, "indices": np.array([0, 1, 2, 2, 3, 0], np.uint8)},
            {"attributes": {"POSITION": tri}},
            {"attributes": {"POSITION": STRIP}, "mode": 5},
            {"attributes": {"POSITION": FAN}, "mode": 6},
            {"attributes": {"POSITION": tri}, "mode": 0},
        ],
        name="modes",
    )
    _one_mesh_scene(b, mesh)
    return b.save(folder / "modes.gltf")


def rot_z(degrees: float) -> np.ndarray:
    half = np.radians(degrees) / 2
    return np.array([0, 0, np.sin(half), np.cos(half)])


SKIN_POSITIONS = np.array([[-0.5, 0, 0], [0.5, 0, 0], [-0.5, 2, 0], [0.5, 2, 0]], np.float32)
# Eight influences per vertex over two sets (neither set sums to 1 alone): the bottom vertices
# follow joint0 most, the top ones joint1; joints 2..7 are identity leaves under joint0.
SKIN_SHARES = np.array([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.0078125], np.float32)
SKIN_JOINTS = np.array([[0, 1, 2, 3, 4, 5, 6, 7]] * 2 + [[1, 0, 2, 3, 4, 5, 6, 7]] * 2, np.uint8)
SKIN_WEIGHTS = np.tile(SKIN_SHARES, (4, 1))
# The root node is given as a column-major matrix: translate (0, 0, 2), turn 90 degrees about Z.
ROOT_MATRIX = np.array([[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 2], [0, 0, 0, 1]], np.float64)
ANIM_TIMES = np.array([0.0, 1.0, 2.0], np.float32)


def build_skinned(folder: Path) -> Path:
    """Eight joints under a matrix node, 8 influences, one morph, and a clip animating all four paths."""
    b = GltfBuilder()
    prim = {
        "attributes": {
            "POSITION": SKIN_POSITIONS,
            "JOINTS_0": SKIN_JOINTS[:, :4],
            "WEIGHTS_0": SKIN_WEIGHTS[:, :4],
            "JOINTS_1": SKIN_JOINTS[:, 4:],
            "WEIGHTS_1": SKIN_WEIGHTS[:, 4:],
        },
        "indices": np.array([0, 1, 3, 0, 3, 2], np.uint16),
        "targets": [{"POSITION": np.tile(np.array([0.1, 0, 0], np.float32), (4, 1))}],
    }
    mesh = b.mesh([prim], name="limb", target_names=["bulge"])
    joint1 = b.node(name="joint1", translation=[0, 1, 0])
    leaves = [b.node(name=f"joint{k}") for k in range(2, 8)]
    joint0 = b.node(name="joint0", children=[joint1, *leaves])
    root = b.node(name="root", matrix=ROOT_MATRIX.T.reshape(-1).tolist(), children=[joint0])
    inverse_bind = np.tile(np.eye(4), (8, 1, 1))
    inverse_bind[1, 1, 3] = -1.0  # joint1 sits 1 up from joint0
    skin = b.skin([joint0, joint1, *leaves], inverse_bind, skeleton=root)
    body = b.node(name="limb", mesh=mesh, skin=skin)
    b.scene(root, body)
    b.animation(
        [
            (joint1, "rotation", ANIM_TIMES, [rot_z(0), rot_z(90), rot_z(180)], "LINEAR"),
            (joint1, "translation", ANIM_TIMES, [[0, 1, 0], [0, 2, 0], [0, 3, 0]], "STEP"),
            (
                joint0,
                "scale",
                ANIM_TIMES[:2],
                [[[0, 0, 0], [1, 1, 1], [1, 1, 1]], [[1, 1, 1], [2, 2, 2], [0, 0, 0]]],
                "CUBICSPLINE",
            ),
            (body, "weights", ANIM_TIMES[:2], [[0.0], [1.0]], "LINEAR"),
        ],
        name="wave",
    )
    return b.save(folder / "skinned.glb")


def build_materials(folder: Path) -> Path:
    """Every material slot, KHR_texture_transform, unlit, alpha modes and an ignored extension."""
    b = GltfBuilder()
    img = b.image(CHECKER)
    tex = b.texture(img, wrapS=33648, wrapT=33071, magFilter=9729, minFilter=9987)
    plain = b.texture(img)
    transform = {"offset": [0.5, 0.0], "rotation": float(np.pi / 2), "scale": [2.0, 3.0], "texCoord": 1}
    full = b.material(
        name="full",
        pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
            baseColorFactor=[0.5, 0.6, 0.7, 0.8],
            baseColorTexture=pygltflib.TextureInfo(
                index=tex, extensions={"KHR_texture_transform": transform}
            ),
            metallicFactor=0.25,
            roughnessFactor=0.75,
            metallicRoughnessTexture=pygltflib.TextureInfo(index=plain, texCoord=1),
        ),
        normalTexture=pygltflib.NormalMaterialTexture(index=plain, scale=0.5),
        occlusionTexture=pygltflib.OcclusionTextureInfo(index=plain, strength=0.7),
        emissiveFactor=[1.0, 0.5, 0.0],
        emissiveTexture=pygltflib.TextureInfo(index=plain),
        alphaMode="MASK",
        alphaCutoff=0.3,
        doubleSided=True,
    )
    unlit = b.material(name="unlit", alphaMode="BLEND", extensions={"KHR_materials_unlit": {}})
    coat = b.material(name="coat", extensions={"KHR_materials_clearcoat": {"clearcoatFactor": 1.0}})
    uv1 = QUAD_UV * 0.5
    prims = [quad_primitive(material=m) for m in (full, unlit, coat)]
    for p in prims:
        p["attributes"]["TEXCOORD_1"] = uv1
    _one_mesh_scene(b, b.mesh(prims, name="panels"))
    b.gltf.extensionsUsed = ["KHR_texture_transform", "KHR_materials_unlit", "KHR_materials_clearcoat"]
    return b.save(folder / "materials.glb")


FACE_TARGETS = ["Fcl_MTH_A", "Fcl_EYE_Close", "Fcl_EYE_Close_L", "Fcl_ALL_Surprised"]


def _vrm_body(b: GltfBuilder) -> dict[str, int]:
    """A face mesh with four morphs on a small humanoid chain; returns node indices by bone."""
    deltas = [np.tile(np.array([0, 0, 0.1 * (k + 1)], np.float32), (4, 1)) for k in range(len(FACE_TARGETS))]
    face_mesh = b.mesh(
        [quad_primitive(targets=[{"POSITION": d} for d in deltas])], name="Face", target_names=FACE_TARGETS
    )
    bones = {}
    bones["leftEye"] = b.node(name="LeftEye", translation=[0.03, 0.05, 0.08])
    bones["rightEye"] = b.node(name="RightEye", translation=[-0.03, 0.05, 0.08])
    bones["jaw"] = b.node(name="Jaw", translation=[0, -0.02, 0.02])
    bones["head"] = b.node(
        name="Head", translation=[0, 0.1, 0], children=[bones["leftEye"], bones["rightEye"], bones["jaw"]]
    )
    bones["neck"] = b.node(name="Neck", translation=[0, 1.4, 0], children=[bones["head"]])
    bones["thumb"] = b.node(name="LeftThumb", translation=[0.5, 1.2, 0])
    bones["hips"] = b.node(name="Hips", children=[bones["neck"], bones["thumb"]])
    bones["face"] = b.node(name="FaceMesh", mesh=face_mesh)
    b.scene(bones["hips"], bones["face"])
    return bones


def build_vrm0(folder: Path) -> Path:
    """VRM 0.x: blend shape groups (weights 0..100, presets, a custom one) and humanoid bones."""
    b = GltfBuilder()
    bones = _vrm_body(b)
    groups = [
        {"name": "A", "presetName": "a", "binds": [{"mesh": 0, "index": 0, "weight": 100}]},
        {"name": "Blink", "presetName": "blink", "binds": [{"mesh": 0, "index": 1, "weight": 100}]},
        {"name": "Blink_L", "presetName": "blink_l", "binds": [{"mesh": 0, "index": 2, "weight": 50}]},
        {"name": "Joy", "presetName": "joy", "isBinary": True, "binds": []},
        {"name": "Surprised", "presetName": "unknown", "binds": [{"mesh": 0, "index": 3, "weight": 80}]},
    ]
    human = [
        {"bone": bone, "node": bones[bone]} for bone in ("hips", "neck", "head", "jaw", "leftEye", "rightEye")
    ]
    human.append({"bone": "leftThumbIntermediate", "node": bones["thumb"]})
    b.gltf.extensions = {
        "VRM": {
            "exporterVersion": "test",
            "specVersion": "0.0",
            "blendShapeMaster": {"blendShapeGroups": groups},
            "humanoid": {"humanBones": human},
        }
    }
    b.gltf.extensionsUsed = ["VRM"]
    return b.save(folder / "avatar0.vrm")


def build_vrm1(folder: Path) -> Path:
    """VRM 1.0: preset and custom expressions binding a NODE's morphs, overrides, humanoid map."""
    b = GltfBuilder()
    bones = _vrm_body(b)
    face = bones["face"]
    expressions = {
        "preset": {
            "aa": {"morphTargetBinds": [{"node": face, "index": 0, "weight": 1.0}], "overrideBlink": "block"},
            "blink": {"morphTargetBinds": [{"node": face, "index": 1, "weight": 1.0}], "isBinary": True},
            "blinkLeft": {
                "morphTargetBinds": [{"node": face, "index": 2, "weight": 0.5}],
                "overrideLookAt": "blend",
                "overrideMouth": "block",
            },
        },
        "custom": {"surprise": {"morphTargetBinds": [{"node": face, "index": 3, "weight": 1.0}]}},
    }
    human = {bone: {"node": bones[bone]} for bone in ("hips", "neck", "head", "jaw", "leftEye", "rightEye")}
    vrm = {"specVersion": "1.0", "meta": {"name": "test"}, "humanoid": {"humanBones": human}}
    b.gltf.extensions = {"VRMC_vrm": {**vrm, "expressions": expressions}}
    b.gltf.extensionsUsed = ["VRMC_vrm"]
    return b.save(folder / "avatar1.vrm")


FIXTURES = [
    ("triangle", build_triangle),
    ("external_gltf", build_external_gltf),
    ("data_uri_gltf", build_data_uri_gltf),
    ("quantized", build_quantized),
    ("morphs", build_morphs),
    ("primitive_modes", build_primitive_modes),
    ("skinned", build_skinned),
    ("materials", build_materials),
    ("vrm0", build_vrm0),
    ("vrm1", build_vrm1),
]


def all_fixture_builders() -> list[tuple[str, object]]:
    """(name, build(folder) -> Path) for every valid fixture; file names differ, so one folder serves all."""
    return list(FIXTURES)
