"""Load a glTF 2.0 file (.gltf, .glb) or a VRM avatar (.vrm) into `engine.rig.asset.Avatar`.

pygltflib parses the JSON document; everything binary (GLB chunks, buffers, accessors) is read
here, because a loader that must refuse corrupt files has to check every size and offset itself
before it allocates anything. The rules:

- `load_avatar(path)` either returns an Avatar or raises `AvatarError(path, where, reason)`, where
  `where` is a JSON-ish path such as ``accessors[3].count`` or ``buffers[0].uri``.
- Sizes are checked against the bytes actually present before any array exists, so a corrupt
  count fails at once instead of allocating. Every array the loader allocates is charged to one
  budget, `ALLOCATION_SLACK` plus `EXPANSION` bytes per byte of buffer data read: neither
  accessors without a bufferView nor many accessors aliasing the same bytes can make a small
  file allocate gigabytes.
- `uri`s are relative paths inside the asset's folder or `data:` URIs; nothing else is read.
- Optional features we ignore are listed in `Avatar.unsupported`; recoverable oddities in
  `Avatar.warnings`. Extensions in `extensionsRequired` that we do not implement are refused.
- Every array in the Avatar is read-only: most are zero-copy views of the file's bytes and a
  shared accessor yields one shared array. Copy before modifying.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote, unquote_to_bytes

import numpy as np
import pygltflib

from engine.rig.asset import (
    Animation,
    AnimationChannel,
    Avatar,
    AvatarError,
    Expression,
    Image,
    Material,
    Mesh,
    MorphBind,
    MorphTarget,
    Node,
    Primitive,
    Skin,
    TextureRef,
)
from engine.rig.retarget import VRM0_PRESETS

IMPLEMENTED_EXTENSIONS = frozenset(
    {"KHR_materials_unlit", "KHR_texture_transform", "KHR_mesh_quantization", "VRM", "VRMC_vrm"}
)
ALLOCATION_SLACK = 512 << 20  # bytes any file may allocate (zeros, conversions) beyond...
EXPANSION = 8  # ...this many bytes per byte of buffer data it holds (uint8 -> float32 is 4)

_GLB_SUFFIXES = {".glb", ".vrm"}
_SUFFIXES = _GLB_SUFFIXES | {".gltf"}
_CHUNK_JSON, _CHUNK_BIN = 0x4E4F534A, 0x004E4942
_DTYPES = {
    5120: np.dtype("i1"),
    5121: np.dtype("u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
_UNSIGNED = (5121, 5123, 5125)
# accessor type -> (columns, rows); matrices are stored column by column
_SHAPES = {
    "SCALAR": (1, 1),
    "VEC2": (1, 2),
    "VEC3": (1, 3),
    "VEC4": (1, 4),
    "MAT2": (2, 2),
    "MAT3": (3, 3),
    "MAT4": (4, 4),
}
_TABLES = (
    "accessors", "animations", "buffers", "bufferViews", "cameras", "images", "materials",
    "meshes", "nodes", "samplers", "scenes", "skins", "textures",
)  # fmt: skip
_MODE_NAMES = {0: "POINTS", 1: "LINES", 2: "LINE_LOOP", 3: "LINE_STRIP"}
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_DECODABLE_MIMES = {"image/png", "image/jpeg"}
_MIME_BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ktx2": "image/ktx2",
}
_OVERRIDES = ("none", "block", "blend")
_PATH_WIDTH = {"translation": 3, "rotation": 4, "scale": 3}
_VRM0_PRESETS = {k.lower(): v for k, v in VRM0_PRESETS.items()}
# VRM 0.x counted thumb bones from the metacarpal; VRM 1.0 renamed them.
_VRM0_BONES = {
    f"{side}Thumb{old}": f"{side}Thumb{new}"
    for side in ("left", "right")
    for old, new in (("Proximal", "Metacarpal"), ("Intermediate", "Proximal"))
}


def load_avatar(path: str | Path) -> Avatar:
    """Read a .gltf, .glb or .vrm file into plain arrays, or raise AvatarError saying why not."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise AvatarError(
            path, "file", f"unsupported file extension {suffix!r}; expected .gltf, .glb or .vrm"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AvatarError(path, "file", f"cannot read the file: {exc.strerror or exc}") from exc
    if suffix in _GLB_SUFFIXES:
        json_bytes, bin_chunk = _split_glb(path, data)
    else:
        json_bytes, bin_chunk = data, None
    gltf = _parse_document(path, json_bytes)
    try:
        return _Loader(path, gltf, bin_chunk).load()
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        # A shape of garbage the field checks did not foresee: still a refusal, not a crash.
        raise AvatarError(path, "document", f"malformed glTF ({type(exc).__name__}: {exc})") from exc


def _split_glb(path: Path, data: bytes) -> tuple[memoryview, memoryview | None]:
    """The JSON chunk and the optional BIN chunk of a GLB container, every length checked."""
    if len(data) < 12:
        raise AvatarError(path, "header", f"truncated GLB: {len(data)} bytes, the header alone needs 12")
    magic, version, length = struct.unpack_from("<4sII", data)
    if magic != b"glTF":
        raise AvatarError(path, "header.magic", f"not a GLB file: magic {magic!r}, expected b'glTF'")
    if version != 2:
        raise AvatarError(path, "header.version", f"GLB version {version}; only version 2 is supported")
    if length > len(data):
        raise AvatarError(
            path, "header.length", f"declares {length} bytes but the file has {len(data)} (truncated)"
        )
    view = memoryview(data)[:length]
    chunks: list[tuple[int, memoryview]] = []
    offset = 12
    while offset < length:
        k = len(chunks)
        if offset + 8 > length:
            raise AvatarError(path, f"chunks[{k}]", f"truncated chunk header at byte {offset}")
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        start, end = offset + 8, offset + 8 + chunk_length
        if end > length:
            raise AvatarError(
                path,
                f"chunks[{k}].chunkLength",
                f"{chunk_length} bytes from byte {start} run past the end of the file ({length} bytes)",
            )
        chunks.append((chunk_type, view[start:end]))
        offset = end
    if not chunks or chunks[0][0] != _CHUNK_JSON:
        raise AvatarError(path, "chunks[0].chunkType", "the first GLB chunk must be JSON")
    bin_chunk = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == _CHUNK_BIN else None
    return chunks[0][1], bin_chunk


def _parse_document(path: Path, json_bytes: bytes | memoryview) -> pygltflib.GLTF2:
    """The glTF JSON through pygltflib, with every way it can fail turned into an AvatarError."""
    try:
        text = bytes(json_bytes).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AvatarError(path, "json", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise AvatarError(path, "json", f"invalid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise AvatarError(path, "json", f"the document must be a JSON object, not {type(raw).__name__}")
    asset = raw.get("asset")
    version = asset.get("version") if isinstance(asset, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != "2":
        raise AvatarError(path, "asset.version", f"expected a glTF 2.x version string, got {version!r}")
    try:
        return pygltflib.GLTF2.from_json(text, infer_missing=True)
    except Exception as exc:  # pygltflib/dataclasses_json raise anything on garbage
        raise AvatarError(path, "json", f"malformed glTF document ({type(exc).__name__}: {exc})") from exc


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


class _Loader:
    """One load: the document, its bytes, caches of decoded accessors, and the notes it collects."""

    def __init__(self, path: Path, gltf: pygltflib.GLTF2, bin_chunk: memoryview | None):
        self.path, self.gltf, self.bin_chunk = path, gltf, bin_chunk
        self.folder = path.parent
        self.buffers: dict[int, memoryview] = {}
        self.raw_cache: dict[int, np.ndarray] = {}
        self.float_cache: dict[int, np.ndarray] = {}
        self.zeros: dict[int, np.ndarray] = {}  # vertex count -> shared zero deltas
        self.budget = ALLOCATION_SLACK
        self.warnings: list[str] = []
        self.unsupported: list[str] = []
        self.ignored_extensions: dict[str, str] = {}  # name -> first place seen
        self.weights_warned = False

    # ---- small checks -------------------------------------------------------------------

    def error(self, where: str, reason: str) -> AvatarError:
        return AvatarError(self.path, where, reason)

    def index(self, value, table: str, where: str) -> int:
        """`value` as a valid index into the document's list `table` (e.g. 'meshes')."""
        size = len(getattr(self.gltf, table))
        if type(value) is not int or not 0 <= value < size:
            raise self.error(where, f"{value!r} is not an index into {table} (the file has {size})")
        return value

    def integer(self, value, where: str, minimum: int = 0) -> int:
        if type(value) is not int or value < minimum:
            raise self.error(where, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def numbers(self, value, length: int, where: str, default) -> np.ndarray:
        """A list of `length` finite numbers as float64, or `default` when absent."""
        if value is None:
            return np.array(default, dtype=np.float64)
        try:
            out = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            out = None
        if out is None or out.shape != (length,) or not np.isfinite(out).all():
            raise self.error(where, f"expected {length} finite numbers, got {value!r:.80}")
        return out

    def charge(self, nbytes: int, where: str) -> None:
        """Count an allocation against the budget before making it (see the module docstring)."""
        if nbytes > self.budget:
            raise self.error(
                where,
                f"needs {nbytes} more bytes of arrays, past this file's allocation budget "
                f"({ALLOCATION_SLACK} bytes + {EXPANSION} per byte of buffer data)",
            )
        self.budget -= nbytes

    def note_extensions(self, extensions, where: str) -> None:
        for name in extensions or {}:
            if name not in IMPLEMENTED_EXTENSIONS:
                self.ignored_extensions.setdefault(name, where)

    # ---- bytes: buffers, views, accessors -----------------------------------------------

    def read_uri(self, uri, where: str) -> tuple[bytes, str | None]:
        """Bytes (and a MIME type, when known) behind a data: URI or a file inside the folder."""
        if not isinstance(uri, str) or not uri:
            raise self.error(where, f"expected a URI string, got {uri!r}")
        if uri[:5].lower() == "data:":
            header, comma, payload = uri[5:].partition(",")
            if not comma:
                raise self.error(where, "malformed data URI: no ',' before the payload")
            params = header.split(";")
            try:
                if "base64" in (p.strip().lower() for p in params[1:]):
                    data = base64.b64decode(payload)
                else:
                    data = unquote_to_bytes(payload)
            except (binascii.Error, ValueError) as exc:
                raise self.error(where, f"malformed base64 in data URI: {exc}") from exc
            return data, params[0].strip().lower() or None
        if _URI_SCHEME.match(uri):
            raise self.error(where, f"{uri[:80]!r} refused: only relative paths and data: URIs are read")
        relative = unquote(uri)
        if relative.startswith(("/", "\\")) or PureWindowsPath(relative).drive or "\0" in relative:
            raise self.error(where, f"{uri[:80]!r} refused: absolute paths are not allowed")
        folder = self.folder.resolve()
        try:
            target = (folder / relative).resolve()
        except (OSError, RuntimeError) as exc:  # name too long, symlink loop
            raise self.error(where, f"{uri[:80]!r} cannot be resolved: {exc}") from exc
        if not target.is_relative_to(folder):
            raise self.error(where, f"{uri[:80]!r} refused: it resolves outside the asset's folder {folder}")
        try:
            data = target.read_bytes()
        except FileNotFoundError as exc:
            raise self.error(where, f"file not found: {relative} (looked in {folder})") from exc
        except OSError as exc:
            raise self.error(where, f"cannot read {relative}: {exc.strerror or exc}") from exc
        return data, _MIME_BY_SUFFIX.get(Path(relative).suffix.lower())

    def buffer(self, i: int) -> memoryview:
        if i not in self.buffers:
            buf = self.gltf.buffers[i]
            where = f"buffers[{i}]"
            length = self.integer(buf.byteLength, f"{where}.byteLength", minimum=1)
            if buf.uri is None:
                if self.bin_chunk is None:
                    raise self.error(f"{where}.uri", "missing, and the file has no GLB binary chunk")
                data = self.bin_chunk
            else:
                data = memoryview(self.read_uri(buf.uri, f"{where}.uri")[0])
            if len(data) < length:
                raise self.error(
                    f"{where}.byteLength", f"declares {length} bytes but only {len(data)} are present"
                )
            self.buffers[i] = data[:length]
            self.budget += EXPANSION * length
        return self.buffers[i]

    def buffer_view(self, i, where: str) -> tuple[memoryview, int | None]:
        i = self.index(i, "bufferViews", where)
        view = self.gltf.bufferViews[i]
        here = f"bufferViews[{i}]"
        buf = self.buffer(self.index(view.buffer, "buffers", f"{here}.buffer"))
        offset = self.integer(view.byteOffset or 0, f"{here}.byteOffset")
        length = self.integer(view.byteLength, f"{here}.byteLength", minimum=1)
        if offset + length > len(buf):
            raise self.error(
                f"{here}.byteLength",
                f"bytes {offset}..{offset + length} run past the end of buffers[{view.buffer}] "
                f"({len(buf)} bytes)",
            )
        stride = view.byteStride
        if stride is not None and (type(stride) is not int or not 1 <= stride <= 252):
            raise self.error(f"{here}.byteStride", f"expected an integer in 1..252, got {stride!r}")
        return buf[offset : offset + length], stride

    def read_elements(self, view_index, offset, dtype, count, shape, where, strided=True) -> np.ndarray:
        """`count` elements of `shape` (columns, rows) from a bufferView, as (count, columns*rows)."""
        view, view_stride = self.buffer_view(view_index, f"{where}.bufferView")
        offset = self.integer(offset or 0, f"{where}.byteOffset")
        cols, rows = shape
        size = dtype.itemsize
        # Matrix columns start on 4-byte boundaries (glTF's padding rule for 1- and 2-byte types).
        col_bytes = rows * size if cols == 1 else -(-rows * size // 4) * 4
        element = cols * col_bytes
        stride = view_stride if strided and view_stride else element
        if stride < element:
            raise self.error(
                f"{where}.bufferView", f"byteStride {stride} is smaller than one {element}-byte element"
            )
        needed = offset + stride * (count - 1) + element
        if needed > len(view):
            raise self.error(
                where,
                f"{count} elements of {element} bytes (stride {stride}) from offset {offset} "
                f"need {needed} bytes, but bufferViews[{view_index}] has {len(view)}",
            )
        array = np.ndarray(
            (count, cols, rows), dtype, buffer=view, offset=offset, strides=(stride, col_bytes, size)
        )
        return array.reshape(count, cols * rows)

    def accessor_meta(self, i, where: str) -> tuple[int, pygltflib.Accessor, np.dtype, tuple[int, int], int]:
        """Index, accessor, dtype, (columns, rows) and count, validated; nothing decoded."""
        i = self.index(i, "accessors", where)
        acc = self.gltf.accessors[i]
        here = f"accessors[{i}]"
        if acc.componentType not in _DTYPES:
            raise self.error(f"{here}.componentType", f"unknown component type {acc.componentType!r}")
        if acc.type not in _SHAPES:
            raise self.error(f"{here}.type", f"unknown accessor type {acc.type!r}")
        count = self.integer(acc.count, f"{here}.count", minimum=1)
        return i, acc, _DTYPES[acc.componentType], _SHAPES[acc.type], count

    def raw(self, i, where: str) -> np.ndarray:
        """An accessor's values in their stored component type, shape (count, components)."""
        i, acc, dtype, shape, count = self.accessor_meta(i, where)
        if i in self.raw_cache:
            return self.raw_cache[i]
        here = f"accessors[{i}]"
        width = shape[0] * shape[1]
        if acc.bufferView is None:
            self.charge(count * width * dtype.itemsize, f"{here}.count")
            values = np.zeros((count, width), dtype)
        else:
            values = self.read_elements(acc.bufferView, acc.byteOffset, dtype, count, shape, here)
        if acc.sparse is not None:
            values = self.apply_sparse(acc.sparse, values, dtype, shape, count, f"{here}.sparse")
        self.raw_cache[i] = _frozen(values)
        return values

    def apply_sparse(self, sparse, values, dtype, shape, count, where) -> np.ndarray:
        n = self.integer(sparse.count, f"{where}.count", minimum=1)
        if n > count:
            raise self.error(f"{where}.count", f"{n} substitutions for an accessor of {count} elements")
        idx_info, val_info = sparse.indices, sparse.values
        if idx_info is None or val_info is None:
            raise self.error(where, "sparse storage needs both indices and values")
        if idx_info.componentType not in _UNSIGNED:
            raise self.error(
                f"{where}.indices.componentType",
                f"expected 5121, 5123 or 5125, got {idx_info.componentType!r}",
            )
        idx = self.read_elements(
            idx_info.bufferView,
            idx_info.byteOffset,
            _DTYPES[idx_info.componentType],
            n,
            (1, 1),
            f"{where}.indices",
            strided=False,
        )[:, 0]
        substitutes = self.read_elements(
            val_info.bufferView, val_info.byteOffset, dtype, n, shape, f"{where}.values", strided=False
        )
        if int(idx.max()) >= count:
            raise self.error(
                f"{where}.indices", f"index {int(idx.max())} is past the accessor's {count} elements"
            )
        if not values.flags.writeable:  # a view of the file: substitute into a copy
            self.charge(values.nbytes, where)
            values = np.array(values)
        out = values
        out[idx] = substitutes
        return out

    def floats(self, i, where: str, types: tuple[str, ...]) -> np.ndarray:
        """An accessor of one of `types` as contiguous float32 (count, width); normalized ints dequantized."""
        i, acc, dtype, _, _ = self.accessor_meta(i, where)
        if acc.type not in types:
            raise self.error(where, f"accessors[{i}] is {acc.type}; expected {' or '.join(types)}")
        if i not in self.float_cache:
            values = self.raw(i, where)
            if dtype.kind != "f" or not values.flags.c_contiguous:
                self.charge(values.size * 4, f"accessors[{i}]")
            if dtype.kind == "f":
                out = values
            elif acc.normalized:
                bits = dtype.itemsize * 8
                if dtype.kind == "i":
                    out = np.maximum(
                        values.astype(np.float32) / np.float32(2 ** (bits - 1) - 1), np.float32(-1)
                    )
                else:
                    out = values.astype(np.float32) / np.float32(2**bits - 1)
            else:
                out = values.astype(np.float32)  # KHR_mesh_quantization: plain integer positions etc.
            self.float_cache[i] = _frozen(np.ascontiguousarray(out, dtype=np.float32))
        return self.float_cache[i]

    def integers(self, i, where: str, width: int) -> np.ndarray:
        """An unsigned integer accessor (indices, joints), shape (count, width)."""
        i, acc, dtype, shape, _ = self.accessor_meta(i, where)
        if acc.componentType not in _UNSIGNED or shape != (1, width):
            raise self.error(
                where,
                f"accessors[{i}] is {acc.type} of component type {acc.componentType}; "
                f"expected unsigned integers, {width} per element",
            )
        return self.raw(i, where)

    # ---- the document -------------------------------------------------------------------

    def listed(self, items, where: str, kind: type | tuple[type, ...] = object) -> list:
        """`items` as a list whose every element is a `kind` (absent -> empty), else an error."""
        if items is None:
            return []
        if not isinstance(items, list):
            raise self.error(where, f"expected a list, got {type(items).__name__}")
        for k, item in enumerate(items):
            if not isinstance(item, kind) or isinstance(item, bool):
                raise self.error(
                    f"{where}[{k}]", f"expected {getattr(kind, '__name__', 'an object')}, got {item!r:.60}"
                )
        return items

    def check_structure(self) -> None:
        """Lists where lists belong, objects where objects belong: later code can then index freely."""
        gltf = self.gltf
        for table in _TABLES:
            setattr(gltf, table, self.listed(getattr(gltf, table), table, pygltflib.Property))
        gltf.extensionsUsed = self.listed(gltf.extensionsUsed, "extensionsUsed", str)
        gltf.extensionsRequired = self.listed(gltf.extensionsRequired, "extensionsRequired", str)
        for m, mesh in enumerate(gltf.meshes):
            mesh.primitives = self.listed(mesh.primitives, f"meshes[{m}].primitives", pygltflib.Primitive)
            for p, prim in enumerate(mesh.primitives):
                where = f"meshes[{m}].primitives[{p}]"
                if not isinstance(prim.attributes, (dict, pygltflib.Attributes)):
                    raise self.error(
                        f"{where}.attributes", f"expected an object, got {prim.attributes!r:.60}"
                    )
                prim.targets = self.listed(prim.targets, f"{where}.targets", dict)
        for i, node in enumerate(gltf.nodes):
            node.children = self.listed(node.children, f"nodes[{i}].children")
        for s, scene in enumerate(gltf.scenes):
            scene.nodes = self.listed(scene.nodes, f"scenes[{s}].nodes")
        for a, anim in enumerate(gltf.animations):
            anim.channels = self.listed(
                anim.channels, f"animations[{a}].channels", pygltflib.AnimationChannel
            )
            anim.samplers = self.listed(
                anim.samplers, f"animations[{a}].samplers", pygltflib.AnimationSampler
            )

    def load(self) -> Avatar:
        gltf = self.gltf
        self.check_structure()
        for k, name in enumerate(gltf.extensionsRequired):
            if name not in IMPLEMENTED_EXTENSIONS:
                raise self.error(
                    f"extensionsRequired[{k}]",
                    f"requires extension {name}, which this loader does not implement",
                )
        extensions_used = list(gltf.extensionsUsed)
        for name in extensions_used:
            self.note_extensions({name: None}, "extensionsUsed")
        self.note_extensions(gltf.extensions, "extensions")

        meshes = [self.mesh(m, mesh) for m, mesh in enumerate(gltf.meshes)]
        nodes = self.nodes()
        skins = [self.skin(s, skin) for s, skin in enumerate(gltf.skins)]
        self.check_skinned_joints(nodes, meshes, skins)
        images = [self.image(i, img) for i, img in enumerate(gltf.images)]
        materials = [self.material(i, mat, images) for i, mat in enumerate(gltf.materials)]
        animations = [self.animation(a, anim, nodes, meshes) for a, anim in enumerate(gltf.animations)]
        if gltf.cameras:
            self.unsupported.append(f"cameras: {len(gltf.cameras)} ignored")

        avatar = Avatar(
            path=str(self.path),
            nodes=nodes,
            meshes=meshes,
            skins=skins,
            materials=materials,
            images=images,
            animations=animations,
            scene_roots=self.scene_roots(nodes),
            extensions_used=extensions_used,
        )
        root_ext = gltf.extensions or {}
        if isinstance(root_ext.get("VRMC_vrm"), dict):
            self.vrm1(avatar, root_ext["VRMC_vrm"])
        elif isinstance(root_ext.get("VRM"), dict):
            self.vrm0(avatar, root_ext["VRM"])
        for name, where in self.ignored_extensions.items():
            self.unsupported.append(f"extension {name} (first seen in {where}): ignored")
        avatar.unsupported = list(dict.fromkeys(self.unsupported))
        avatar.warnings = self.warnings
        return avatar

    # ---- meshes ----

    def mesh(self, m: int, mesh: pygltflib.Mesh) -> Mesh:
        where = f"meshes[{m}]"
        self.note_extensions(mesh.extensions, where)
        raw_prims = mesh.primitives
        target_count = len(raw_prims[0].targets) if raw_prims else 0
        primitives = []
        for p, prim in enumerate(raw_prims):
            n = len(prim.targets)
            if n != target_count:
                raise self.error(
                    f"{where}.primitives[{p}].targets",
                    f"{n} morph targets, but primitives[0] has {target_count}",
                )
            loaded = self.primitive(f"{where}.primitives[{p}]", prim)
            if loaded is not None:
                primitives.append(loaded)
        names = self.target_names(where, mesh, raw_prims, target_count)
        weights = np.zeros(target_count, np.float32)
        if mesh.weights:
            given = self.numbers(mesh.weights, len(mesh.weights), f"{where}.weights", None)
            if len(given) == target_count:
                weights = given.astype(np.float32)
            else:
                self.warnings.append(
                    f"{where}.weights: {len(given)} default weights for {target_count} targets; using zeros"
                )
        name = mesh.name if isinstance(mesh.name, str) and mesh.name else f"mesh_{m}"
        return Mesh(name=name, primitives=primitives, target_names=names, default_weights=_frozen(weights))

    def target_names(self, where: str, mesh, raw_prims, count: int) -> list[str]:
        """Names from extras.targetNames (mesh, else first primitive); numbered when unusable."""
        numbered = [f"target_{k}" for k in range(count)]
        for holder, label in ((mesh, where), (raw_prims[0] if raw_prims else None, f"{where}.primitives[0]")):
            extras = getattr(holder, "extras", None)
            names = extras.get("targetNames") if isinstance(extras, dict) else None
            if names is None:
                continue
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                self.warnings.append(
                    f"{label}.extras.targetNames: not a list of strings; using numbered names"
                )
                return numbered
            if len(names) != count:
                self.warnings.append(
                    f"{label}.extras.targetNames: {len(names)} names for {count} morph targets; "
                    "using numbered names"
                )
                return numbered
            return list(names)
        return numbered

    def primitive(self, where: str, prim: pygltflib.Primitive) -> Primitive | None:
        self.note_extensions(prim.extensions, where)
        attrs = prim.attributes if isinstance(prim.attributes, dict) else vars(prim.attributes)
        attrs = {k: v for k, v in attrs.items() if v is not None}
        mode = 4 if prim.mode is None else prim.mode
        if type(mode) is not int or not 0 <= mode <= 6:
            raise self.error(f"{where}.mode", f"unknown primitive mode {mode!r}")
        if mode in _MODE_NAMES:
            self.unsupported.append(
                f"{where}: {_MODE_NAMES[mode]} primitive skipped (only triangles are drawn)"
            )
            return None
        if "POSITION" not in attrs:
            self.unsupported.append(f"{where}: primitive without POSITION skipped")
            return None

        # Every count is checked against POSITION's before anything is decoded.
        count = self.accessor_meta(attrs["POSITION"], f"{where}.attributes.POSITION")[4]
        targets = prim.targets
        labelled = [(f"{where}.attributes.{k}", v) for k, v in attrs.items()]
        for t, target in enumerate(targets):
            labelled += [(f"{where}.targets[{t}].{k}", v) for k, v in target.items() if v is not None]
        for label, acc in labelled:
            n = self.accessor_meta(acc, label)[4]
            if n != count:
                raise self.error(label, f"accessors[{acc}] has {n} elements but POSITION has {count}")

        positions = self.floats(attrs["POSITION"], f"{where}.attributes.POSITION", ("VEC3",))
        if not np.isfinite(positions).all():
            raise self.error(f"{where}.attributes.POSITION", "contains NaN or infinite values")
        texcoords = []
        while f"TEXCOORD_{len(texcoords)}" in attrs:
            k = len(texcoords)
            texcoords.append(
                self.floats(attrs[f"TEXCOORD_{k}"], f"{where}.attributes.TEXCOORD_{k}", ("VEC2",))
            )
        colors = None
        if "COLOR_0" in attrs:
            colors = self.floats(attrs["COLOR_0"], f"{where}.attributes.COLOR_0", ("VEC3", "VEC4"))
            if colors.shape[1] == 3:
                self.charge(count * 16, f"{where}.attributes.COLOR_0")
                colors = _frozen(np.hstack([colors, np.ones((count, 1), np.float32)]))
        joints, weights = self.skin_attributes(where, attrs, count)
        material = (
            None if prim.material is None else self.index(prim.material, "materials", f"{where}.material")
        )
        return Primitive(
            positions=positions,
            indices=self.triangles(where, prim.indices, mode, count),
            normals=self.floats(attrs["NORMAL"], f"{where}.attributes.NORMAL", ("VEC3",))
            if "NORMAL" in attrs
            else None,
            tangents=self.floats(attrs["TANGENT"], f"{where}.attributes.TANGENT", ("VEC4",))
            if "TANGENT" in attrs
            else None,
            texcoords=texcoords,
            colors=colors,
            joints=joints,
            weights=weights,
            material=material,
            targets=[
                self.morph_target(f"{where}.targets[{t}]", target, count) for t, target in enumerate(targets)
            ],
        )

    def triangles(self, where: str, indices, mode: int, count: int) -> np.ndarray:
        """A (T, 3) uint32 triangle list from indexed or plain lists, strips and fans."""
        if indices is None:
            self.charge(count * 4, where)
            flat = np.arange(count, dtype=np.uint32)
        else:
            flat = self.integers(indices, f"{where}.indices", 1)[:, 0]
            top = int(flat.max())
            if top >= count:
                raise self.error(f"{where}.indices", f"index {top} is past the vertex count {count}")
            self.charge(len(flat) * 4, f"{where}.indices")
            flat = flat.astype(np.uint32, copy=False)
        if mode == 4:
            usable = len(flat) - len(flat) % 3
            if usable != len(flat):
                self.warnings.append(
                    f"{where}.indices: {len(flat)} indices is not a multiple of 3; dropped the rest"
                )
            tris = flat[:usable].reshape(-1, 3)
        else:
            k = np.arange(max(len(flat) - 2, 0))
            self.charge(len(k) * 36, where)  # k, corners and triangles
            if mode == 5:  # strip: odd triangles swap their last two corners to keep the winding
                odd = k % 2
                tris = np.stack([flat[k], flat[k + 1 + odd], flat[k + 2 - odd]], axis=1)
            else:  # fan around the first vertex
                tris = np.stack(
                    [flat[k + 1], flat[k + 2], np.full(len(k), flat[0] if len(flat) else 0)], axis=1
                )
            tris = tris.astype(np.uint32)
        return _frozen(np.ascontiguousarray(tris))

    def skin_attributes(
        self, where: str, attrs: dict, count: int
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """JOINTS_n / WEIGHTS_n sets side by side, weights renormalized when they do not sum to 1."""
        joint_sets, weight_sets, tolerance = [], [], 2e-3
        while f"JOINTS_{len(joint_sets)}" in attrs and f"WEIGHTS_{len(joint_sets)}" in attrs:
            k = len(joint_sets)
            joints = self.integers(attrs[f"JOINTS_{k}"], f"{where}.attributes.JOINTS_{k}", 4)
            if joints.dtype.itemsize > 2 and int(joints.max()) > 0xFFFF:
                raise self.error(
                    f"{where}.attributes.JOINTS_{k}", f"joint index {int(joints.max())} is out of range"
                )
            joint_sets.append(joints)
            weight_sets.append(
                self.floats(attrs[f"WEIGHTS_{k}"], f"{where}.attributes.WEIGHTS_{k}", ("VEC4",))
            )
            acc = self.gltf.accessors[attrs[f"WEIGHTS_{k}"]]
            if acc.componentType != 5126:  # quantized weights may miss 1 by a few steps
                tolerance = max(tolerance, 4 / (2 ** (8 * _DTYPES[acc.componentType].itemsize) - 1))
        paired = {f"{kind}_{k}" for kind in ("JOINTS", "WEIGHTS") for k in range(len(joint_sets))}
        orphans = [k for k in attrs if k.startswith(("JOINTS_", "WEIGHTS_")) and k not in paired]
        if orphans:
            self.warnings.append(
                f"{where}.attributes: {', '.join(sorted(orphans))} without a matching set; ignored"
            )
        if not joint_sets:
            return None, None
        self.charge(count * len(joint_sets) * 4 * (2 + 4 + 4), f"{where}.attributes.JOINTS_*")
        joints = _frozen(np.ascontiguousarray(np.hstack(joint_sets), dtype=np.uint16))
        weights = np.hstack(weight_sets) if len(weight_sets) > 1 else weight_sets[0]
        sums = weights.sum(axis=1, dtype=np.float64)
        error = float(np.abs(sums - 1.0).max())
        if error > 1e-6:
            if error > tolerance and not self.weights_warned:
                self.weights_warned = True
                self.warnings.append(
                    f"{where}.attributes.WEIGHTS_*: skin weights do not sum to 1 (off by up to {error:.3g}); "
                    "normalized (reported once per file)"
                )
            scale = np.divide(1.0, sums, out=np.ones_like(sums), where=sums > 0)
            weights = (weights * scale[:, None]).astype(np.float32)
        return joints, _frozen(np.ascontiguousarray(weights, dtype=np.float32))

    def zero_deltas(self, count: int, where: str) -> np.ndarray:
        """One shared read-only (count, 3) zeros for all targets without POSITION."""
        if count not in self.zeros:
            self.charge(count * 12, where)
            self.zeros[count] = _frozen(np.zeros((count, 3), np.float32))
        return self.zeros[count]

    def morph_target(self, where: str, target: dict, count: int) -> MorphTarget:
        if "POSITION" in target:
            positions = self.floats(target["POSITION"], f"{where}.POSITION", ("VEC3",))
            if not np.isfinite(positions).all():
                raise self.error(f"{where}.POSITION", "contains NaN or infinite values")
        else:
            positions = self.zero_deltas(count, f"{where}.POSITION")
        normals = self.floats(target["NORMAL"], f"{where}.NORMAL", ("VEC3",)) if "NORMAL" in target else None
        tangents = (
            self.floats(target["TANGENT"], f"{where}.TANGENT", ("VEC3",)) if "TANGENT" in target else None
        )
        return MorphTarget(positions=positions, normals=normals, tangents=tangents)

    # ---- nodes, scenes, skins ----

    def nodes(self) -> list[Node]:
        nodes = []
        for i, node in enumerate(self.gltf.nodes):
            where = f"nodes[{i}]"
            self.note_extensions(node.extensions, where)
            out = Node(name=node.name if isinstance(node.name, str) and node.name else f"node_{i}")
            if node.mesh is not None:
                out.mesh = self.index(node.mesh, "meshes", f"{where}.mesh")
            if node.skin is not None:
                out.skin = self.index(node.skin, "skins", f"{where}.skin")
            if node.matrix is not None:
                column_major = self.numbers(node.matrix, 16, f"{where}.matrix", None)
                out.matrix = _frozen(column_major.reshape(4, 4).T.copy())
                out.translation, out.rotation, out.scale = _decompose(out.matrix)
            else:
                out.translation = self.numbers(node.translation, 3, f"{where}.translation", [0.0, 0.0, 0.0])
                out.rotation = self.numbers(node.rotation, 4, f"{where}.rotation", [0.0, 0.0, 0.0, 1.0])
                out.scale = self.numbers(node.scale, 3, f"{where}.scale", [1.0, 1.0, 1.0])
                norm = np.linalg.norm(out.rotation)
                if norm == 0:
                    raise self.error(f"{where}.rotation", "a zero quaternion is not a rotation")
                out.rotation = out.rotation / norm
            out.children = [
                self.index(c, "nodes", f"{where}.children[{k}]") for k, c in enumerate(node.children)
            ]
            nodes.append(out)
        for i, node in enumerate(nodes):
            for c in node.children:
                if nodes[c].parent is not None:
                    raise self.error(
                        f"nodes[{i}].children", f"node {c} already has parent node {nodes[c].parent}"
                    )
                nodes[c].parent = i
        self.check_acyclic(nodes)
        return nodes

    def check_acyclic(self, nodes: list[Node]) -> None:
        """With one parent per node, a cycle is a parent chain that never reaches a root."""
        state = [0] * len(nodes)  # 0 unseen, 1 on the chain being walked, 2 reaches a root
        for start in range(len(nodes)):
            chain, n = [], start
            while n is not None and state[n] == 0:
                state[n] = 1
                chain.append(n)
                n = nodes[n].parent
            if n is not None and state[n] == 1:
                cycle = chain[chain.index(n) :]
                raise self.error(
                    f"nodes[{n}].children", f"the node hierarchy has a cycle through nodes {cycle}"
                )
            for k in chain:
                state[k] = 2

    def scene_roots(self, nodes: list[Node]) -> list[int]:
        """The default scene's nodes, else scene 0's, else every parentless node."""
        scenes = self.gltf.scenes
        if self.gltf.scene is not None:
            chosen = self.index(self.gltf.scene, "scenes", "scene")
        elif scenes:
            chosen = 0
        else:
            return [i for i, n in enumerate(nodes) if n.parent is None]
        roots = scenes[chosen].nodes
        return [self.index(r, "nodes", f"scenes[{chosen}].nodes[{k}]") for k, r in enumerate(roots)]

    def skin(self, s: int, skin: pygltflib.Skin) -> Skin:
        where = f"skins[{s}]"
        if not isinstance(skin.joints, list) or not skin.joints:
            raise self.error(f"{where}.joints", "a skin needs a non-empty list of joint nodes")
        joints = [self.index(j, "nodes", f"{where}.joints[{k}]") for k, j in enumerate(skin.joints)]
        self.charge(len(joints) * 128, f"{where}.joints")
        if skin.inverseBindMatrices is None:
            inverse_bind = np.tile(np.eye(4), (len(joints), 1, 1))
        else:
            mats = self.floats(skin.inverseBindMatrices, f"{where}.inverseBindMatrices", ("MAT4",))
            if len(mats) < len(joints):
                raise self.error(
                    f"{where}.inverseBindMatrices", f"{len(mats)} matrices for {len(joints)} joints"
                )
            inverse_bind = mats[: len(joints)].reshape(-1, 4, 4).transpose(0, 2, 1).astype(np.float64)
        skeleton = None if skin.skeleton is None else self.index(skin.skeleton, "nodes", f"{where}.skeleton")
        name = skin.name if isinstance(skin.name, str) and skin.name else f"skin_{s}"
        return Skin(
            name=name,
            joints=joints,
            inverse_bind=_frozen(np.ascontiguousarray(inverse_bind)),
            skeleton=skeleton,
        )

    def check_skinned_joints(self, nodes: list[Node], meshes: list[Mesh], skins: list[Skin]) -> None:
        for i, node in enumerate(nodes):
            if node.mesh is None or node.skin is None:
                continue
            limit = len(skins[node.skin].joints)
            for p, prim in enumerate(meshes[node.mesh].primitives):
                if prim.joints is not None and int(prim.joints.max()) >= limit:
                    raise self.error(
                        f"meshes[{node.mesh}].primitives[{p}].attributes.JOINTS_*",
                        f"joint index {int(prim.joints.max())}, but skins[{node.skin}] (used by nodes[{i}]) "
                        f"has {limit} joints",
                    )

    # ---- animations ----

    def animation(
        self, a: int, anim: pygltflib.Animation, nodes: list[Node], meshes: list[Mesh]
    ) -> Animation:
        where = f"animations[{a}]"
        samplers = anim.samplers
        channels = []
        for c, chan in enumerate(anim.channels):
            here = f"{where}.channels[{c}]"
            target = chan.target
            if target is None or target.node is None:
                self.unsupported.append(f"{here}: channel without a target node ignored")
                continue
            node = self.index(target.node, "nodes", f"{here}.target.node")
            if target.path not in ("translation", "rotation", "scale", "weights"):
                self.unsupported.append(f"{here}: target path {target.path!r} ignored")
                continue
            if type(chan.sampler) is not int or not 0 <= chan.sampler < len(samplers):
                raise self.error(f"{here}.sampler", f"{chan.sampler!r} is not an index into {where}.samplers")
            if target.path == "weights":
                mesh = nodes[node].mesh
                width = len(meshes[mesh].target_names) if mesh is not None else 0
                if width == 0:
                    self.warnings.append(
                        f"{here}: animates morph weights of nodes[{node}], which has none; ignored"
                    )
                    continue
            else:
                width = _PATH_WIDTH[target.path]
            channels.append(
                self.channel(
                    f"{where}.samplers[{chan.sampler}]", samplers[chan.sampler], node, target.path, width
                )
            )
        name = anim.name if isinstance(anim.name, str) and anim.name else f"animation_{a}"
        return Animation(name=name, channels=channels)

    def channel(self, where: str, sampler, node: int, path: str, width: int) -> AnimationChannel:
        interpolation = sampler.interpolation or "LINEAR"
        if interpolation not in ("LINEAR", "STEP", "CUBICSPLINE"):
            raise self.error(f"{where}.interpolation", f"unknown interpolation {interpolation!r}")
        times = self.floats(sampler.input, f"{where}.input", ("SCALAR",))[:, 0]
        if not np.isfinite(times).all() or (np.diff(times) < 0).any():
            raise self.error(f"{where}.input", "keyframe times must be finite and increasing")
        values = self.floats(
            sampler.output, f"{where}.output", ("SCALAR",) if path == "weights" else (f"VEC{width}",)
        )
        per_key = (3 if interpolation == "CUBICSPLINE" else 1) * width
        if values.size != len(times) * per_key:
            raise self.error(
                f"{where}.output",
                f"{values.size} numbers for {len(times)} keyframes of {per_key} ({interpolation} {path})",
            )
        shape = (len(times), 3, width) if interpolation == "CUBICSPLINE" else (len(times), width)
        return AnimationChannel(
            node=node, path=path, times=times, values=values.reshape(shape), interpolation=interpolation
        )

    # ---- materials and images ----

    def image(self, i: int, img: pygltflib.Image) -> Image:
        where = f"images[{i}]"
        mime = img.mimeType if isinstance(img.mimeType, str) else None
        if img.bufferView is not None:
            data = bytes(self.buffer_view(img.bufferView, f"{where}.bufferView")[0])
        elif img.uri is not None:
            data, uri_mime = self.read_uri(img.uri, f"{where}.uri")
            mime = mime or uri_mime
        else:
            raise self.error(where, "an image needs a uri or a bufferView")
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            mime = mime or "image/png"
        elif data[:3] == b"\xff\xd8\xff":
            mime = mime or "image/jpeg"
        mime = mime or "application/octet-stream"
        if mime not in _DECODABLE_MIMES:
            self.unsupported.append(f"{where}: {mime} images are not decoded; textures using it are dropped")
        name = img.name if isinstance(img.name, str) and img.name else f"image_{i}"
        return Image(name=name, data=data, mime_type=mime)

    def material(self, i: int, mat: pygltflib.Material, images: list[Image]) -> Material:
        where = f"materials[{i}]"
        extensions = mat.extensions or {}
        self.note_extensions(extensions, where)
        pbr = mat.pbrMetallicRoughness or pygltflib.PbrMetallicRoughness()
        alpha_mode = mat.alphaMode or "OPAQUE"
        if alpha_mode not in ("OPAQUE", "MASK", "BLEND"):
            raise self.error(f"{where}.alphaMode", f"expected OPAQUE, MASK or BLEND, got {alpha_mode!r}")

        def scalar(value, default, field):
            return float(self.numbers([default if value is None else value], 1, f"{where}.{field}", None)[0])

        def texture(info, field):
            return None if info is None else self.texture_ref(info, f"{where}.{field}", images)

        return Material(
            name=mat.name if isinstance(mat.name, str) and mat.name else f"material_{i}",
            base_color=self.numbers(
                pbr.baseColorFactor, 4, f"{where}.pbrMetallicRoughness.baseColorFactor", [1.0] * 4
            ),
            base_color_texture=texture(pbr.baseColorTexture, "pbrMetallicRoughness.baseColorTexture"),
            metallic=scalar(pbr.metallicFactor, 1.0, "pbrMetallicRoughness.metallicFactor"),
            roughness=scalar(pbr.roughnessFactor, 1.0, "pbrMetallicRoughness.roughnessFactor"),
            metallic_roughness_texture=texture(
                pbr.metallicRoughnessTexture, "pbrMetallicRoughness.metallicRoughnessTexture"
            ),
            normal_texture=texture(mat.normalTexture, "normalTexture"),
            occlusion_texture=texture(mat.occlusionTexture, "occlusionTexture"),
            emissive=self.numbers(mat.emissiveFactor, 3, f"{where}.emissiveFactor", [0.0] * 3),
            emissive_texture=texture(mat.emissiveTexture, "emissiveTexture"),
            alpha_mode=alpha_mode,
            alpha_cutoff=scalar(mat.alphaCutoff, 0.5, "alphaCutoff"),
            double_sided=bool(mat.doubleSided),
            unlit="KHR_materials_unlit" in extensions,
        )

    def texture_ref(self, info, where: str, images: list[Image]) -> TextureRef:
        """A material's texture slot: image, texcoord set, KHR_texture_transform and sampler."""
        self.note_extensions(info.extensions, where)
        tex_index = self.index(info.index, "textures", f"{where}.index")
        tex = self.gltf.textures[tex_index]
        self.note_extensions(tex.extensions, f"textures[{tex_index}]")
        image = None
        if tex.source is None:
            self.unsupported.append(f"textures[{tex_index}]: no core image source; texture dropped")
        else:
            image = self.index(tex.source, "images", f"textures[{tex_index}].source")
            if images[image].mime_type not in _DECODABLE_MIMES:
                image = None
        ref = TextureRef(image=image, texcoord=self.integer(info.texCoord or 0, f"{where}.texCoord"))
        # normalTexture.scale and occlusionTexture.strength: both scale the texture's effect
        for field in ("scale", "strength"):
            if getattr(info, field, None) is not None:
                ref.scale = float(self.numbers([getattr(info, field)], 1, f"{where}.{field}", None)[0])
        transform = (info.extensions or {}).get("KHR_texture_transform")
        if isinstance(transform, dict):
            here = f"{where}.extensions.KHR_texture_transform"
            ox, oy = self.numbers(transform.get("offset"), 2, f"{here}.offset", [0.0, 0.0])
            sx, sy = self.numbers(transform.get("scale"), 2, f"{here}.scale", [1.0, 1.0])
            r = float(self.numbers([transform.get("rotation", 0.0)], 1, f"{here}.rotation", None)[0])
            c, s = np.cos(r), np.sin(r)
            translation = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]], np.float64)
            rotation = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]], np.float64)
            ref.transform = translation @ rotation @ np.diag([sx, sy, 1.0])
            if transform.get("texCoord") is not None:
                ref.texcoord = self.integer(transform["texCoord"], f"{here}.texCoord")
        if tex.sampler is not None:
            sampler = self.gltf.samplers[
                self.index(tex.sampler, "samplers", f"textures[{tex_index}].sampler")
            ]
            ref.wrap_s = sampler.wrapS if sampler.wrapS is not None else 10497
            ref.wrap_t = sampler.wrapT if sampler.wrapT is not None else 10497
            ref.mag_filter, ref.min_filter = sampler.magFilter, sampler.minFilter
        return ref

    # ---- VRM ----

    def vrm0(self, avatar: Avatar, vrm: dict) -> None:
        """VRM 0.x: blend shape groups (weights 0..100) and the humanoid bone list."""
        avatar.vrm_version = "0.x"
        where = "extensions.VRM"
        master = vrm.get("blendShapeMaster") if isinstance(vrm.get("blendShapeMaster"), dict) else {}
        groups = self.vrm_list(master.get("blendShapeGroups"), f"{where}.blendShapeMaster.blendShapeGroups")
        for g, group in enumerate(groups):
            here = f"{where}.blendShapeMaster.blendShapeGroups[{g}]"
            if not isinstance(group, dict):
                self.warnings.append(f"{here}: not an object; ignored")
                continue
            preset = group.get("presetName") if isinstance(group.get("presetName"), str) else None
            name = _VRM0_PRESETS.get((preset or "").lower()) or str(
                group.get("name") or preset or f"group_{g}"
            )
            binds = []
            for b, bind in enumerate(self.vrm_list(group.get("binds"), f"{here}.binds")):
                bind = bind if isinstance(bind, dict) else {}
                target = self.morph_bind(
                    f"{here}.binds[{b}]", avatar, bind.get("mesh"), bind.get("index"), bind.get("weight", 100)
                )
                if target is not None:
                    binds.append(MorphBind(mesh=target[0], target=target[1], weight=target[2] / 100.0))
            if group.get("materialValues"):
                self.unsupported.append("VRM blend shape materialValues: ignored")
            avatar.expressions.append(
                Expression(
                    name=name,
                    binds=binds,
                    preset=preset if preset and preset.lower() != "unknown" else None,
                    is_binary=bool(group.get("isBinary", False)),
                )
            )
        humanoid = vrm.get("humanoid") if isinstance(vrm.get("humanoid"), dict) else {}
        for k, bone in enumerate(self.vrm_list(humanoid.get("humanBones"), f"{where}.humanoid.humanBones")):
            if isinstance(bone, dict):
                self.human_bone(
                    avatar,
                    f"{where}.humanoid.humanBones[{k}]",
                    bone.get("bone"),
                    bone.get("node"),
                    _VRM0_BONES,
                )
        for key, feature in (
            ("secondaryAnimation", "spring bones"),
            ("materialProperties", "MToon materials"),
        ):
            if vrm.get(key):
                self.unsupported.append(f"VRM {feature} ({where}.{key}): ignored")

    def vrm1(self, avatar: Avatar, vrm: dict) -> None:
        """VRM 1.0: preset and custom expressions (binds name a node) and the humanoid map."""
        avatar.vrm_version = "1.0"
        where = "extensions.VRMC_vrm"
        expressions = vrm.get("expressions") if isinstance(vrm.get("expressions"), dict) else {}
        for kind in ("preset", "custom"):
            table = expressions.get(kind)
            for name, expr in table.items() if isinstance(table, dict) else []:
                here = f"{where}.expressions.{kind}.{name}"
                if not isinstance(expr, dict):
                    self.warnings.append(f"{here}: not an object; ignored")
                    continue
                binds = []
                for b, bind in enumerate(
                    self.vrm_list(expr.get("morphTargetBinds"), f"{here}.morphTargetBinds")
                ):
                    bind = bind if isinstance(bind, dict) else {}
                    node = bind.get("node")
                    known = type(node) is int and 0 <= node < len(avatar.nodes)
                    mesh = avatar.nodes[node].mesh if known else None
                    if mesh is None:
                        self.warnings.append(
                            f"{here}.morphTargetBinds[{b}].node: {node!r} is not a node with a mesh; "
                            "bind ignored"
                        )
                        continue
                    target = self.morph_bind(
                        f"{here}.morphTargetBinds[{b}]",
                        avatar,
                        mesh,
                        bind.get("index"),
                        bind.get("weight", 1.0),
                    )
                    if target is not None:
                        binds.append(MorphBind(*target))
                overrides = {}
                for key in ("overrideBlink", "overrideLookAt", "overrideMouth"):
                    value = expr.get(key, "none")
                    if value not in _OVERRIDES:
                        self.warnings.append(f"{here}.{key}: {value!r} is not none/block/blend; using none")
                        value = "none"
                    overrides[key] = value
                if expr.get("materialColorBinds") or expr.get("textureTransformBinds"):
                    self.unsupported.append("VRM expression material and texture binds: ignored")
                avatar.expressions.append(
                    Expression(
                        name=str(name),
                        binds=binds,
                        preset=str(name) if kind == "preset" else None,
                        is_binary=bool(expr.get("isBinary", False)),
                        override_blink=overrides["overrideBlink"],
                        override_look_at=overrides["overrideLookAt"],
                        override_mouth=overrides["overrideMouth"],
                    )
                )
        humanoid = vrm.get("humanoid") if isinstance(vrm.get("humanoid"), dict) else {}
        bones = humanoid.get("humanBones")
        for bone, spec in bones.items() if isinstance(bones, dict) else []:
            node = spec.get("node") if isinstance(spec, dict) else None
            self.human_bone(avatar, f"{where}.humanoid.humanBones.{bone}", bone, node, {})

    def vrm_list(self, value, where: str) -> list:
        """VRM data is advisory: a malformed list is a warning and reads as empty."""
        if value is None or isinstance(value, list):
            return value or []
        self.warnings.append(f"{where}: expected a list, got {type(value).__name__}; ignored")
        return []

    def morph_bind(self, where: str, avatar: Avatar, mesh, index, weight) -> tuple[int, int, float] | None:
        """(mesh, target, weight) when the bind points at a real morph target, else a warning."""
        if type(mesh) is not int or not 0 <= mesh < len(avatar.meshes):
            self.warnings.append(f"{where}: mesh {mesh!r} does not exist; bind ignored")
            return None
        count = len(avatar.meshes[mesh].target_names)
        if type(index) is not int or not 0 <= index < count:
            self.warnings.append(
                f"{where}.index: {index!r} is not one of meshes[{mesh}]'s {count} targets; bind ignored"
            )
            return None
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not np.isfinite(weight):
            self.warnings.append(f"{where}.weight: {weight!r} is not a number; bind ignored")
            return None
        return mesh, index, float(weight)

    def human_bone(self, avatar: Avatar, where: str, bone, node, renames: dict[str, str]) -> None:
        if not isinstance(bone, str) or type(node) is not int or not 0 <= node < len(avatar.nodes):
            self.warnings.append(f"{where}: bone {bone!r} -> node {node!r} is not a valid node; ignored")
            return
        avatar.humanoid[renames.get(bone, bone)] = node


def _decompose(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Translation, (x, y, z, w) rotation and scale of an affine matrix (shear is lost)."""
    translation = matrix[:3, 3].copy()
    basis = matrix[:3, :3]
    scale = np.linalg.norm(basis, axis=0)
    if np.linalg.det(basis) < 0:
        scale[0] = -scale[0]
    if np.any(scale == 0):
        return translation, np.array([0.0, 0.0, 0.0, 1.0]), scale
    return translation, _quaternion(basis / scale), scale


def _quaternion(r: np.ndarray) -> np.ndarray:
    """(x, y, z, w) of a rotation matrix, taking the largest diagonal term for stability."""
    trace = r[0, 0] + r[1, 1] + r[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = [(r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s, 0.25 * s]
    elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
        s = 2.0 * np.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2])
        q = [0.25 * s, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s, (r[2, 1] - r[1, 2]) / s]
    elif r[1, 1] > r[2, 2]:
        s = 2.0 * np.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2])
        q = [(r[0, 1] + r[1, 0]) / s, 0.25 * s, (r[1, 2] + r[2, 1]) / s, (r[0, 2] - r[2, 0]) / s]
    else:
        s = 2.0 * np.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1])
        q = [(r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, 0.25 * s, (r[1, 0] - r[0, 1]) / s]
    q = np.array(q)
    return q / np.linalg.norm(q)
