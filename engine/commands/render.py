"""`run.py render AVATAR -o OUT.png|OUT.mp4|OUT.webm|OUT.mov`: a still or a clip of an avatar, headless.

It runs the same pipeline as `live`, on the offline clock: `--curves` plays a take (at its
own frame rate unless `--fps`), `--set` and `--head` hold a pose on top, `--source` adds any
other source (idle:, expression:happy ...). A still shows the first frame; a clip lasts
`--duration`, else the take, else the audio, else 3 s, and carries `--audio` muxed in sync.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..drivers.audio.source import TimedSpeech, follow_phones
from ..errors import EngineError
from ..offline import open_avatar, render_offline
from ..progress import Progress
from ..registry import open_sink, open_source
from ..renderer.framing import FRAMINGS
from ..renderer.video import FORMATS, audio_duration
from ..rig import MASCOT
from ..rig.rig import POSE_MODES, Rig
from ..sinks.render import PngSink, RenderSettings, VideoSink
from ..speech.audio_file import read_audio
from .arguments import background_arg, head_arg, msaa, output_file, positive, set_arg, size_arg

DEFAULT_FPS = 30.0
DEFAULT_CLIP_SECONDS = 3.0


def add_view_options(p: argparse.ArgumentParser, size: tuple[int, int]) -> None:
    """Options every rendering command shares."""
    p.add_argument("--size", type=size_arg, default=size, help=f"WIDTHxHEIGHT (default {size[0]}x{size[1]})")
    p.add_argument("--framing", choices=FRAMINGS, default="bust", help="what the camera frames (default bust)")
    p.add_argument(
        "--background",
        type=background_arg,
        default=None,
        help="#RRGGBB, an image file, or transparent (to composite elsewhere: a .png, .webm or .mov with alpha)",
    )
    p.add_argument("--msaa", type=msaa, default=4, help="samples per pixel: 1 (off), 2, 4 (default), 8 or 16")
    p.add_argument(
        "--pose",
        choices=POSE_MODES,
        default="relaxed",
        help="a humanoid's body where nothing drives it: relaxed, arms at its sides (default), "
        "or bind, the file's own pose",
    )


def add_arguments(p) -> None:
    p.add_argument("avatar", nargs="?", default=str(MASCOT), help=".gltf, .glb or .vrm file (default: our mascot)")
    p.add_argument(
        "-o",
        "--output",
        type=output_file,
        help="OUT.png, or a clip: OUT.mp4, OUT.webm or OUT.mov (the last two keep a transparent background); "
        "without it nothing is rendered",
    )
    p.add_argument(
        "--curves-out", type=output_file, metavar="TAKE.csv", help="also record the face as a Live Link Face CSV take"
    )
    p.add_argument("--video", help="a video of a face to track (the same as --source video:FILE)")
    p.add_argument("--side-by-side", action="store_true", help="with --video: show the video beside the avatar")
    p.add_argument("--mirror", action="store_true", help="with --video: the avatar as the person's reflection")
    p.add_argument(
        "--set",
        dest="sets",
        type=set_arg,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an ARKit weight, any alias (repeatable)",
    )
    p.add_argument(
        "--head",
        type=head_arg,
        help="head YAW,PITCH,ROLL in degrees: yaw + turns to the avatar's left, pitch + nods "
        "down, roll + tips to its right shoulder (write --head=-20,0,0 when it starts with -)",
    )
    p.add_argument("--curves", help="a Live Link Face CSV take to play")
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="URI",
        help="another source to mix in, e.g. idle: or expression:happy (repeatable)",
    )
    p.add_argument("--fps", type=positive, help="frame rate (default: the take's, else 30)")
    p.add_argument("--duration", type=positive, help="seconds (default: the take's, the audio's, else 3)")
    p.add_argument("--audio", help="speech (wav, flac, ogg, mp3) that drives the lips and is muxed into the MP4")
    p.add_argument(
        "--transcript",
        help="a text file of the English said in --audio: the lips follow its words, forced onto the audio by "
        "pocketsphinx (else, or where it does not fit, the speech net hears them)",
    )
    p.add_argument(
        "--voice-floor",
        type=float,
        metavar="DBFS",
        help="with --audio: sound under this level is never speech (default -60; raise it over a television or "
        "other voices the recording hears behind the speaker)",
    )
    p.add_argument(
        "--text",
        help="text to speak (piper when installed, else flite/espeak-ng): drives the lips, and the speech is muxed in",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of --text (zh: Chinese characters)")
    p.add_argument("--mapping", help="a JSON mapping file (default: AVATAR.mapping.json if present)")
    add_view_options(p, (1280, 720))


# -- the pipeline ---------------------------------------------------------------------------


def render_sources(args, rig: Rig | None = None) -> tuple[list, float | None]:
    """The sources the arguments name, and the take's frame rate if there is one."""
    sources, take_fps = [open_source(uri, rig=rig) for uri in args.source], None
    if args.video or args.audio:  # idle beneath: blinks and gaze, and a lost face eases into it
        sources.append(open_source("idle:"))
    if args.video:
        sources.append(open_source(f"video:{args.video}", {"mirror": args.mirror}))
    if args.audio:  # over a tracked face, speech takes the mouth and leaves it its brows
        options = {"channels": "mouth"} if args.video else {}
        if args.transcript:
            options["transcript"] = args.transcript
        if args.voice_floor is not None:
            options["voice_floor"] = args.voice_floor
        speech = open_source(f"audio:{args.audio}", options or None)
        if getattr(args, "timed", None):  # --text: the voice's own phones move the mouth
            follow_phones(speech.curves, read_audio(args.audio), args.timed)
        sources.append(speech)
    if args.curves:
        take = open_source(f"csv:{args.curves}")
        sources.append(take)
        take_fps = take.fps
    if args.sets or args.head is not None or not sources:
        query = {name: value for name, value in args.sets}
        if args.head is not None:
            query["head"] = args.head
        sources.append(open_source("pose:", query))
    return sources, take_fps


def clip_duration(args, sources) -> float:
    if args.duration is not None:
        return args.duration
    media = [s.duration for s in sources if s.duration is not None]
    if media:
        return max(media)
    return audio_duration(args.audio) if args.audio else DEFAULT_CLIP_SECONDS


def save_png(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


def speak_to_file(text: str, lang: str, folder: str) -> tuple[str, list[TimedSpeech]]:
    """`--text` spoken to a WAV at its voice's own rate, so it can both drive the lips and be
    muxed in; and its timed phones where the voice gives them."""
    from ..speech.audio_file import write_wav
    from ..voices.tts import synthesize_timed

    speech = synthesize_timed(text, lang)
    path = str(Path(folder) / "speech.wav")
    write_wav(path, speech.samples, speech.rate)
    return path, [TimedSpeech(speech.visemes)] if speech.visemes else []


def run(args) -> int:
    if args.transcript and not args.audio:
        print("error: --transcript is what --audio says (--text needs none)", file=sys.stderr)
        return 2
    if args.voice_floor is not None and not args.audio:
        print("error: --voice-floor is for the speech --audio holds (--text is heard by no net)", file=sys.stderr)
        return 2
    if args.text:
        if args.audio:
            print("error: give --text or --audio, not both", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as folder:
            try:
                args.audio, args.timed = speak_to_file(args.text, args.lang, folder)
            except EngineError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            return render(args)
    return render(args)


def render(args) -> int:
    out = Path(args.output) if args.output else None
    bar = None
    try:
        if out is None and not args.curves_out:
            raise EngineError("name an output: -o OUT.png|OUT.mp4|OUT.webm|OUT.mov, --curves-out TAKE.csv, or both")
        still = out is not None and out.suffix.lower() == ".png"
        if out is not None and not still and out.suffix.lower() not in FORMATS:
            raise EngineError(f"-o {out}: expected a .png, {', '.join(FORMATS)} file")
        if args.audio and still:
            raise EngineError(f"--audio needs a video output ({', '.join(FORMATS)}) (or only --curves-out)")
        settings = RenderSettings(args.size, args.msaa, args.framing, args.background)
        # A video sink made first: a format that cannot hold the picture fails before any work.
        video = VideoSink(str(out), settings, args.audio, beside=args.side_by_side) if out and not still else None
        rig = open_avatar(args.avatar, args.mapping, args.pose)[1] if out is not None else None
        sources, take_fps = render_sources(args, rig)
        fps = args.fps or take_fps or DEFAULT_FPS
        sinks = [open_sink(f"csv:{args.curves_out}")] if args.curves_out else []
        if still:
            sinks.append(PngSink(str(out), settings))
            duration = 1.0 / fps
        else:
            if video is not None:
                sinks.append(video)
            duration = clip_duration(args, sources)
            bar = Progress(round(duration * fps), f"render {(out or Path(args.curves_out)).name}")
        render_offline(rig, sources, sinks, fps, duration, bar.update if bar else None)
    except EngineError as exc:
        if bar:
            bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if bar:
        bar.close()
    for path in (out, args.curves_out):
        if path:
            print(path)
    return 0
