"""`speak --ray local` against `speak` on one machine, in the same run: a batch of 4 scripts, then
one long script cut into pieces against the same script drawn as one piece.

Run: .venv/bin/python run.py bench ray_speak [--size 640x360] [--sentences 6]

Each figure is the wall time of a whole `run.py speak` process, Ray's start and its workers'
(EGL, the speech net, the avatar) included, since a user waits for those too. On one machine
Ray adds no cores: the one-machine render already keeps both busy (llvmpipe draws on every
core, ffmpeg encodes on its own threads), so the ratio shows what the spreading costs here, and
a cluster of N such machines divides the drawing by about N on top of it. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINES = [
    "Welcome to the Riverton open day.",
    "The ferries run every twenty minutes from the north pier.",
    "Lunch is served in the old market hall.",
    "Please keep to the marked paths in the harbour.",
    "The museum opens its roof terrace at three.",
    "The fireworks begin over the bay at nine.",
    "Buses home leave from the station square.",
    "Thank you for visiting, and see you next year.",
]


def script(size: str, seed: int, lines: list[str]) -> str:
    return (
        f'+++\ntitle = "Riverton"\ntitle_seconds = 1.0\nname = "Mia"\nrole = "City guide"\n'
        f'voice = "espeak"\nsize = "{size}"\nseed = {seed}\n+++\n\n' + " ".join(lines) + "\n"
    )


def timed(args: list) -> float:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "run.py", "speak", *map(str, args)], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"speak failed: {done.stderr.strip()}")
    return time.perf_counter() - began


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="640x360")
    p.add_argument("--sentences", type=int, default=6, help="sentences of the long script")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        batch = []
        for k in range(4):
            path = base / f"short{k}.md"
            path.write_text(script(args.size, k, LINES[2 * k : 2 * k + 2]), encoding="utf-8")
            batch.append(path)
        long = base / "long.md"
        long.write_text(script(args.size, 9, (LINES * 4)[: args.sentences]), encoding="utf-8")

        one = timed([*batch, "--out-dir", base / "one"])
        spread = timed([*batch, "--out-dir", base / "ray", "--ray", "local"])
        print(
            f"4 scripts at {args.size}: one machine {one:.1f} s, --ray local {spread:.1f} s, ratio {spread / one:.2f}"
        )

        whole = timed([long, "--out-dir", base / "whole", "--ray", "local", "--ray-piece", "100000"])
        cut = timed([long, "--out-dir", base / "cut", "--ray", "local", "--ray-piece", "1"])
        local = timed([long, "--out-dir", base / "local"])
        print(
            f"1 script of {args.sentences} sentences: one machine {local:.1f} s, --ray local in one piece "
            f"{whole:.1f} s, in pieces (one a sentence) {cut:.1f} s; pieces / one piece {cut / whole:.2f}, "
            f"pieces / one machine {cut / local:.2f}"
        )


if __name__ == "__main__":
    main()
