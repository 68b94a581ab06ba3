"""Loading a glTF 2.0 file (.gltf, .glb) or a VRM avatar (.vrm) into `engine.rig.asset.Avatar`.

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

from .loader import load_avatar

__all__ = ["load_avatar"]
