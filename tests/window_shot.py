"""Run as a script under a display: `python tests/window_shot.py AVATAR VIDEO OUT.png SIZE TICKS DT`
opens `window:?size=SIZE&beside=true` with the avatar idling beside the video, runs TICKS
ticks DT seconds apart and saves what the window shows as it closes (what a user saw)."""

import sys

from PIL import Image

from engine.pipeline import OfflineClock, Pipeline
from engine.registry import open_sink, open_source
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig

if __name__ == "__main__":
    avatar, video, out, size, ticks, dt = sys.argv[1:7]
    sink = open_sink(f"window:?size={size}&beside=true")
    pipeline = Pipeline([open_source("idle:"), open_source("video:" + video)], [sink], Rig(load_avatar(avatar)))
    close = sink.close

    def shoot_then_close():
        Image.fromarray(sink._platform.screenshot(sink._platform.framebuffer_size())).save(out)
        close()

    sink.close = shoot_then_close
    pipeline.run(OfflineClock(int(ticks), float(dt)))
