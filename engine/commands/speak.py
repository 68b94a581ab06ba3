"""`run.py speak SCRIPT... [-o OUT.mp4 | --out-dir DIR]`: spokesperson videos from scripts
(engine/script/): each script is checked whole before anything renders, a failing script is
reported and the batch goes on, and the exit status says whether all of them made it."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..errors import EngineError
from ..renderer.background import TRANSPARENT
from ..renderer.video import video_format
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
    ray = p.add_argument_group("a Ray cluster (pip install 'arkit-avatar-engine[ray]'; MP4 only)")
    ray.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="render on Ray: local (a Ray instance of this machine), auto (the cluster this machine "
        "has joined), HOST:6379 or ray://HOST:10001",
    )
    ray.add_argument("--ray-workers", type=_count, help="workers to start (default: as many as the cluster holds)")
    ray.add_argument("--ray-cpus", type=positive, default=1.0, help="CPUs per worker (default 1)")
    ray.add_argument("--ray-gpus", type=_fraction, default=0.0, help="GPUs per worker, such as 0.5 (default 0)")
    ray.add_argument(
        "--ray-piece",
        type=positive,
        default=60.0,
        metavar="SECONDS",
        help="cut each video, at sentence ends, into pieces of at least this long for different workers (default 60)",
    )
    ray.add_argument(
        "--ray-shared",
        metavar="DIR",
        help="a folder at this path on every node: pieces come back through it instead of Ray's object store",
    )


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return int(text)


def _fraction(text: str) -> float:
    """GPUs per worker: 0, a share of one (0.25) or whole ones."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected GPUs per worker, 0 or more, got {text!r}")
    return value


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
        except EngineError as exc:
            print(f"error: -o {exc}", file=sys.stderr)
            return 2
    if args.ray and not args.check and (problem := _ray_problem(args, transparent)):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    failed: list[tuple[str, str]] = []
    jobs = []
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
                raise EngineError(f"{length}, over the {LONG_MINUTES} min limit; give --long if you mean it")
            if args.check:
                if warning := mixed_voices(script):
                    print(f"warning: {warning}", file=sys.stderr)
                for line in unsayable_words(script):
                    print(f"warning: {line}", file=sys.stderr)
                print(f"{name}: ok, {len(script.utterances)} utterances, {length}")
                continue
            suffix = ".webm" if transparent else ".mp4"
            out = Path(args.output) if args.output else Path(args.out_dir) / f"{Path(name).stem}{suffix}"
            if args.ray:
                jobs.append(_ray_job(name, out, args))
                continue
            result = video.render(script, out, args.avatar, args.size, args.msaa, transparent=transparent)
        except ScriptError as exc:
            failed.append((name, str(exc)))
            print(f"error: {exc}", file=sys.stderr)
            continue
        except EngineError as exc:
            failed.append((name, f"{name}: {exc}"))
            print(f"error: {name}: {exc}", file=sys.stderr)
            continue
        _report(result)
    if jobs:
        failed += _run_on_ray(jobs, args)
    if failed:
        print(f"\n{len(failed)} of {len(args.scripts)} script(s) failed:", file=sys.stderr)
        for name, _ in failed:
            print(f"  {name}", file=sys.stderr)
        return 1
    return 0


def _report(result, pieces: int = 1) -> None:
    wall = sum(result.seconds.values())
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    drawn = f" in {pieces} pieces" if pieces > 1 else ""
    print(f"{result.video}  ({result.duration:.1f} s of video{drawn} in {wall:.1f} s: {stages})", flush=True)
    if result.srt:
        print(result.srt, flush=True)


def _ray_problem(args, transparent: bool) -> str | None:
    """Why --ray cannot run as asked, before any script is read."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        return "--ray needs Ray: pip install 'arkit-avatar-engine[ray]'"
    if transparent:
        return "--ray renders MP4 (H.264) only; render a transparent background without --ray"
    if args.output and Path(args.output).suffix.lower() != ".mp4":
        return f"-o {args.output}: --ray writes MP4 (H.264) only"
    if args.ray_shared and not Path(args.ray_shared).is_dir():
        return f"--ray-shared {args.ray_shared}: no such folder"
    return None


def _ray_job(name: str, out: Path, args):
    """A checked script as a job for the cluster, with the command line's overrides applied."""
    from ..cluster.batch import Job
    from ..rig import MASCOT

    # Read again from its absolute path, so the files it names are found from a worker's folder.
    script = load(Path(name).resolve())
    if args.fps:
        script.settings.fps = args.fps
    if args.background is not None:
        script.settings.background = args.background
    if args.size:
        script.settings.size = tuple(args.size)
    avatar = Path(args.avatar).resolve() if args.avatar else script.settings.avatar or MASCOT
    return Job(name, script, str(avatar), out.resolve())


def _run_on_ray(jobs: list, args) -> list[tuple[str, str]]:
    """The jobs rendered on the cluster; (name, error) for each that failed."""
    from ..cluster import batch

    try:
        return batch.run(
            jobs,
            args.ray,
            args.ray_workers,
            args.ray_cpus,
            args.ray_gpus,
            args.msaa,
            args.ray_piece,
            args.ray_shared,
            report=_report,
        )
    except KeyboardInterrupt:
        print("\ncancelled: the cluster's workers were stopped; no video was left half-written", file=sys.stderr)
        raise SystemExit(130) from None
    except (ConnectionError, ValueError, RuntimeError) as exc:
        print(f"error: --ray {args.ray}: {exc}", file=sys.stderr)
        return [(job.name, str(exc)) for job in jobs]
