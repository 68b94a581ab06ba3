"""Video files through the ffmpeg binary that imageio-ffmpeg ships, frames piped in raw, an
optional audio track muxed in. The file's suffix picks the format (`FORMATS`): MP4 is H.264,
yuv420p (plays in browsers); WebM (VP9) and MOV (ProRes 4444) also carry an alpha channel, for
a transparent render to be composited over other pictures.

Sync: the video lasts exactly frames / fps. The audio is padded with silence or cut to that
same length (`apad` + `atrim` by sample count), so the tracks end together, within one
audio frame of AAC (about 21 ms), below one video frame at 30 fps.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import OptionError
from .errors import RendererError


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _probe(path: str | Path) -> tuple[int, float]:
    """(sample rate, duration in seconds) of an audio file, read from `ffmpeg -i` (no ffprobe
    is shipped); the duration has 10 ms steps."""
    path = Path(path)
    if not path.is_file():
        raise RendererError(f"audio: {path} does not exist")
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    rate = duration = None
    for line in out.stderr.splitlines():
        if "Audio:" in line and " Hz" in line and rate is None:
            rate = int(line.split(" Hz")[0].split()[-1])
        m = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", line)
        if m and duration is None:
            duration = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    if rate is None or duration is None:
        raise RendererError(f"audio: {path} holds no audio stream ffmpeg can read")
    return rate, duration


def audio_duration(path: str | Path) -> float:
    return _probe(path)[1]


def _audio_options(audio: str | Path, seconds: float, fmt: Format) -> list[str]:
    """ffmpeg options that mux `audio` as the second input, padded or cut to `seconds`."""
    samples = round(seconds * _probe(audio)[0])
    return ["-i", str(audio), "-map", "0:v", "-map", "1:a", "-af", f"apad,atrim=end_sample={samples}", *fmt.audio]


#: Frames queued for ffmpeg: enough for rendering and encoding to overlap.
QUEUED_FRAMES = 4

#: x264 under which a video encoded in pieces, each starting at one of its keyframes, is the
#: same pictures as the video encoded in one go: a constant quantiser (CRF's rate control carries
#: what it learnt from one frame into the next, across keyframes) and a fixed thread count
#: (x264's picture depends on it), whatever the machine. 18 looks like CRF 18 on a talking head.
PIECEWISE_H264 = ("-qp", "18", "-threads", "4")


def keyframe_options(keyframes: Sequence[int]) -> list[str]:
    """ffmpeg options that start a closed GOP at each of these frame numbers (and none other
    than x264's own choices)."""
    if not keyframes:
        return []
    return ["-force_key_frames", "expr:" + "+".join(f"eq(n,{k})" for k in sorted(set(keyframes)))]


@dataclass(frozen=True)
class Format:
    name: str
    video: tuple[str, ...]  # encoder options, for opaque frames and for frames with alpha
    video_alpha: tuple[str, ...] | None  # None: the format cannot carry alpha
    audio: tuple[str, ...]


#: VP9 in libvpx's realtime mode: its good-quality modes take seconds per 1080p frame on two cores.
_VP9 = ("-c:v", "libvpx-vp9", "-crf", "30", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1")
_PRORES = ("-c:v", "prores_ks", "-profile:v", "4444")

FORMATS = {
    ".mp4": Format(
        "MP4 (H.264)",
        ("-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart"),
        None,
        ("-c:a", "aac", "-b:a", "160k"),
    ),
    ".webm": Format(
        "WebM (VP9)",
        (*_VP9, "-pix_fmt", "yuv420p"),
        (*_VP9, "-pix_fmt", "yuva420p", "-auto-alt-ref", "0"),  # alt-ref frames cannot hold alpha
        ("-c:a", "libopus", "-b:a", "128k"),
    ),
    ".mov": Format(
        "MOV (ProRes 4444)",
        (*_PRORES, "-pix_fmt", "yuv444p10le"),
        (*_PRORES, "-pix_fmt", "yuva444p10le", "-alpha_bits", "8"),
        ("-c:a", "pcm_s16le"),
    ),
}


def video_format(path: str | Path, alpha: bool = False) -> Format:
    """The format a file name asks for; an error names the ones that fit (with alpha: WebM, MOV)."""
    suffix = Path(path).suffix.lower()
    fitting = [s for s, f in FORMATS.items() if f.video_alpha is not None or not alpha]
    if suffix not in FORMATS:
        raise OptionError(f"{path}: expected a video file ending in {', '.join(fitting)}")
    if alpha and FORMATS[suffix].video_alpha is None:
        raise OptionError(
            f"{path}: {FORMATS[suffix].name} cannot carry a transparent background; "
            f"write {' or '.join(f'{FORMATS[s].name} ({s})' for s in fitting)} instead"
        )
    return FORMATS[suffix]


class VideoWriter:
    """Writes frames to a video file in the format its suffix names (`FORMATS`). `frames` is
    how many will come, needed to size the audio; `alpha`: frames are straight-alpha RGBA.

    Use as a context manager; `write` takes (height, width, 3 or 4) uint8 arrays. A thread
    feeds ffmpeg, so the caller renders the next frame while the last one is piped and encoded
    (a blocking pipe write would leave the renderer idle for each frame's encode).
    """

    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        fps: float,
        frames: int | None = None,
        audio: str | Path | None = None,
        alpha: bool = False,
        crf: int = 18,
        preset: str = "veryfast",
        keyframes: Sequence[int] | None = None,
    ):
        """`keyframes` (MP4 only): frame numbers to start closed GOPs at; given, even empty,
        the video is encoded `PIECEWISE_H264`, so that pieces of it cut at those frames and
        encoded apart (a render spread over machines) join to the same pictures."""
        width, height = size
        fmt = video_format(path, alpha)
        if keyframes is not None and fmt is not FORMATS[".mp4"]:
            raise RendererError(f"{path}: keyframes for pieces to join are only set in MP4 (H.264)")
        if width % 2 or height % 2:
            raise RendererError(f"{fmt.name} needs an even width and height, got {width}x{height}")
        if fps <= 0:
            raise RendererError(f"fps: expected a positive number, got {fps}")
        self.path = Path(path)
        self.size = (width, height)
        self.channels = 4 if alpha else 3
        self.fps = fps
        self.frames_written = 0
        self._expected = frames
        self._error = ""
        cmd = [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba" if alpha else "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            f"{fps:g}",
            "-i",
            "pipe:0",
        ]
        if audio is not None:
            if frames is None:
                raise RendererError("audio: the frame count must be known up front to sync the audio")
            cmd += _audio_options(audio, frames / fps, fmt)
        cmd += fmt.video_alpha if alpha and fmt.video_alpha else fmt.video
        if fmt is FORMATS[".mp4"]:
            cmd += ["-preset", preset]
            cmd += [*PIECEWISE_H264, *keyframe_options(keyframes)] if keyframes is not None else ["-crf", str(crf)]
        cmd.append(str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self._proc.stdin is not None and self._proc.stderr is not None  # both asked for as PIPE
        self._stdin, self._stderr = self._proc.stdin, self._proc.stderr
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED_FRAMES)
        self._broken = False
        self._feeder = threading.Thread(target=self._feed, name="video-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        while (frame := self._queue.get()) is not None:
            if not self._broken:
                try:
                    self._stdin.write(frame.data)
                except OSError:  # ffmpeg quit: its message is read when closing
                    self._broken = True

    def write(self, frame: np.ndarray) -> None:
        expected = (self.size[1], self.size[0], self.channels)
        if frame.shape != expected or frame.dtype != np.uint8:
            raise RendererError(f"video frame: expected {expected} uint8, got {frame.shape} {frame.dtype}")
        if self._broken:
            self._fail()
        self._queue.put(np.array(frame, order="C", copy=True))
        self.frames_written += 1

    def _fail(self) -> None:
        self._finish()
        raise RendererError(f"ffmpeg failed writing {self.path}: {self._error or 'no message'}")

    def _finish(self) -> int:
        """Sends the queued frames, closes ffmpeg's input and waits; returns its exit status."""
        self._queue.put(None)
        self._feeder.join()
        try:
            self._stdin.close()
        except BrokenPipeError:
            pass
        self._error = self._stderr.read().decode(errors="replace").strip()
        self._stderr.close()
        return self._proc.wait()

    def close(self) -> None:
        if self._stdin.closed:
            return
        if self._expected is not None and self.frames_written != self._expected:
            self._proc.kill()
            self._finish()
            raise RendererError(f"{self.path}: {self.frames_written} frames written, {self._expected} announced")
        if self._finish() != 0:
            raise RendererError(f"ffmpeg failed writing {self.path}: {self._error or 'no message'}")

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif not self._stdin.closed:
            self._proc.kill()
            self._finish()


def join_pieces(pieces: Sequence[str | Path], out: str | Path, fps: float, frames: int, audio: str | Path) -> None:
    """MP4 pieces encoded apart (each `PIECEWISE_H264`, from a keyframe) joined into `out` without
    re-encoding them, `audio` muxed in once, as `VideoWriter` would have; an error names ffmpeg's
    complaint."""
    out = Path(out)
    listing = out.with_name(out.name + ".pieces.txt")
    # The concat demuxer's list: one `file` line per piece, quotes escaped as it asks.
    listing.write_text("".join("file '{}'\n".format(str(Path(p).resolve()).replace("'", "'\\''")) for p in pieces))
    fmt = FORMATS[".mp4"]
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
    cmd += [*_audio_options(audio, frames / fps, fmt), "-c:v", "copy", "-movflags", "+faststart", str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        listing.unlink(missing_ok=True)
    if done.returncode != 0:
        reason = done.stderr.strip() or "no message"
        raise RendererError(f"ffmpeg failed joining {len(pieces)} pieces into {out}: {reason}")
