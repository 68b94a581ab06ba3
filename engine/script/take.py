"""A script's performance computed once, so that its video can be drawn in pieces.

TTS and the face (the speech net, cues, idle life, mixed by the pipeline) are cheap next to
drawing, and they run from the first frame to the last: a `Take` holds their result, every
mixed frame and the soundtrack. Any run of frames can then be drawn on its own, on another
machine (engine/cluster/ spreads them over Ray workers), as an MP4 piece that starts at one of
the sentence cuts; `join` puts the pieces together without re-encoding them and muxes the audio
once. Posing, drawing and the overlay keep no state from frame to frame, so the joined video is
the pictures `video.render` makes in one go.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..frame import FaceFrame
from .parse import Script
from .soundtrack import RATE, build
from .video import Result, backdrop, background, branding, face_sources, sentence_cuts, speech_start, subtitle_cues

if TYPE_CHECKING:
    from ..overlay.compositor import Overlay
    from ..renderer.renderer import Renderer


@dataclass
class Take:
    """`frames[k]` is the mixed face at frame k; `cuts` the frames a piece may start at."""

    script: Script
    avatar: str
    frames: list[FaceFrame]
    samples: np.ndarray  # the soundtrack, float32 mono at soundtrack.RATE
    cuts: list[int]
    branding: object  # overlay.compositor.Branding
    cues: list  # overlay.subtitles.Cue, before pagination

    @property
    def fps(self) -> float:
        return self.script.settings.fps

    @property
    def duration(self) -> float:
        return len(self.samples) / RATE


class _Recorder:
    """A sink that keeps every mixed frame."""

    name = "take"
    needs_pose = False

    def __init__(self):
        self.frames: list[FaceFrame] = []

    def open(self, run) -> None:
        pass

    def write(self, frame: FaceFrame, pose) -> None:
        self.frames.append(frame)

    def close(self) -> None:
        pass


def perform(script: Script, avatar: str, rig, net=None) -> Take:
    """The take of `script` on the avatar `rig` was made from (its body changes how the mixer
    layers), with `net` as the speech net (None: load the shipped one)."""
    from ..offline import render_offline

    track = build(script, speech_start(script))
    recorder = _Recorder()
    render_offline(rig, face_sources(script, track, net), [recorder], script.settings.fps, track.duration)
    cues = subtitle_cues(track) if script.settings.subtitles else []
    cuts = sentence_cuts(track, script.settings.fps)
    return Take(script, avatar, recorder.frames, track.samples, cuts, branding(script, track), cues)


def pieces(take: Take, seconds: float) -> list[tuple[int, int]]:
    """The take's frames as runs [start, end), cut only at `take.cuts`, each at least `seconds`
    long where the cuts allow (the last may be shorter)."""
    if not seconds > 0:
        raise ValueError(f"piece length: expected seconds > 0, got {seconds}")
    total, least = len(take.frames), seconds * take.fps
    runs, start = [], 0
    for cut in take.cuts:
        if cut - start >= least:
            runs.append((start, cut))
            start = cut
    runs.append((start, total))
    return runs


class Drawer:
    """Draws pieces of takes with one avatar and one OpenGL context, kept from piece to piece:
    a take's renderer and overlay are made once, when its first piece is drawn."""

    def __init__(self, rig, ctx, msaa: int = 4):
        self.rig, self.ctx, self.msaa = rig, ctx, msaa
        self._take_key: str | None = None
        self._renderer: Renderer | None = None
        self._overlay: Overlay | None = None

    def _prepare(self, take: Take, key: str) -> None:
        from ..overlay.compositor import Overlay
        from ..renderer.renderer import Renderer

        if self._take_key == key:
            return
        self.close()
        s = take.script.settings
        self._renderer = Renderer(
            self.rig.avatar, s.size, self.msaa, s.framing, background(take.script), ctx=self.ctx, rig=self.rig
        )
        self._overlay = Overlay(take.branding, s.size, take.cues, background=backdrop(take.script))  # type: ignore[arg-type,assignment]
        self._take_key = key

    def draw(
        self, take: Take, key: str, start: int, end: int, path: str | Path, progress: Callable[[int], None]
    ) -> None:
        """Frames [start, end) of `take` (known by `key`) to the MP4 `path`, keyframes at its
        cuts, as `video.render` encodes them; `progress(n)` as frames are done."""
        from ..renderer.video import VideoWriter

        self._prepare(take, key)
        assert self._renderer is not None and self._overlay is not None
        keyframes = [c - start for c in take.cuts if start < c < end]
        size = take.script.settings.size
        with VideoWriter(path, size, take.fps, end - start, keyframes=keyframes) as writer:
            for k in range(start, end):
                frame = take.frames[k]
                writer.write(self._overlay.apply(self._renderer.render(self.rig.apply(frame)), frame.t))
                progress(1)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
        self._renderer, self._overlay, self._take_key = None, None, None


def join(take: Take, files: list[Path], out: str | Path, seconds: dict[str, float] | None = None) -> Result:
    """The pieces (in order) joined into `out` (.mp4) with the take's audio, and its .srt
    beside it when subtitles are on; written beside `out` and renamed when whole."""
    from ..overlay.compositor import Overlay
    from ..overlay.subtitles import write_srt
    from ..renderer.video import join_pieces
    from ..speech.audio_file import write_wav

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.stem}.") as folder:
        wav, part = Path(folder) / "speech.wav", Path(folder) / out.name
        write_wav(wav, take.samples, RATE)
        join_pieces(files, part, take.fps, len(take.frames), wav)
        part.replace(out)
    srt = None
    if take.script.settings.subtitles:
        # Paged as the pictures were: the overlay pages the cues to the frame's width.
        overlay = Overlay(take.branding, take.script.settings.size, take.cues)  # type: ignore[arg-type]
        srt = out.with_suffix(".srt")
        write_srt(overlay.cues, srt)
    times = dict(seconds or {})
    times["join"] = time.perf_counter() - clock
    return Result(out, srt, take.duration, times)
