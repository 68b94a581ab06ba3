"""`run.py demo`: the mascot's tour of expressions (engine/demo_tour.py) over idle life
(blinks, saccades, breath), rendered through the offline pipeline to out/demo.mp4."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import demo_tour
from ..pipeline import open_source
from ..renderer.errors import RendererError
from ..sinks.render import Mp4Sink, RenderSettings
from .render import MASCOT, add_view_options, open_avatar, positive, render_offline



def add_parser(sub):
    p = sub.add_parser("demo", help="render the mascot's tour of expressions to out/demo.mp4")
    p.add_argument("-o", "--output", default="out/demo.mp4", help="the MP4 to write (default out/demo.mp4)")
    p.add_argument("--avatar", default=str(MASCOT), help="another avatar to take on the tour")
    p.add_argument("--fps", type=positive, default=30.0, help="frame rate (default 30)")
    p.add_argument("--audio", help="an audio file to mux in")
    add_view_options(p, (1280, 720))
    return p


def run(args) -> int:
    out = Path(args.output)
    if not Path(args.avatar).is_file():
        hint = " (build it with `python -m engine.rig.mascot`)" if Path(args.avatar) == MASCOT else ""
        print(f"error: {args.avatar}: no such avatar{hint}", file=sys.stderr)
        return 2
    try:
        avatar, rig = open_avatar(args.avatar, None)
        sources = [open_source("idle:?seed=29"), open_source("tour:")]
        settings = RenderSettings(args.size, args.msaa, args.framing, args.background)
        sink = Mp4Sink(str(out), settings, args.audio, progress=True)
        render_offline(rig, sources, [sink], args.fps, demo_tour.DURATION)
    except (RendererError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0
