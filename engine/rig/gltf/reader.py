"""Reading a document's bytes: buffers, `uri`s inside the asset's folder, accessors (strided,
sparse, normalized), each size checked against the bytes present and charged to one budget."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote, unquote_to_bytes

import numpy as np
import pygltflib

from engine.rig.asset import (
    AvatarError,
)

IMPLEMENTED_EXTENSIONS = frozenset(
    {"KHR_materials_unlit", "KHR_texture_transform", "KHR_mesh_quantization", "VRM", "VRMC_vrm"}
)
ALLOCATION_SLACK = 512 << 20  # bytes any file may allocate (zeros, conversions) beyond...
EXPANSION = 8  # ...this many bytes per byte of buffer data it holds (uint8 -> float32 is 4)
_DTYPES: dict[int, np.dtype] = {
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
_MIME_BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ktx2": "image/ktx2",
}
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


class Reader:
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
                raise self.error(f"{where}.byteLength", f"declares {length} bytes but only {len(data)} are present")
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
                f"bytes {offset}..{offset + length} run past the end of buffers[{view.buffer}] ({len(buf)} bytes)",
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
            raise self.error(f"{where}.bufferView", f"byteStride {stride} is smaller than one {element}-byte element")
        needed = offset + stride * (count - 1) + element
        if needed > len(view):
            raise self.error(
                where,
                f"{count} elements of {element} bytes (stride {stride}) from offset {offset} "
                f"need {needed} bytes, but bufferViews[{view_index}] has {len(view)}",
            )
        array = np.ndarray((count, cols, rows), dtype, buffer=view, offset=offset, strides=(stride, col_bytes, size))
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
            raise self.error(f"{where}.indices", f"index {int(idx.max())} is past the accessor's {count} elements")
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
                    out = np.maximum(values.astype(np.float32) / np.float32(2 ** (bits - 1) - 1), np.float32(-1))
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
                    raise self.error(f"{where}.attributes", f"expected an object, got {prim.attributes!r:.60}")
                prim.targets = self.listed(prim.targets, f"{where}.targets", dict)
        for i, node in enumerate(gltf.nodes):
            node.children = self.listed(node.children, f"nodes[{i}].children")
        for s, scene in enumerate(gltf.scenes):
            scene.nodes = self.listed(scene.nodes, f"scenes[{s}].nodes")
        for a, anim in enumerate(gltf.animations):
            anim.channels = self.listed(anim.channels, f"animations[{a}].channels", pygltflib.AnimationChannel)
            anim.samplers = self.listed(anim.samplers, f"animations[{a}].samplers", pygltflib.AnimationSampler)
