"""`run.py render AVATAR -o OUT.png|OUT.mp4`: a still or a clip of an avatar, headless.

A still shows one pose (`--set`, `--head`, or the first frame of `--curves`); a clip plays
`--curves` at its own frame rate (or `--fps`), lasts the take, the audio, or `--duration`,
and carries `--audio` muxed in sync.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from ..renderer.background import parse_color
from ..renderer.errors import RendererError
from ..renderer.framing import FRAMINGS
from ..renderer.renderer import Renderer
from ..renderer.video import Mp4Writer, audio_duration
from ..rig.gltf_loader import load_avatar
from ..rig.rig import Rig, sidecar_mapping
from ..rig.transforms import quat_from_euler
from .progress import Progress

DEFAULT_FPS = 30.0
DEFAULT_CLIP_SECONDS = 3.0


# -- argument types (argparse turns their errors into a usage message and exit 2) -----------


def size_arg(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not m or min(int(m.group(1)), int(m.group(2))) < 1 or max(int(m.group(1)), int(m.group(2))) > 8192:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, each 1 to 8192, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def set_arg(text: str) -> tuple[str, float]:
    name, eq, value = text.partition("=")
    canonical = arkit.canonical(name.strip())
    if not eq or canonical is None:
        raise argparse.ArgumentTypeError(f"expected ARKIT_NAME=VALUE (any alias), got {text!r}")
    try:
        weight = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a number") from None
    if not 0.0 <= weight <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the weight must lie in [0, 1]")
    return canonical, weight


def head_arg(text: str) -> np.ndarray:
    try:
        angles = [float(v) for v in text.split(",")]
    except ValueError:
        angles = []
    if len(angles) != 3 or not all(math.isfinite(a) for a in angles):
        raise argparse.ArgumentTypeError(f"expected YAW,PITCH,ROLL in degrees, got {text!r}")
    return quat_from_euler(*np.radians(angles))


def background_arg(text: str):
    try:
        return parse_color(text)
    except ValueError:
        if Path(text).is_file():
            return text
    raise argparse.ArgumentTypeError(f"expected #RRGGBB or an image file, got {text!r}")


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_view_options(p: argparse.ArgumentParser, size: tuple[int, int]) -> None:
    """Options every rendering command shares."""
    p.add_argument("--size", type=size_arg, default=size, help=f"WIDTHxHEIGHT (default {size[0]}x{size[1]})")
    p.add_argument("--framing", choices=FRAMINGS, default="bust", help="what the camera frames (default bust)")
    p.add_argument("--background", type=background_arg, default=None, help="#RRGGBB or an image file")
    p.add_argument("--msaa", type=int, default=4, help="samples per pixel (default 4; 1 turns it off)")


def add_parser(sub):
    p = sub.add_parser("render", help="render an avatar to a PNG or an MP4 (headless)")
    p.add_argument("avatar", help=".gltf, .glb or .vrm file")
    p.add_argument("-o", "--output", required=True, help="OUT.png or OUT.mp4")
    p.add_argument("--set", dest="sets", type=set_arg, action="append", default=[], metavar="NAME=VALUE",
                   help="an ARKit weight, any alias (repeatable)")
    p.add_argument("--head", type=head_arg, help="head YAW,PITCH,ROLL in degrees: yaw + turns to the avatar's left, pitch + nods "
                        "down, roll + tips to its right shoulder (write --head=-20,0,0 when it starts with -)")
    p.add_argument("--curves", help="a Live Link Face CSV take to play")
    p.add_argument("--fps", type=positive, help="frame rate (default: the take's, else 30)")
    p.add_argument("--duration", type=positive, help="seconds (default: the take's, the audio's, else 3)")
    p.add_argument("--audio", help="an audio file (WAV) to mux into the MP4")
    p.add_argument("--mapping", help="a JSON mapping file (default: AVATAR.mapping.json if present)")
    add_view_options(p, (1280, 720))
    return p


# -- frames ---------------------------------------------------------------------------------


def with_overrides(frame: FaceFrame, sets: list[tuple[str, float]], head: np.ndarray | None) -> FaceFrame:
    """The frame with `--set` weights and `--head` rotation laid over it."""
    if not sets and head is None:
        return frame
    weights, mask = frame.weights.copy(), frame.mask.copy()
    for name, value in sets:
        weights[arkit.INDEX[name]] = value
        mask[arkit.INDEX[name]] = True
    return FaceFrame(
        frame.t, weights, mask,
        head_rotation=frame.head_rotation if head is None else head,
        head_position=frame.head_position, eyes=frame.eyes, source=frame.source,
        confidence=frame.confidence,
    )


def clip_frames(args) -> tuple[float, list[FaceFrame]]:
    """(fps, frames) of the clip the arguments describe."""
    take_fps, take = None, None
    if args.curves:
        from ..protocols.livelink_csv import read_take

        take_fps, take = read_take(args.curves)
        if not take:
            raise ValueError(f"{args.curves}: the take holds no frames")
    fps = args.fps or take_fps or DEFAULT_FPS
    duration = args.duration
    if duration is None:
        if take:
            duration = take[-1].t + 1.0 / take_fps
        elif args.audio:
            duration = audio_duration(args.audio)
        else:
            duration = DEFAULT_CLIP_SECONDS
    count = max(round(duration * fps), 1)
    times = np.array([f.t for f in take]) if take else None
    frames = []
    for k in range(count):
        t = k / fps
        if take:  # the take's latest frame at time t: its own timing, dropped frames included
            base = take[max(int(np.searchsorted(times, t + 1e-6, side="right")) - 1, 0)]
        else:
            base = FaceFrame(t)
        frames.append(with_overrides(base, args.sets, args.head))
    return fps, frames


# -- output ---------------------------------------------------------------------------------


def write_clip(renderer: Renderer, rig: Rig, frames, fps: float, path: Path, audio=None) -> None:
    progress = Progress(len(frames), f"rendering {path.name}")
    with Mp4Writer(path, renderer.size, fps, frames=len(frames), audio=audio) as writer:
        for frame in frames:
            writer.write(renderer.render(rig.apply(frame)))
            progress.update()
    progress.close()


def save_png(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


def open_avatar(path: str, mapping: str | None):
    avatar = load_avatar(path)
    return avatar, Rig(avatar, mapping or sidecar_mapping(path))


def run(args) -> int:
    out = Path(args.output)
    kind = out.suffix.lower()
    try:
        if kind not in (".png", ".mp4"):
            raise ValueError(f"-o {out}: expected a .png or .mp4 file")
        if args.audio and kind != ".mp4":
            raise ValueError("--audio needs an .mp4 output")
        avatar, rig = open_avatar(args.avatar, args.mapping)
        with Renderer(avatar, args.size, args.msaa, args.framing, args.background, rig=rig) as renderer:
            fps, frames = clip_frames(args)
            if kind == ".png":
                save_png(renderer.render(rig.apply(frames[0])), out)
            else:
                write_clip(renderer, rig, frames, fps, out, args.audio)
    except (RendererError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0
