"""`clip:NAME?loop=true&speed=1`: one of the avatar's own glTF animations, played as a layer.

Rotations of the avatar's humanoid bones become normalized bone rotations (engine/bones.py)
through `HumanoidPose.normalized`, so the clip mixes with every other body layer; a `weights`
channel drives the ARKit channels its morph targets are named for. Nothing else of a clip can
travel in a frame (root motion, non-humanoid nodes, scale): it is left out with a warning, and a
clip with nothing left is refused. By default the layer sits at priority 1, above idle and
below every face source, so a webcam or speech above it wins the channels it drives; it drives
only what the clip animates, and not the head.

Without `loop` the source lasts the clip's length over `speed`, so an offline render of it
ends with it. A zero-length clip is a held pose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .. import arkit, bones
from ..errors import OptionError
from ..frame import FaceFrame
from ..options import LayerOptions
from ..rig.animation import sample_channel
from ..rig.transforms import quat_matrices
from .synthetic import FunctionSource

log = logging.getLogger("engine.drivers.clip")

PRIORITY = 1


class ClipSource(FunctionSource):
    """A clip of the avatar being posed. Sources are made from a URI and know no avatar, so
    `pipeline.open_source` hands this one the rig through `bind` before it is used."""

    def __init__(self, clip: str, rule, loop: bool = False, speed: float = 1.0):
        if not (np.isfinite(speed) and speed > 0):
            raise OptionError(f"clip:{clip}: speed must be a positive number, got {speed}")
        super().__init__(rule, self._frame)
        self.clip, self.loop, self.speed = clip, loop, speed
        self.warnings: list[str] = []

    def bind(self, rig) -> None:
        """Find the clip in `rig`'s avatar and sort its channels into bones and ARKit channels."""
        what = f"clip:{self.clip}"
        if rig is None:
            raise OptionError(f"{what}: plays one of the avatar's own clips; give an avatar (--avatar)")
        avatar = rig.avatar
        clips = {a.name: a for a in avatar.animations}
        if self.clip not in clips:
            known = ", ".join(repr(n) for n in clips) if clips else "none"
            raise OptionError(f"{what}: {avatar.path} has no clip {self.clip!r}; its clips: {known}")
        animation = clips[self.clip]
        bone_of = {node: bone for bone, node in rig.humanoid_bones.items()} if rig.humanoid else {}
        self._rotations, self._bones = [], []  # channels on humanoid bones, and their bones
        self._morphs = []  # (channel, target indices, ARKit indices)
        left_out = []
        for channel in animation.channels:
            node = avatar.nodes[channel.node]
            if channel.path == "rotation" and channel.node in bone_of:
                self._rotations.append(channel)
                self._bones.append(bone_of[channel.node])
                continue
            if channel.path == "weights" and node.mesh is not None:
                # A weights channel carries every target; those held at 0 are left to the layers
                # beneath (idle's blinks go on under a smile).
                keys = channel.values[:, 1] if channel.interpolation == "CUBICSPLINE" else channel.values
                moved = np.abs(keys).max(axis=0) > 0
                pairs = [
                    (t, arkit.INDEX[c])
                    for t, name in enumerate(avatar.meshes[node.mesh].target_names)
                    if (c := arkit.canonical(name)) is not None and moved[t]
                ]
                if pairs:
                    self._morphs.append((channel, *map(np.array, zip(*pairs))))
                    continue
                left_out.append(f"weights of {node.name!r} (no ARKit-named morph target it moves)")
            else:
                left_out.append(f"{channel.path} of {node.name!r}")
        if not self._rotations and not self._morphs:
            why = "" if rig.humanoid else f" (the avatar is not a humanoid: missing {', '.join(rig.humanoid_missing)})"
            raise OptionError(
                f"{what}: animates no humanoid bone{why} and no ARKit morph target, which is all a "
                f"frame carries; it animates {', '.join(left_out) or 'nothing'}"
            )
        if left_out:
            self.warnings.append(
                f"{what}: left out, as a frame carries only humanoid bone rotations and ARKit "
                f"channels: {', '.join(left_out)}"
            )
            log.warning("%s", self.warnings[-1])
        self._pose = rig.humanoid
        self._rows = np.array([bones.INDEX[b] for b in self._bones], int)
        self._bone_mask = bones.bone_mask(self._bones or "none")
        self._face_mask = np.zeros(arkit.COUNT, bool)
        for _, _, channels in self._morphs:
            self._face_mask[channels] = True
        self._length = animation.duration
        self.duration = None if self.loop or self._length <= 0 else self._length / self.speed

    def _frame(self, t: float) -> FaceFrame:
        at = t * self.speed
        if self.loop and self._length > 0:
            at %= self._length
        weights = np.zeros(arkit.COUNT, np.float32)
        for channel, targets, channels in self._morphs:
            weights[channels] = np.clip(sample_channel(channel, at)[targets], 0.0, 1.0)
        body = None
        if self._rotations:
            body = bones.identity()
            local = quat_matrices(np.array([sample_channel(c, at) for c in self._rotations]))
            body[self._rows] = self._pose.normalized(self._bones, local)
        return FaceFrame(
            t,
            weights,
            mask=self._face_mask,
            source=f"clip:{self.clip}",
            bones=body,
            bone_mask=self._bone_mask if body is not None else None,
        )


@dataclass
class ClipOptions(LayerOptions):
    loop: bool = False
    speed: float = 1.0
    priority: int | None = PRIORITY
    head: bool | None = False


def open_clip(rest: str, options: ClipOptions) -> ClipSource:
    if not rest:
        raise OptionError("clip: name the clip, e.g. clip:Walk (run.py inspect AVATAR lists them)")
    return ClipSource(rest, options.rule(f"clip:{rest}"), options.loop, options.speed)
