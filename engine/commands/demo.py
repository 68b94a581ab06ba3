"""`run.py demo`: what a newcomer should see first. The mascot presents a fictional city in
English and Chinese from the shipped bilingual script (scripts/examples/), through the whole
spokesperson pipeline: TTS, our speech net, cue expressions, head rhythm, branding, subtitles.
`--tour` renders the silent 10 s tour of expressions (engine/demo_tour.py) over idle life instead.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from .. import demo_tour
from ..errors import EngineError
from ..offline import open_avatar, render_offline
from ..progress import Progress
from ..registry import open_source
from ..renderer.background import TRANSPARENT
from ..rig import MASCOT
from ..script import video
from ..script.parse import load
from ..sinks.render import RenderSettings, VideoSink
from .arguments import positive
from .render import add_view_options

SCRIPT = Path(str(files("engine.script") / "examples" / "riverton-bilingual.md"))


def add_arguments(p) -> None:
    p.add_argument("-o", "--output", default="out/demo.mp4", help="the MP4 to write (default out/demo.mp4)")
    p.add_argument("--avatar", default=str(MASCOT), help="another avatar to present")
    p.add_argument("--fps", type=positive, default=30.0, help="frame rate (default 30)")
    p.add_argument("--tour", action="store_true", help="the silent 10 s tour of expressions instead")
    add_view_options(p, (1920, 1080))


def run(args) -> int:
    out = Path(args.output)
    if not Path(args.avatar).is_file():
        hint = " (build it with `python -m engine.rig.mascot`)" if Path(args.avatar) == MASCOT else ""
        print(f"error: {args.avatar}: no such avatar{hint}", file=sys.stderr)
        return 2
    try:
        if args.tour:
            avatar, rig = open_avatar(args.avatar, None, args.pose)
            settings = RenderSettings(args.size, args.msaa, args.framing, args.background)
            sink = VideoSink(str(out), settings)
            bar = Progress(round(demo_tour.DURATION * args.fps), f"render {out.name}")
            try:
                render_offline(
                    rig,
                    [open_source("idle:?seed=29"), open_source("tour:")],
                    [sink],
                    args.fps,
                    demo_tour.DURATION,
                    bar.update,
                )
            finally:
                bar.close()
        else:
            script = load(SCRIPT)
            script.settings.fps, script.settings.framing = args.fps, args.framing
            transparent = args.background == TRANSPARENT  # the title card keeps the script's background
            if args.background is not None and not transparent:
                script.settings.background = args.background
            result = video.render(script, out, args.avatar, args.size, args.msaa, transparent=transparent)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    if not args.tour:
        print(result.srt)
    return 0
