"""Nodes, scenes, skins and animation clips."""

from __future__ import annotations

import numpy as np
import pygltflib

from engine.rig.asset import (
    Animation,
    AnimationChannel,
    Mesh,
    Node,
    Skin,
)

from .reader import Reader, _frozen

_PATH_WIDTH = {"translation": 3, "rotation": 4, "scale": 3}


class Scene(Reader):
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
            out.children = [self.index(c, "nodes", f"{where}.children[{k}]") for k, c in enumerate(node.children)]
            nodes.append(out)
        for i, node in enumerate(nodes):
            for c in node.children:
                if nodes[c].parent is not None:
                    raise self.error(f"nodes[{i}].children", f"node {c} already has parent node {nodes[c].parent}")
                nodes[c].parent = i
        self.check_acyclic(nodes)
        return nodes

    def check_acyclic(self, nodes: list[Node]) -> None:
        """With one parent per node, a cycle is a parent chain that never reaches a root."""
        state = [0] * len(nodes)  # 0 unseen, 1 on the chain being walked, 2 reaches a root
        for start in range(len(nodes)):
            chain: list[int] = []
            n: int | None = start
            while n is not None and state[n] == 0:
                state[n] = 1
                chain.append(n)
                n = nodes[n].parent
            if n is not None and state[n] == 1:
                cycle = chain[chain.index(n) :]
                raise self.error(f"nodes[{n}].children", f"the node hierarchy has a cycle through nodes {cycle}")
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
                raise self.error(f"{where}.inverseBindMatrices", f"{len(mats)} matrices for {len(joints)} joints")
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

    def animation(self, a: int, anim: pygltflib.Animation, nodes: list[Node], meshes: list[Mesh]) -> Animation:
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
                    self.warnings.append(f"{here}: animates morph weights of nodes[{node}], which has none; ignored")
                    continue
            else:
                width = _PATH_WIDTH[target.path]
            channels.append(
                self.channel(f"{where}.samplers[{chan.sampler}]", samplers[chan.sampler], node, target.path, width)
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
        values = self.floats(sampler.output, f"{where}.output", ("SCALAR",) if path == "weights" else (f"VEC{width}",))
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
    quat = np.array(q)
    return quat / np.linalg.norm(quat)
