"""How fast the command line answers: `--help` and `render --help`, against a bare interpreter.

    python run.py bench startup [--runs 5]

Prints the wall time of each (best of N runs) and its import time as `python -X importtime`
reports it (the sum of the top-level imports), so a heavy import creeping into `--help` shows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _best(argv: list[str], runs: int) -> tuple[float, float]:
    """(best wall seconds, import seconds of that kind of run)."""
    walls = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
        walls.append(time.perf_counter() - began)
    report = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=ROOT, capture_output=True, text=True).stderr
    total = sum(
        int(line.split("|")[1])
        for line in report.splitlines()
        if line.startswith("import time:")
        and line.split("|")[2].startswith(" ")
        and not line.split("|")[2].startswith("  ")
        and line.split("|")[1].strip().isdigit()
    )
    return min(walls), total / 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "run.py --help": [sys.executable, "run.py", "--help"],
        "run.py render --help": [sys.executable, "run.py", "render", "--help"],
    }
    figures = {name: _best(cmd, args.runs) for name, cmd in cases.items()}
    base = figures["python -c pass (baseline)"][0]
    for name, (wall, imports) in figures.items():
        print(
            f"  {name:28s} {wall * 1000:7.0f} ms wall ({wall / base:4.1f}x the baseline), "
            f"{imports * 1000:6.0f} ms of imports"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
