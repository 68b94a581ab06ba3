"""What the viewer page needs to know of the avatar: said once when a viewer connects (the
hello), then every frame only numbers (the FRAME's morphs and nodes, protocols/stage.py).

The rig stays the only place that knows the avatar's names: the page gets every morph weight
the rig resolved and the local transforms of the nodes it moves, by glTF index, and writes
them into the scene three.js loaded from the same file.
"""

from __future__ import annotations

import numpy as np

from .. import arkit
from ..renderer.framing import FRAMINGS, framing_box
from ..rig.rig import Pose, Rig
from ..rig.transforms import matrix_quats


class StageScene:
    def __init__(self, rig: Rig):
        avatar = rig.avatar
        moved = set(rig.roles.values())
        if rig.humanoid is not None:
            moved |= set(rig.humanoid_bones.values())
        self.nodes = np.array(sorted(moved), int)
        parents = [avatar.nodes[n].parent for n in self.nodes]
        self._parents = np.array([-1 if p is None else p for p in parents])
        self.morph_counts = [len(m.target_names) for m in avatar.meshes]
        rest = rig.rest_pose()
        waist = rig.waist_height(rest)
        boxes = {}
        for framing in FRAMINGS:
            (lo, hi), everything = framing_box(avatar, rest, rig.head_node, framing, waist)
            boxes[framing] = [np.round(lo, 5).tolist(), np.round(hi, 5).tolist()]
        boxes["everything"] = [np.round(c, 5).tolist() for c in everything]
        self.boxes = boxes
        self.facing = -1 if avatar.vrm_version == "0.x" else 1  # VRM 0.x models look down -Z

    def hello(self, fps: float) -> dict:
        """The viewer's first message (JSON): how to read the FRAMEs that follow."""
        return {
            "type": "hello",
            "avatar": "/avatar",
            "fps": fps,
            "arkit": list(arkit.NAMES),
            "morph_counts": self.morph_counts,
            "nodes": self.nodes.tolist(),
            "boxes": self.boxes,
            "facing": self.facing,
        }

    def morphs(self, pose: Pose) -> np.ndarray:
        return np.concatenate(pose.morph_weights) if pose.morph_weights else np.zeros(0, np.float32)

    def node_transforms(self, pose: Pose) -> np.ndarray:
        """(nodes, 7): each moved node's local translation and rotation, from the posed world
        matrices (local = parent's world inverse @ world); scale is the file's own."""
        world = pose.world[self.nodes]
        parent = np.where(self._parents[:, None, None] >= 0, pose.world[np.maximum(self._parents, 0)], np.eye(4))
        local = np.linalg.solve(parent, world)
        rotation = local[:, :3, :3] / np.linalg.norm(local[:, :3, :3], axis=1, keepdims=True)
        return np.concatenate([local[:, :3, 3], matrix_quats(rotation)], axis=1).astype(np.float32)
