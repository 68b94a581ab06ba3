"""The per-frame path against an older commit's, in one run: sources, mixer and rig on the mascot.

    python run.py bench frame_path [--baseline REV] [--frames 3000]

The baseline (default: the commit this session started from, before the redesign) is checked
out in a temporary git worktree and timed by the same code in a subprocess, on the baseline's own
mascot, so both figures come from one machine in one state doing the same work. Ticks are
idle + tour -> mixer -> Rig.apply, as live runs them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "96e5f54"

# Runs inside either checkout and imports whichever API that checkout's own files have (asking
# the files, since the venv's editable install would find this checkout's modules too).
TIMER = """
import os, sys, time
import numpy as np
import engine
here = engine.__path__[0]
if os.path.isdir(os.path.join(here, "rig", "gltf")):
    from engine.rig.gltf import load_avatar
else:
    from engine.rig.gltf_loader import load_avatar
if os.path.isfile(os.path.join(here, "registry.py")):
    from engine.registry import open_source
else:
    from engine.pipeline import open_source
from engine.pipeline import Pipeline
from engine.rig.rig import Rig
rig = Rig(load_avatar(sys.argv[2]))
pipeline = Pipeline([open_source("idle:"), open_source("tour:")], [], rig)
mix, apply = [], []
for k in range(int(sys.argv[1])):
    a = time.perf_counter(); frame = pipeline.step(k / 60.0)
    b = time.perf_counter(); rig.apply(frame)
    c = time.perf_counter(); mix.append(b - a); apply.append(c - b)
print(np.median(mix) * 1e3, np.median(apply) * 1e3)
"""


def _time(checkout: Path, frames: int, avatar: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", TIMER, str(frames), str(avatar)], cwd=checkout, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"timing {checkout} failed:\n{out.stderr}")
    mix, apply = (float(v) for v in out.stdout.split())
    return mix, apply


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})")
    ap.add_argument("--frames", type=int, default=3000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), args.baseline], cwd=ROOT, check=True)
        try:
            mascot = old / "avatars_gltf" / "mascot.glb"  # the baseline's mascot for both: the same work
            figures = {
                f"baseline {args.baseline}": _time(old, args.frames, mascot),
                "this checkout": _time(ROOT, args.frames, mascot),
            }
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=True)
    print(f"mascot, idle + tour, median of {args.frames} ticks:")
    base_mix, base_apply = figures[f"baseline {args.baseline}"]
    for name, (mix, apply) in figures.items():
        print(
            f"  {name:20s} sources+mixer {mix:6.3f} ms   Rig.apply {apply:6.3f} ms   total {mix + apply:6.3f} ms "
            f"({(mix + apply) / (base_mix + base_apply):.2f}x the baseline)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
