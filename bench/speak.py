"""How fast a script becomes a finished video: seconds of video per second of wall time, for
the whole job and for each stage.

Run: .venv/bin/python -m bench.speak [--script FILE] [--utterances N] [--size 1920x1080]

Stages, measured one after the other on the same script: TTS (the soundtrack), face (the
speech net, the performance and mixing every frame into a pose), render (drawing every frame
with its branding, nothing encoded), and the whole job as `run.py speak` runs it (render and
encode overlap there, ffmpeg on its own thread); encode is what the whole job costs beyond
the other three. Figures are in multiples of real time (1.0 = as fast as the video plays);
the render stage is also given against rendering the same frames without branding, measured
in the same run. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from engine.offline import open_avatar
from engine.pipeline import Pipeline
from engine.renderer.options import parse_size
from engine.renderer.renderer import Renderer
from engine.rig import MASCOT
from engine.script import video
from engine.script.parse import load
from engine.script.soundtrack import build

EXAMPLE = Path(__file__).resolve().parents[1] / "scripts" / "examples" / "riverton-bilingual.md"


def shortened(script, count: int):
    """The script's first `count` utterances and their cues."""
    kept = script.utterances[:count]
    last = kept[-1].sentence
    return dataclasses.replace(script, utterances=kept, cues=[c for c in script.cues if c.sentence <= last])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--script", default=str(EXAMPLE))
    p.add_argument("--utterances", type=int, default=3, help="how many of its utterances (0: all)")
    p.add_argument("--size", default="1920x1080")
    args = p.parse_args(argv)
    script = load(args.script)
    if args.utterances:
        script = shortened(script, args.utterances)
    s = script.settings
    s.size = parse_size(args.size)

    clock = time.perf_counter()
    track = build(script, video.speech_start(script))
    tts = time.perf_counter() - clock
    length = track.duration
    frames = round(length * s.fps)
    times = [k / s.fps for k in range(frames)]

    avatar, rig = open_avatar(str(MASCOT), None)
    clock = time.perf_counter()
    pipeline = Pipeline(video.face_sources(script, track), [], rig)
    poses = [rig.apply(pipeline.step(t)) for t in times]
    face = time.perf_counter() - clock

    from engine.overlay.compositor import Overlay

    overlay = Overlay(video.branding(script, track), s.size, video.subtitle_cues(track))
    renderer = Renderer(avatar, s.size, 4, s.framing, video.background(script), rig=rig)
    renderer.render(poses[0])
    clock = time.perf_counter()
    for pose in poses:
        renderer.render(pose)
    bare = time.perf_counter() - clock
    clock = time.perf_counter()
    for t, pose in zip(times, poses):
        overlay.apply(renderer.render(pose), t)
    render = time.perf_counter() - clock
    renderer.close()

    with tempfile.TemporaryDirectory() as folder:
        clock = time.perf_counter()
        video.render(script, Path(folder) / "bench.mp4", size=s.size, progress=False)
        whole = time.perf_counter() - clock
    encode = max(whole - tts - face - render, 0.0)

    print(
        f"{Path(args.script).name}: {len(script.utterances)} utterances, {length:.1f} s of video, "
        f"{frames} frames at {s.size[0]}x{s.size[1]}, {s.fps:g} fps"
    )
    print(f"{'stage':<22}{'wall s':>9}{'x real time':>13}")
    for name, wall in (
        ("tts", tts),
        ("face (net+mix+pose)", face),
        ("render + branding", render),
        ("encode (beyond those)", encode),
        ("whole job", whole),
    ):
        print(f"{name:<22}{wall:>9.2f}{length / wall if wall else float('inf'):>13.2f}")
    print(f"render without branding: {bare:.2f} s; branding costs {render / bare:.2f}x the bare render")


if __name__ == "__main__":
    main()
