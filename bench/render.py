"""Offscreen rendering speed, and what morph targets cost.

Run: .venv/bin/python -m bench.render [--frames N] [--rounds N] [--skip-export]

First the mascot at 1920x1080 and 1280x720, MSAA 4x, read back, head turning and every morph
moving, over a flat colour and over a gradient picture: `render` (only the rectangle the
avatar can cover is drawn, then pasted over the background; see engine/renderer/patch.py)
against `render_full_frame` (the whole frame, as before), in frames per second and CPU
milliseconds per frame (all threads: llvmpipe's rasterizer threads are most of it, and on a
shared machine CPU time moves less than the wall clock).

Then, at 1280x720, frames per second with no morph active against all active (weights
changing every frame, so nothing can be cached), both ways of blending morphs (CPU product +
upload, or the texture array in the vertex shader), for the mascot (52 ARKit channels) and
for a synthetic 60k-vertex avatar with 100 targets. Then the speed of exporting the 10 s demo
tour as a 720p30 MP4, in multiples of real time (the synthetic avatar stands in while the
mascot is not built). Ratios are within one run; nothing is asserted.

`--against OLD.glb` measures only the mascot against another build of it (e.g. from a git
worktree of an earlier commit) at 1280x720, head and morphs moving, in alternating rounds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from engine import arkit, demo_tour
from engine.frame import FaceFrame
from engine.offline import render_offline
from engine.registry import open_source
from engine.renderer.morphs import morph_mode
from engine.renderer.platform import HeadlessPlatform
from engine.renderer.renderer import Renderer
from engine.rig import MASCOT
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from engine.rig.transforms import quat_from_euler
from engine.sinks.render import RenderSettings, VideoSink
from tests.synthetic_avatar import dense_avatar

SIZE = (1280, 720)


def _all_active(k: int, count: int) -> np.ndarray:
    """Every weight in (0.05, 0.95), different each frame."""
    return (0.5 + 0.45 * np.sin(0.37 * k + np.arange(count))).astype(np.float32)


def _fps(render, poses, frames: int) -> float:
    return _timed(render, poses, frames)[0]


def _timed(render, poses, frames: int) -> tuple[float, float]:
    """(frames per second, CPU milliseconds per frame over all threads) of `render`."""
    render(poses(0))  # warm-up: shader compile, first upload, framebuffers
    start, cpu = time.perf_counter(), time.process_time()
    for k in range(1, frames + 1):
        render(poses(k))
    return frames / (time.perf_counter() - start), (time.process_time() - cpu) / frames * 1000.0


def _sync_ms(renderer: Renderer, poses, frames: int) -> float:
    """Milliseconds per frame spent blending morphs on the CPU and uploading the results."""
    start = time.perf_counter()
    for k in range(frames):
        renderer.gpu.sync(poses(k))
    renderer.ctx.finish()
    return (time.perf_counter() - start) / frames * 1000.0


def _mascot_poses(rig: Rig, active: bool):
    if not active:
        rest = rig.rest_pose()
        return lambda k: rest
    return lambda k: rig.apply(FaceFrame(k / 30.0, _all_active(k, arkit.COUNT)))


def _moving_poses(rig: Rig):
    """Every morph active and the head turning up to 35 degrees either way, nodding and tilting."""

    def pose(k):
        turn = quat_from_euler(
            np.radians(35) * np.sin(0.21 * k), np.radians(8) * np.sin(0.13 * k), np.radians(6) * np.sin(0.17 * k)
        )
        return rig.apply(FaceFrame(k / 30.0, _all_active(k, arkit.COUNT), head_rotation=turn))

    return pose


def _gradient(size: tuple[int, int]) -> np.ndarray:
    """A top-to-bottom gradient picture, as the spokesperson videos use behind the avatar."""
    rows = np.linspace(0.0, 1.0, size[1])[:, None, None]
    colours = (1.0 - rows) * np.array([38, 70, 112]) + rows * np.array([12, 20, 36])
    return np.ascontiguousarray(np.broadcast_to(colours, (size[1], size[0], 3)).astype(np.uint8))


def _patch_against_full_frame(avatar, rig: Rig, ctx, frames: int, rounds: int) -> None:
    print(
        "\nmascot, MSAA 4x, read back, head and morphs moving: render (the avatar's rectangle) "
        "against render_full_frame (the whole frame, as before)"
    )
    poses = _moving_poses(rig)
    for size in ((1920, 1080), SIZE):
        for name, background in (("colour", None), ("gradient", _gradient(size))):
            with Renderer(avatar, size, msaa=4, framing="bust", background=background, ctx=ctx, rig=rig) as r:
                # Alternating rounds, best of each kept (see _table).
                full = patch = (0.0, float("inf"))
                for _ in range(rounds):
                    f, p = _timed(r.render_full_frame, poses, frames), _timed(r.render, poses, frames)
                    full = (max(full[0], f[0]), min(full[1], f[1]))
                    patch = (max(patch[0], p[0]), min(patch[1], p[1]))
            print(
                f"  {size[0]}x{size[1]} {name:8s}  whole frame {full[0]:5.1f} fps ({full[1]:5.1f} ms CPU)"
                f"   patch {patch[0]:5.1f} fps ({patch[1]:5.1f} ms CPU)"
                f"   {patch[0] / full[0]:.2f}x fps, {full[1] / patch[1]:.2f}x less CPU"
            )


def _mesh_poses(rig: Rig, active: bool):
    rest = rig.rest_pose()
    if not active:
        return lambda k: rest

    def pose(k):
        rest.morph_weights = [_all_active(k, len(w)) for w in rest.morph_weights]
        return rest

    return pose


def _table(name: str, avatar, rig: Rig, poses, ctx, modes, frames: int, rounds: int) -> None:
    vertices = sum(p.vertex_count for m in avatar.meshes for p in m.primitives)
    targets = sum(len(m.target_names) for m in avatar.meshes)
    print(f"\n{name}: {vertices} vertices, {targets} morph targets, {SIZE[0]}x{SIZE[1]} MSAA 4x, read back")
    for mode in modes:
        with Renderer(avatar, SIZE, msaa=4, framing="bust", ctx=ctx, rig=rig, morph_mode=mode) as r:
            # Alternate the two cases and keep each one's best round: other processes on a
            # shared machine then skew both alike instead of one.
            none = every = 0.0
            for _ in range(rounds):
                none = max(none, _fps(r.render, poses(rig, False), frames))
                every = max(every, _fps(r.render, poses(rig, True), frames))
            sync = _sync_ms(r, poses(rig, True), frames)
        print(
            f"  {mode:8s} none {none:6.1f} fps   all active {every:6.1f} fps   "
            f"frame time all/none {none / every:5.2f}x   (CPU blend + upload {sync:.2f} ms)"
        )


def _against(old_path: Path, ctx, frames: int, rounds: int) -> None:
    """The shipped mascot against another build of it, alternating rounds, best of each kept."""
    avatars = {"old": load_avatar(old_path), "new": load_avatar(MASCOT)}
    best = dict.fromkeys(avatars, 0.0)
    for _ in range(rounds):
        for name, avatar in avatars.items():
            rig = Rig(avatar)
            with Renderer(avatar, SIZE, msaa=4, framing="bust", ctx=ctx, rig=rig) as r:
                best[name] = max(best[name], _fps(r.render, _moving_poses(rig), frames))
    for name, avatar in avatars.items():
        vertices = sum(p.vertex_count for m in avatar.meshes for p in m.primitives)
        print(f"  {name}: {vertices} vertices, {best[name]:6.1f} fps at {SIZE[0]}x{SIZE[1]}")
    print(f"  new / old: {best['new'] / best['old']:.3f}")


def _export(rig: Rig) -> None:
    """The demo's own path: idle + tour through the offline pipeline into an MP4 sink."""
    fps, seconds = 30, demo_tour.DURATION
    with tempfile.TemporaryDirectory() as folder:
        sink = VideoSink(str(Path(folder) / "tour.mp4"), RenderSettings(SIZE))
        start = time.perf_counter()
        render_offline(rig, [open_source("idle:"), open_source("tour:")], [sink], fps, seconds)
        took = time.perf_counter() - start
    frames = round(seconds * fps)
    print(
        f"\nMP4 export, {seconds:g} s of {SIZE[1]}p{fps}: {took:.1f} s, {seconds / took:.2f}x real time "
        f"({frames / took:.1f} fps with H.264 encoding)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20, help="frames per measurement (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds, best kept (default 3)")
    parser.add_argument("--skip-export", action="store_true", help="leave out the MP4 export")
    parser.add_argument("--against", type=Path, help="only compare the mascot with this build of it")
    args = parser.parse_args(argv)

    platform = HeadlessPlatform()
    ctx = platform.ctx
    default = morph_mode(ctx)
    print(f"OpenGL: {ctx.info['GL_RENDERER']} ({ctx.info['GL_VERSION']}); default morph mode: {default}")
    modes = (default, "texture" if default == "cpu" else "cpu")
    if args.against:
        _against(args.against, ctx, args.frames, args.rounds)
        platform.close()
        return 0
    if MASCOT.is_file():
        mascot = load_avatar(MASCOT)
        mascot_rig = Rig(mascot)
        _patch_against_full_frame(mascot, mascot_rig, ctx, args.frames, args.rounds)
        _table("mascot", mascot, mascot_rig, _mascot_poses, ctx, modes, args.frames, args.rounds)
    else:
        mascot = mascot_rig = None
        print(f"\nmascot: {MASCOT} not built yet, skipped")
    dense = dense_avatar(60_000, 100)
    dense_rig = Rig(dense)
    _table("synthetic", dense, dense_rig, _mesh_poses, ctx, modes, args.frames, args.rounds)
    if not args.skip_export:  # the mascot's tour, or the synthetic avatar's before it exists
        _export(mascot_rig if mascot is not None else dense_rig)
    platform.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
