"""VRM 0.x and 1.0: expressions (blend shape groups) and the humanoid bone map."""

from __future__ import annotations

import numpy as np

from engine.rig.asset import (
    Avatar,
    Expression,
    MorphBind,
)
from engine.rig.retarget import VRM0_PRESETS

from .reader import Reader

_OVERRIDES = ("none", "block", "blend")
_VRM0_PRESETS = {k.lower(): v for k, v in VRM0_PRESETS.items()}
# VRM 0.x counted thumb bones from the metacarpal; VRM 1.0 renamed them.
_VRM0_BONES = {
    f"{side}Thumb{old}": f"{side}Thumb{new}"
    for side in ("left", "right")
    for old, new in (("Proximal", "Metacarpal"), ("Intermediate", "Proximal"))
}


def _object(value) -> dict:
    """VRM data is advisory: anything but a JSON object reads as an empty one."""
    return value if isinstance(value, dict) else {}


class Vrm(Reader):
    def vrm0(self, avatar: Avatar, vrm: dict) -> None:
        """VRM 0.x: blend shape groups (weights 0..100) and the humanoid bone list."""
        avatar.vrm_version = "0.x"
        where = "extensions.VRM"
        master = _object(vrm.get("blendShapeMaster"))
        groups = self.vrm_list(master.get("blendShapeGroups"), f"{where}.blendShapeMaster.blendShapeGroups")
        for g, group in enumerate(groups):
            here = f"{where}.blendShapeMaster.blendShapeGroups[{g}]"
            if not isinstance(group, dict):
                self.warnings.append(f"{here}: not an object; ignored")
                continue
            preset = group.get("presetName") if isinstance(group.get("presetName"), str) else None
            name = _VRM0_PRESETS.get((preset or "").lower()) or str(group.get("name") or preset or f"group_{g}")
            binds = []
            for b, bind in enumerate(self.vrm_list(group.get("binds"), f"{here}.binds")):
                bind = _object(bind)
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
        humanoid = _object(vrm.get("humanoid"))
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
        expressions = _object(vrm.get("expressions"))
        for kind in ("preset", "custom"):
            table = expressions.get(kind)
            for name, expr in table.items() if isinstance(table, dict) else []:
                here = f"{where}.expressions.{kind}.{name}"
                if not isinstance(expr, dict):
                    self.warnings.append(f"{here}: not an object; ignored")
                    continue
                binds = []
                for b, bind in enumerate(self.vrm_list(expr.get("morphTargetBinds"), f"{here}.morphTargetBinds")):
                    bind = _object(bind)
                    node = bind.get("node")
                    mesh = avatar.nodes[node].mesh if type(node) is int and 0 <= node < len(avatar.nodes) else None
                    if mesh is None:
                        self.warnings.append(
                            f"{here}.morphTargetBinds[{b}].node: {node!r} is not a node with a mesh; bind ignored"
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
        humanoid = _object(vrm.get("humanoid"))
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
