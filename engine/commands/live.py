"""`run.py live`: sources -> mixer -> avatar and forwarders in real time."""

from __future__ import annotations

import argparse
import logging
import sys

from ..errors import EngineError
from ..pipeline import Pipeline, RealtimeClock
from ..registry import SINKS, SOURCES, open_sink, open_source, schemes_help
from ..rig.asset import AvatarError
from ..rig.rig import POSE_MODES
from ..show import Show
from .arguments import positive


def add_arguments(p) -> None:
    add_show_arguments(p, default_fps=60.0)


def add_show_arguments(p, default_fps: float) -> None:
    p.add_argument("--avatar", help=".gltf/.glb/.vrm to pose (needed by window:, mp4:, png:)")
    for flag, schemes in (("--source", SOURCES), ("--sink", SINKS)):
        listed = ", ".join(f"{scheme}:" for scheme in schemes)
        p.add_argument(
            flag,
            action="append",
            default=[],
            metavar="URI",
            help=f"repeatable; one of: {listed} (options below; see the README's table)",
        )
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog_later = _schemes_help
    p.add_argument("--fps", type=positive, help=f"frame rate (default {default_fps:g})")
    p.add_argument(
        "--duration", type=float, help="seconds; default: until the media ends (files, takes, clips), else until Ctrl-C"
    )
    p.add_argument("--config", help="a TOML show file; command-line options add to it")
    p.add_argument(
        "--pose", choices=POSE_MODES, help="a humanoid avatar's body where nothing drives it: relaxed (default) or bind"
    )
    p.add_argument(
        "--no-idle",
        action="store_true",
        help="with --avatar, idle: (blinks, gaze, breath) is layered beneath the sources "
        "so a lost face eases into life; this turns that off",
    )
    p.set_defaults(default_fps=default_fps)


def _schemes_help() -> str:
    return (
        "URI options (SCHEME:WHAT?key=value&..., or a show file's [[source]]/[[sink]] table), "
        "name:type=default:\nsources\n"
        f"{schemes_help(SOURCES)}\nsinks\n{schemes_help(SINKS)}"
    )


def show_from_args(args) -> Show:
    show = Show.load(args.config) if args.config else Show(fps=args.default_fps)
    show.avatar = args.avatar or show.avatar
    show.fps = args.fps or show.fps
    show.duration = args.duration if args.duration is not None else show.duration
    show.sources += [(uri, {}) for uri in args.source]
    show.sinks += [(uri, {}) for uri in args.sink]
    show.no_idle = args.no_idle or show.no_idle
    show.pose = args.pose or show.pose
    return show


def build_pipeline(show: Show, extra_sources=(), extra_sinks=()) -> tuple[Pipeline, float | None]:
    """The show's pipeline; `extra_sources` and `extra_sinks` are a job's own (the stage's)."""
    rig = None
    if show.avatar:
        from ..rig.gltf import load_avatar
        from ..rig.rig import Rig, sidecar_mapping

        avatar = load_avatar(show.avatar)
        mapping = show.mapping or sidecar_mapping(show.avatar)
        try:
            rig = Rig(avatar, mapping, show.pose)
        except ValueError as exc:
            raise AvatarError(show.avatar, f"mapping {mapping}", str(exc)) from None
    named = [open_source(uri, opts, rig) for uri, opts in show.sources or [("idle:", {})]]
    sources = named
    if rig is not None and not show.no_idle and not any(s.name == "idle" for s in named):
        sources = [open_source("idle:")] + named  # a drawn avatar never freezes when its source goes quiet
    sinks = [open_sink(uri, opts) for uri, opts in show.sinks] + list(extra_sinks)
    return Pipeline(sources + list(extra_sources), sinks, rig, show.filters()), media_end(named)


def media_end(sources) -> float | None:
    """When the run ends by itself: once every source named has played out its media (a file,
    a take, a clip); never while any of them is endless (idle:, a camera, a receiver)."""
    ends = [s.duration for s in sources]
    return max(ends) if ends and None not in ends else None


def print_stats(stats, out=sys.stderr) -> None:
    print(
        f"{stats.frames} frames, {stats.dropped_ticks} ticks dropped, frame time "
        f"p50 {stats.percentile_ms(50):.2f} ms, p99 {stats.percentile_ms(99):.2f} ms",
        file=out,
    )
    for name, h in stats.sinks.items():
        print(
            f"  sink {name}: {h.written} written, {h.dropped} dropped, {h.errors} errors"
            + (f" (last: {h.last_error})" if h.errors else ""),
            file=out,
        )


def run(args) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        show = show_from_args(args)
        if not show.sinks:
            raise EngineError("name at least one --sink (window:, csv:take.csv, livelink://127.0.0.1:11111 ...)")
        pipeline, end = build_pipeline(show)
        clock = RealtimeClock(show.fps, show.duration if show.duration is not None else end)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        stats = pipeline.run(clock)
    except KeyboardInterrupt:  # the pipeline has already closed every sink
        print("stopped", file=sys.stderr)
        return 0
    except EngineError as exc:  # a sink that cannot open (an unwritable take)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_stats(stats)
    return 0
