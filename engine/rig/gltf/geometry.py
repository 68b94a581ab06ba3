"""Meshes: primitives as triangle lists, skin attributes, morph targets and their names."""

from __future__ import annotations

import numpy as np
import pygltflib

from engine.rig.asset import (
    Mesh,
    MorphTarget,
    Primitive,
)

from .reader import _DTYPES, Reader, _frozen

_MODE_NAMES = {0: "POINTS", 1: "LINES", 2: "LINE_LOOP", 3: "LINE_STRIP"}


class Geometry(Reader):
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
                self.warnings.append(f"{label}.extras.targetNames: not a list of strings; using numbered names")
                return numbered
            if len(names) != count:
                self.warnings.append(
                    f"{label}.extras.targetNames: {len(names)} names for {count} morph targets; using numbered names"
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
            self.unsupported.append(f"{where}: {_MODE_NAMES[mode]} primitive skipped (only triangles are drawn)")
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
        texcoords: list[np.ndarray] = []
        while f"TEXCOORD_{len(texcoords)}" in attrs:
            k = len(texcoords)
            texcoords.append(self.floats(attrs[f"TEXCOORD_{k}"], f"{where}.attributes.TEXCOORD_{k}", ("VEC2",)))
        colors = None
        if "COLOR_0" in attrs:
            colors = self.floats(attrs["COLOR_0"], f"{where}.attributes.COLOR_0", ("VEC3", "VEC4"))
            if colors.shape[1] == 3:
                self.charge(count * 16, f"{where}.attributes.COLOR_0")
                colors = _frozen(np.hstack([colors, np.ones((count, 1), np.float32)]))
        joints, weights = self.skin_attributes(where, attrs, count)
        material = None if prim.material is None else self.index(prim.material, "materials", f"{where}.material")
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
            targets=[self.morph_target(f"{where}.targets[{t}]", target, count) for t, target in enumerate(targets)],
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
                self.warnings.append(f"{where}.indices: {len(flat)} indices is not a multiple of 3; dropped the rest")
            tris = flat[:usable].reshape(-1, 3)
        else:
            k = np.arange(max(len(flat) - 2, 0))
            self.charge(len(k) * 36, where)  # k, corners and triangles
            if mode == 5:  # strip: odd triangles swap their last two corners to keep the winding
                odd = k % 2
                tris = np.stack([flat[k], flat[k + 1 + odd], flat[k + 2 - odd]], axis=1)
            else:  # fan around the first vertex
                tris = np.stack([flat[k + 1], flat[k + 2], np.full(len(k), flat[0] if len(flat) else 0)], axis=1)
            tris = tris.astype(np.uint32)
        return _frozen(np.ascontiguousarray(tris))

    def skin_attributes(self, where: str, attrs: dict, count: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """JOINTS_n / WEIGHTS_n sets side by side, weights renormalized when they do not sum to 1."""
        joint_sets: list[np.ndarray] = []
        weight_sets: list[np.ndarray] = []
        tolerance = 2e-3
        while f"JOINTS_{len(joint_sets)}" in attrs and f"WEIGHTS_{len(joint_sets)}" in attrs:
            k = len(joint_sets)
            joints = self.integers(attrs[f"JOINTS_{k}"], f"{where}.attributes.JOINTS_{k}", 4)
            if joints.dtype.itemsize > 2 and int(joints.max()) > 0xFFFF:
                raise self.error(f"{where}.attributes.JOINTS_{k}", f"joint index {int(joints.max())} is out of range")
            joint_sets.append(joints)
            weight_sets.append(self.floats(attrs[f"WEIGHTS_{k}"], f"{where}.attributes.WEIGHTS_{k}", ("VEC4",)))
            acc = self.gltf.accessors[attrs[f"WEIGHTS_{k}"]]
            if acc.componentType != 5126:  # quantized weights may miss 1 by a few steps
                tolerance = max(tolerance, 4 / (2 ** (8 * _DTYPES[acc.componentType].itemsize) - 1))
        paired = {f"{kind}_{k}" for kind in ("JOINTS", "WEIGHTS") for k in range(len(joint_sets))}
        orphans = [k for k in attrs if k.startswith(("JOINTS_", "WEIGHTS_")) and k not in paired]
        if orphans:
            self.warnings.append(f"{where}.attributes: {', '.join(sorted(orphans))} without a matching set; ignored")
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
        tangents = self.floats(target["TANGENT"], f"{where}.TANGENT", ("VEC3",)) if "TANGENT" in target else None
        return MorphTarget(positions=positions, normals=normals, tangents=tangents)

    # ---- nodes, scenes, skins ----
