"""What the living body costs a frame: mixing and posing a humanoid's bones, against the same
avatar posed without them and against the shipped mascot, plus a render for scale.

    python run.py bench body [--frames 600] [--size 640x360]

Each tick runs the live work minus the sinks: idle + tour sources -> mixer -> rig. The body
layer's cost is the humanoid's tick less the same avatar's tick with its humanoid switched off
and idle's body motion off (`idle:?body=false`); it is printed as a share of the 60 fps frame
budget and of a whole frame (tick + render). The mascot rows show what idle's body motion costs
a rig that has no humanoid (the rig itself does no body work there).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.frame import FaceFrame
from engine.pipeline import Pipeline
from engine.registry import open_source
from engine.rig import MASCOT
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig

BUDGET_MS = 1000.0 / 60.0


def tick_ms(rig: Rig, frames: int, idle: str = "idle:") -> float:
    """Median milliseconds of one tick (sources, mixer, rig) over `frames` ticks at 60 fps."""
    pipeline = Pipeline([open_source(idle), open_source("tour:")], [], rig)
    times = []
    for k in range(frames):
        began = time.perf_counter()
        rig.apply(pipeline.step(k / 60.0))
        times.append(time.perf_counter() - began)
    return float(np.median(times)) * 1000


def render_ms(avatar, rig: Rig, size: tuple[int, int], frames: int = 30) -> float:
    from engine.renderer.renderer import Renderer

    renderer = Renderer(avatar, size, 4, "full", None, rig=rig)
    pose = rig.apply(FaceFrame(0.0))
    renderer.render(pose)
    began = time.perf_counter()
    for _ in range(frames):
        renderer.render(pose)
    return (time.perf_counter() - began) / frames * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--size", default="640x360")
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from humanoid_fixtures import build_humanoid

    with tempfile.TemporaryDirectory() as tmp:
        human = load_avatar(build_humanoid(Path(tmp), naming="rpm", pose="A"))
    body = Rig(human)
    still = Rig(human)
    still.humanoid = still.rest_bones = None  # the same avatar, posed as a non-humanoid
    mascot = Rig(load_avatar(MASCOT))
    ticks = {
        name: tick_ms(rig, args.frames, idle)
        for name, rig, idle in (
            ("mascot", mascot, "idle:?body=false"),
            ("mascot, idle body", mascot, "idle:"),
            ("humanoid, body off", still, "idle:?body=false"),
            ("humanoid, body on", body, "idle:"),
        )
    }
    draw = render_ms(human, body, size)
    cost = ticks["humanoid, body on"] - ticks["humanoid, body off"]
    print(f"ticks (idle + tour -> mixer -> rig), median of {args.frames}:")
    for name, ms in ticks.items():
        print(f"  {name:20s} {ms:6.3f} ms  ({ms / ticks['mascot']:.2f}x the mascot)")
    print(f"  render, humanoid at {size[0]}x{size[1]} MSAA 4: {draw:.2f} ms a frame")
    print(
        f"body layer: {cost:.3f} ms a tick = {100 * cost / BUDGET_MS:.1f}% of the 60 fps budget, "
        f"{100 * cost / (ticks['humanoid, body on'] + draw):.1f}% of a whole frame (tick + render)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
