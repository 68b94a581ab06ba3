"""`run.py speak SCRIPT... [-o OUT.mp4 | --out-dir DIR]`: spokesperson videos from scripts
(engine/script/): each script is checked whole before anything renders, a failing script is
reported and the batch goes on, and the exit status says whether all of them made it."""

from __future__ import annotations

import sys
from pathlib import Path

from ..renderer.background import TRANSPARENT
from ..renderer.errors import RendererError
from ..renderer.video import video_format
from ..rig.asset import AvatarError
from ..script import video
from ..script.parse import ScriptError, load, mixed_voices, unsayable_words
from .arguments import background_arg, msaa, output_file, positive, size_arg


def add_arguments(p) -> None:
    p.add_argument("scripts", nargs="+", metavar="SCRIPT", help="script files (Markdown with a +++ TOML front matter)")
    p.add_argument(
        "-o",
        "--output",
        type=output_file,
        help="the video to write, .mp4, .webm or .mov (one script only; default out/NAME.mp4, "
        "or out/NAME.webm with a transparent background)",
    )
    p.add_argument("--out-dir", default="out", help="folder for NAME.mp4 and NAME.srt (default out/)")
    p.add_argument("--avatar", help="a .gltf/.glb/.vrm avatar instead of the script's (default: our mascot)")
    p.add_argument("--size", type=size_arg, help="WIDTHxHEIGHT instead of the script's (default 1920x1080)")
    p.add_argument("--fps", type=positive, help="frame rate instead of the script's (default 30)")
    p.add_argument("--msaa", type=msaa, default=4, help="samples per pixel: 1 (off), 2, 4 (default), 8 or 16")
    p.add_argument(
        "--background",
        type=background_arg,
        help="#RRGGBB or an image instead of the script's, or transparent: the presenter alone, for "
        "compositing over a stage (.webm or .mov with alpha; the title card keeps a panel of the script's background)",
    )
    p.add_argument("--check", action="store_true", help="only check the scripts and say how long each video will be")
    p.add_argument("--long", action="store_true", help=f"allow videos longer than {LONG_MINUTES} minutes")


#: Minutes of video a script may make without --long: past it, a typo (a pasted report) would
#: start a render of hours.
LONG_MINUTES = 20


def run(args) -> int:
    if args.output and len(args.scripts) > 1:
        print("error: -o names one video; give --out-dir for several scripts", file=sys.stderr)
        return 2
    if args.avatar and not Path(args.avatar).is_file():
        print(f"error: --avatar {args.avatar}: no such file", file=sys.stderr)
        return 2
    transparent = args.background == TRANSPARENT
    if args.output:
        try:
            video_format(args.output, transparent)
        except ValueError as exc:
            print(f"error: -o {exc}", file=sys.stderr)
            return 2
    failed: list[tuple[str, str]] = []
    for name in args.scripts:
        try:
            script = load(name)
            if args.fps:
                script.settings.fps = args.fps
            if args.background is not None and not transparent:
                script.settings.background = args.background
            seconds = video.estimate_seconds(script)
            length = (
                f"about {seconds / 60:.1f} min of video ({round(seconds * script.settings.fps)} frames at "
                f"{script.settings.fps:g} fps)"
            )
            if seconds > LONG_MINUTES * 60 and not args.long:
                raise ValueError(f"{length}, over the {LONG_MINUTES} min limit; give --long if you mean it")
            if args.check:
                if warning := mixed_voices(script):
                    print(f"warning: {warning}", file=sys.stderr)
                for line in unsayable_words(script):
                    print(f"warning: {line}", file=sys.stderr)
                print(f"{name}: ok, {len(script.utterances)} utterances, {length}")
                continue
            suffix = ".webm" if transparent else ".mp4"
            out = Path(args.output) if args.output else Path(args.out_dir) / f"{Path(name).stem}{suffix}"
            result = video.render(script, out, args.avatar, args.size, args.msaa, transparent=transparent)
        except ScriptError as exc:
            failed.append((name, str(exc)))
            print(f"error: {exc}", file=sys.stderr)
            continue
        except (AvatarError, RendererError, ValueError, OSError) as exc:
            failed.append((name, f"{name}: {exc}"))
            print(f"error: {name}: {exc}", file=sys.stderr)
            continue
        wall = sum(result.seconds.values())
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        print(f"{result.video}  ({result.duration:.1f} s of video in {wall:.1f} s: {stages})")
        if result.srt:
            print(result.srt)
    if failed:
        print(f"\n{len(failed)} of {len(args.scripts)} script(s) failed:", file=sys.stderr)
        for name, _ in failed:
            print(f"  {name}", file=sys.stderr)
        return 1
    return 0
