"""MP4 output through the ffmpeg binary that imageio-ffmpeg ships: H.264, yuv420p (plays in
browsers), frames piped in raw, an optional audio track muxed in.

Sync: the video lasts exactly frames / fps. The audio is padded with silence or cut to that
same length (`apad` + `atrim` by sample count), so the tracks end together, within one
audio frame of AAC (about 21 ms), below one video frame at 30 fps.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from pathlib import Path

import numpy as np

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


#: Frames queued for ffmpeg: enough for rendering and encoding to overlap.
QUEUED_FRAMES = 4


class Mp4Writer:
    """Writes RGB frames to an MP4. `frames` is how many will come, needed to size the audio.

    Use as a context manager; `write` takes (height, width, 3) uint8 arrays. A thread feeds
    ffmpeg, so the caller renders the next frame while the last one is piped and encoded
    (a blocking pipe write would leave the renderer idle for each frame's encode).
    """

    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        fps: float,
        frames: int | None = None,
        audio: str | Path | None = None,
        crf: int = 18,
        preset: str = "veryfast",
    ):
        width, height = size
        if width % 2 or height % 2:
            raise RendererError(f"MP4 (H.264, yuv420p) needs an even width and height, got {width}x{height}")
        if fps <= 0:
            raise RendererError(f"fps: expected a positive number, got {fps}")
        self.path = Path(path)
        self.size = (width, height)
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
            "rgb24",
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
            rate = _probe(audio)[0]
            samples = round(frames / fps * rate)
            cmd += [
                "-i",
                str(audio),
                "-map",
                "0:v",
                "-map",
                "1:a",
                "-af",
                f"apad,atrim=end_sample={samples}",
                "-c:a",
                "aac",
                "-b:a",
                "160k",
            ]
        cmd += [
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(self.path),
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self._proc.stdin is not None and self._proc.stderr is not None  # both asked for as PIPE
        self._stdin, self._stderr = self._proc.stdin, self._proc.stderr
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED_FRAMES)
        self._broken = False
        self._feeder = threading.Thread(target=self._feed, name="mp4-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        while (frame := self._queue.get()) is not None:
            if not self._broken:
                try:
                    self._stdin.write(frame.data)
                except OSError:  # ffmpeg quit: its message is read when closing
                    self._broken = True

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.size[1], self.size[0], 3) or frame.dtype != np.uint8:
            raise RendererError(
                f"video frame: expected ({self.size[1]}, {self.size[0]}, 3) uint8, got {frame.shape} {frame.dtype}"
            )
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

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif not self._stdin.closed:
            self._proc.kill()
            self._finish()
