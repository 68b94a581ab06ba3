"""The GLB container and the JSON document: every chunk length checked before anything is read."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pygltflib

from engine.rig.asset import (
    AvatarError,
)

_GLB_SUFFIXES = {".glb", ".vrm"}
_SUFFIXES = _GLB_SUFFIXES | {".gltf"}
_CHUNK_JSON, _CHUNK_BIN = 0x4E4F534A, 0x004E4942


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
        raise AvatarError(path, "header.length", f"declares {length} bytes but the file has {len(data)} (truncated)")
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
