"""The web sink: each mixed frame and the rig's pose, encoded once as a FRAME message and handed
to every viewer (viewers.py), and with the first frame the sources' own sound (sound.py). It
runs on its own sink thread like any live sink, so a slow browser can only lose frames, never
hold up the pipeline."""

from __future__ import annotations

from collections.abc import Callable

from ..frame import FaceFrame
from ..pipeline import RunContext
from ..protocols.stage import encode_frame
from ..rig.rig import Pose
from .scene import StageScene
from .sound import SourceSound


class WebSink:
    name = "web"
    needs_pose = True

    def __init__(self, publish: Callable[[bytes], None], sound: SourceSound):
        self.publish, self.sound = publish, sound
        self.scene: StageScene | None = None  # set by the stage once the rig is bound
        self._run: RunContext | None = None  # until the first frame: the clock has not started before it

    def open(self, run: RunContext) -> None:
        self._run = run

    def write(self, frame: FaceFrame, pose: Pose | None) -> None:
        assert pose is not None and self.scene is not None, "the stage binds the scene before the pipeline runs"
        if self._run is not None:
            self.sound.start(self._run.clock, self._run.sources)
            self._run = None
        self.publish(encode_frame(frame, self.scene.morphs(pose), self.scene.node_transforms(pose)))

    def close(self) -> None:
        self.sound.stop()
