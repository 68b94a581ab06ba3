"""How fast and how lean is loading a 50k-vertex avatar with 52 dense morph targets?

Run: .venv/bin/python -m bench.bench_load

Builds the GLB in a temp folder (positions, normals, UVs, ~100k triangles, 52 targets with
POSITION and NORMAL deltas), then prints the median load time, the tracemalloc peak and the
resident-memory growth of a load in a fresh process, each against baselines measured in the
same run: reading the file plus np.frombuffer of every byte (the floor for any loader), and
pygltflib's own GLTF2.load of the same file (JSON and chunks only, no arrays).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pygltflib

from engine.arkit import NAMES
from engine.rig.gltf import load_avatar
from tests.gltf_fixtures import GltfBuilder

GRID = (250, 200)  # 50,000 vertices
RUNS = 7

# VmHWM (Linux) is the fresh process's own high-water mark; ru_maxrss would inherit the parent's.
_RSS_PROBE = """
import re, sys
from engine.rig.gltf import load_avatar
def hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
before = hwm()
avatar = load_avatar(sys.argv[1])
print(hwm() - before)
"""


def build(folder: Path) -> Path:
    rows, cols = GRID
    u, v = np.meshgrid(np.linspace(0, 1, cols, dtype=np.float32), np.linspace(0, 1, rows, dtype=np.float32))
    theta, phi = u * 2 * np.pi, v * np.pi
    normals = np.stack([np.sin(phi) * np.cos(theta), np.cos(phi), np.sin(phi) * np.sin(theta)], -1).reshape(-1, 3)
    positions = (normals * 0.1).astype(np.float32)
    quads = (np.arange(rows - 1)[:, None] * cols + np.arange(cols - 1)[None, :]).reshape(-1)
    indices = np.stack([quads, quads + cols, quads + 1, quads + 1, quads + cols, quads + cols + 1], 1)
    rng = np.random.default_rng(0)
    b = GltfBuilder()
    targets = [
        {
            "POSITION": rng.normal(0, 1e-3, positions.shape).astype(np.float32),
            "NORMAL": rng.normal(0, 1e-2, positions.shape).astype(np.float32),
        }
        for _ in NAMES
    ]
    prim = {
        "attributes": {
            "POSITION": positions,
            "NORMAL": normals.astype(np.float32),
            "TEXCOORD_0": np.stack([u, v], -1).reshape(-1, 2),
        },
        "indices": indices.reshape(-1).astype(np.uint32),
        "targets": targets,
    }
    b.node(mesh=b.mesh([prim], name="head", target_names=NAMES))
    return b.save(folder / "head50k.glb")


def median_seconds(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_read(path: Path) -> None:
    """The floor: every byte read from disk and touched once by numpy."""
    np.frombuffer(path.read_bytes(), np.uint8).max()


def tracemalloc_peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp))
        size = path.stat().st_size
        avatar = load_avatar(path)
        prim = avatar.meshes[0].primitives[0]
        print(
            f"avatar: {prim.vertex_count} vertices, {len(prim.indices)} triangles, "
            f"{len(prim.targets)} targets (POSITION+NORMAL), file {size / 2**20:.1f} MiB"
        )

        t_load = median_seconds(lambda: load_avatar(path))
        t_raw = median_seconds(lambda: raw_read(path))
        t_pygltf = median_seconds(lambda: pygltflib.GLTF2.load(str(path)))
        print(f"load_avatar          {t_load * 1e3:8.1f} ms  (median of {RUNS})")
        print(f"read + frombuffer    {t_raw * 1e3:8.1f} ms  -> load is {t_load / t_raw:.1f}x the raw read")
        print(f"pygltflib GLTF2.load {t_pygltf * 1e3:8.1f} ms  -> load is {t_load / t_pygltf:.1f}x pygltflib's parse")

        peak = tracemalloc_peak(lambda: load_avatar(path))
        peak_raw = tracemalloc_peak(lambda: raw_read(path))
        print(
            f"tracemalloc peak     {peak / 2**20:8.1f} MiB (raw read: {peak_raw / 2**20:.1f} MiB, "
            f"{peak / peak_raw:.2f}x; file: {peak / size:.2f}x)"
        )
        if Path("/proc/self/status").exists():
            probe = subprocess.run(
                [sys.executable, "-c", _RSS_PROBE, str(path)],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parent.parent,
            )
            print(
                f"peak RSS growth      {int(probe.stdout) / 1024:8.1f} MiB (fresh process, one load; "
                f"file: {int(probe.stdout) * 1024 / size:.2f}x)"
            )

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
