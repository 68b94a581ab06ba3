"""`load_avatar`: one file in, an Avatar or an AvatarError out."""

from __future__ import annotations

from pathlib import Path

from engine.rig.asset import (
    Avatar,
    AvatarError,
)

from .container import _GLB_SUFFIXES, _SUFFIXES, _parse_document, _split_glb
from .geometry import Geometry
from .materials import Materials
from .reader import IMPLEMENTED_EXTENSIONS
from .scene import Scene
from .vrm import Vrm


def load_avatar(path: str | Path) -> Avatar:
    """Read a .gltf, .glb or .vrm file into plain arrays, or raise AvatarError saying why not."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise AvatarError(path, "file", f"unsupported file extension {suffix!r}; expected .gltf, .glb or .vrm")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AvatarError(path, "file", f"cannot read the file: {exc.strerror or exc}") from exc
    json_bytes: bytes | memoryview
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


class _Loader(Geometry, Scene, Materials, Vrm):
    """One load, its parts read by the mixins above in `load`."""

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
