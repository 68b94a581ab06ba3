"""`run.py demo`: the mascot's tour of expressions (engine/demo_tour.py) over idle life
(blinks, saccades, breath), then it says hello in English and in Chinese, lip-synced by our
speech net; rendered through the offline pipeline to out/demo.mp4 with the speech muxed in."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .. import demo_tour
from ..pipeline import open_source
from ..renderer.errors import RendererError
from ..sinks.render import Mp4Sink, RenderSettings
from .render import MASCOT, add_view_options, open_avatar, positive, render_offline

#: What the mascot says after the tour, (text, language).
GREETINGS = (
    ("Hello! I am your city's helper. Ask me anything, any time.", "en"),
    ("你好！我是你们城市的小助手，欢迎随时问我。", "zh"),
)
SPEECH_START = demo_tour.DURATION + 0.3  # seconds: the tour ends, then it speaks
GAP, TAIL = 0.5, 0.8  # silence between the sentences, and after the last


def write_speech(folder: Path) -> tuple[Path, Path, float]:
    """The greetings as 16 kHz WAVs: the speech alone (for the lips, placed at SPEECH_START)
    and the whole soundtrack with silence before it (for muxing); returns both and the length."""
    import wave

    import numpy as np

    from ..drivers.audio.tts import speak

    rate = 16000
    gap = np.zeros(int(GAP * rate), np.float32)
    parts = []
    for text, lang in GREETINGS:
        parts += [speak(text, lang), gap]
    speech = np.concatenate(parts[:-1])
    track = np.concatenate([np.zeros(int(SPEECH_START * rate), np.float32), speech])

    def save(path: Path, samples) -> Path:
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
            w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        return path

    length = SPEECH_START + len(speech) / rate + TAIL
    return save(folder / "speech.wav", speech), save(folder / "track.wav", track), length


def add_parser(sub):
    p = sub.add_parser("demo", help="render the mascot's tour of expressions to out/demo.mp4")
    p.add_argument("-o", "--output", default="out/demo.mp4", help="the MP4 to write (default out/demo.mp4)")
    p.add_argument("--avatar", default=str(MASCOT), help="another avatar to take on the tour")
    p.add_argument("--fps", type=positive, default=30.0, help="frame rate (default 30)")
    p.add_argument("--silent", action="store_true", help="only the 10 s tour, without the greetings")
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
        settings = RenderSettings(args.size, args.msaa, args.framing, args.background)
        with tempfile.TemporaryDirectory() as folder:
            sources = [open_source("idle:?seed=29"), open_source("tour:")]
            track, length = None, demo_tour.DURATION
            if not args.silent:
                speech, track, length = write_speech(Path(folder))
                sources.append(open_source(f"audio:{speech}", {"start": SPEECH_START, "fade": 0.1}))
            sink = Mp4Sink(str(out), settings, track and str(track), progress=True)
            render_offline(rig, sources, [sink], args.fps, length)
    except (RendererError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0
