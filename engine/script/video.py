"""A script rendered to a branded MP4 with its speech and an .srt beside it.

The job runs in four stages, each timed (the benchmark reports them): TTS builds the
soundtrack; the face stage runs the speech net over it and lays out the performance; the
offline pipeline then renders every frame (idle, gestures, cues and lips mixed by the runtime's
rules) and composites the branding over it, while ffmpeg encodes in parallel.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..mixer import LayerRule, channel_mask
from ..speech.audio_file import write_wav
from .parse import CJK, Script
from .performance import Performance
from .soundtrack import RATE, Soundtrack, build

TITLE_GAP = 0.4  # seconds between the title card fading out and the first word
LOWER_THIRD = 6.0  # seconds the name card stays, from the first word
SUBTITLE_HOLD = 0.35  # a subtitle stays this long after its speech, unless the next one comes


@dataclass
class Result:
    video: Path
    srt: Path | None
    duration: float
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage


def title_seconds(script: Script) -> float:
    """How long the title card shows: 0 without a title."""
    s = script.settings
    return s.title_seconds if s.title else 0.0


def speech_start(script: Script) -> float:
    card = title_seconds(script)
    return card + TITLE_GAP if card > 0 else 0.5


def subtitle_cues(track: Soundtrack) -> list:
    """One subtitle per utterance, from its first sound until shortly after its last."""
    from ..overlay.subtitles import Cue

    cues = []
    for k, p in enumerate(track.placed):
        end = p.end + SUBTITLE_HOLD
        if k + 1 < len(track.placed):
            end = min(end, track.placed[k + 1].start - 0.04)
        cues.append(Cue(p.start, max(end, p.end), p.utterance.text, p.utterance.lang))
    return cues


def branding(script: Script, track: Soundtrack):
    from ..overlay.compositor import Branding

    s = script.settings
    first = track.placed[0].start
    lang = "zh" if CJK.search(s.title + s.subtitle + s.name + s.role) else "en"
    return Branding(
        accent=s.accent,
        text_color=s.text_color,
        logo=s.logo,
        logo_corner=s.logo_corner,
        name=s.name,
        role=s.role,
        lower_third=(first, first + LOWER_THIRD),
        title=s.title,
        subtitle=s.subtitle,
        title_seconds=title_seconds(script),
        lang=lang,
    )


def background(script: Script):
    """What the renderer paints behind the avatar: an sRGB colour, a gradient array or an image."""
    from ..overlay.compositor import gradient
    from ..renderer.background import parse_color

    spec, size = script.settings.background, script.settings.size
    if isinstance(spec, tuple) and len(spec) == 2:  # (top, bottom) #RRGGBB
        top, bottom = (tuple(round(c * 255) for c in parse_color(x)) for x in spec)
        return gradient(size, top, bottom)
    if isinstance(spec, tuple):  # an sRGB colour already parsed (`demo --background`)
        return spec
    if isinstance(spec, str) and not Path(spec).is_file():
        return parse_color(spec)
    return str(spec)


def backdrop(script: Script) -> np.ndarray:
    """The script's background as a full frame (H x W x 3 uint8), for the title card to stand
    on, so the card wears the brand's background rather than its accent colour."""
    from ..renderer.background import _cover

    spec, (width, height) = background(script), script.settings.size
    if isinstance(spec, np.ndarray):
        return spec
    if isinstance(spec, str):
        return _cover(spec, (width, height))
    return np.full((height, width, 3), np.round(np.asarray(spec) * 255), np.uint8)


def face_sources(script: Script, track: Soundtrack, net=None) -> list:
    """The layers of the spokesperson's face, for the pipeline's mixer: idle life beneath,
    the gestures and cue expressions (engine/script/performance.py), and the mouth: each
    utterance's own timed phones where its voice gives them, else the speech net (`net`: one
    already loaded, else the shipped one is loaded)."""
    from ..drivers.audio.source import AudioSource, TimedSpeech
    from ..drivers.synthetic import FunctionSource
    from ..idle import IdleMotion

    speech = track.speech_16k()
    rule = LayerRule("audio", priority=30, channels=channel_mask("mouth"), head=False)
    voice = AudioSource(speech, rule, net, timed=[TimedSpeech(list(p.visemes)) for p in track.placed if p.visemes])
    idle = FunctionSource(LayerRule("idle", priority=0), IdleMotion(script.settings.seed).frame)
    return [idle, *Performance(script, track, speech, voice).sources(), voice]


def sentence_cuts(track: Soundtrack, fps: float) -> list[int]:
    """The frames where the video may be cut: one in the silence before each sentence but the
    first (halfway through it). The MP4 starts a closed GOP at each, so pieces of it cut there
    and encoded on different machines join to the same video (engine/script/take.py)."""
    spans = sorted(track.sentence_spans().values())
    frames = round(track.duration * fps)
    cuts = {round((end + start) / 2 * fps) for (_, end), (start, _) in zip(spans, spans[1:])}
    return sorted(k for k in cuts if 0 < k < frames)


def render(
    script: Script,
    out: str | Path,
    avatar: str | Path | None = None,
    size=None,
    msaa: int = 4,
    progress: bool = True,
    transparent: bool = False,
) -> Result:
    """Renders `script` to `out` (.mp4, .webm or .mov) and `out` with .srt (when subtitles are
    on). `transparent`: no background behind the avatar (a .webm or .mov with alpha, for
    compositing); the title card keeps its own panel of the script's background."""
    from ..offline import open_avatar, render_offline
    from ..overlay.compositor import Overlay
    from ..overlay.subtitles import write_srt
    from ..progress import Progress
    from ..renderer.background import TRANSPARENT
    from ..renderer.video import video_format
    from ..rig import MASCOT
    from ..sinks.render import RenderSettings, VideoSink

    s = script.settings
    if size is not None:
        s.size = tuple(size)
    out = Path(out)
    video_format(out, transparent)
    seconds: dict[str, float] = {}
    n_utterances = len(script.utterances)
    bar = (
        Progress(n_utterances + round(estimate_seconds(script) * s.fps), f"speak {script.path.name}")
        if progress
        else None
    )

    clock = time.perf_counter()
    track = build(script, speech_start(script), progress=bar.update if bar else None)
    seconds["tts"] = time.perf_counter() - clock

    clock = time.perf_counter()
    sources = face_sources(script, track)
    seconds["face"] = time.perf_counter() - clock

    frames = round(track.duration * s.fps)
    if bar:
        bar.total = n_utterances + frames
    avatar_path = str(avatar or s.avatar or MASCOT)
    _, rig = open_avatar(avatar_path, None)
    cues = subtitle_cues(track) if s.subtitles else []
    overlay = Overlay(branding(script, track), s.size, cues, background=backdrop(script), transparent=transparent)
    out.parent.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    # Rendered beside the target and renamed when whole: a failure never leaves half a video.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.stem}.") as folder:
        wav, part = Path(folder) / "speech.wav", Path(folder) / out.name
        write_wav(wav, track.samples, RATE)
        settings = RenderSettings(s.size, msaa, s.framing, TRANSPARENT if transparent else background(script))
        cuts = sentence_cuts(track, s.fps) if out.suffix.lower() == ".mp4" else None
        sink = VideoSink(str(part), settings, str(wav), overlay=overlay.apply, keyframes=cuts)
        try:
            render_offline(rig, sources, [sink], s.fps, track.duration, bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        part.replace(out)
    seconds["render+encode"] = time.perf_counter() - clock
    srt = None
    if s.subtitles:
        srt = out.with_suffix(".srt")
        write_srt(overlay.cues, srt)  # as burned in: the same pages and line breaks
    return Result(out, srt, track.duration, seconds)


def estimate_seconds(script: Script) -> float:
    """A first guess at the video's length, for the progress bar until the speech exists."""
    chars = {"en": 14.0, "zh": 4.5}  # characters spoken per second
    talk = sum(len(u.text) / chars[u.lang] + u.gap_after for u in script.utterances)
    return speech_start(script) + script.lead + talk + 1.0
