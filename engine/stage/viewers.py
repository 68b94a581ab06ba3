"""The viewers watching the stage: each gets the newest frame (a slow one skips frames instead
of falling behind) and every audio chunk in order (speech must not have holes).

Frames and audio are published from other threads (the sink's, a `/say` worker's) and handed
to the server's event loop; each viewer's socket writer (app.py) waits on its own `wake`.
Audio still to be heard is kept, so a viewer who joins mid-speech hears the rest of it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable


class TooManyViewers(Exception):
    pass


class Viewer:
    def __init__(self) -> None:
        self.frame: bytes | None = None
        self.queue: deque[bytes | str] = deque()  # audio, cuts and answers (JSON text), in order
        self.wake = asyncio.Event()
        self.sent = 0

    def answer(self, message: dict) -> None:
        """A JSON text message to this viewer alone (hello, pong, error), in order with the rest."""
        self.queue.append(json.dumps(message))
        self.wake.set()

    def take(self) -> list[bytes | str]:
        """What to send now: queued audio first, then the newest frame."""
        out = list(self.queue)
        self.queue.clear()
        if self.frame is not None:
            out.append(self.frame)
            self.frame = None
        self.wake.clear()
        return out


class Viewers:
    def __init__(self, limit: int, now: Callable[[], float]):
        """`limit`: the most viewers at once; `now`: the pipeline clock, to know which audio is past."""
        self.limit, self.now = limit, now
        self.loop: asyncio.AbstractEventLoop | None = None
        self._viewers: set[Viewer] = set()
        self._audio: list[tuple[int, float, float, bytes]] = []  # (stream, start, end, message) not yet heard
        self.frames = 0
        self._recent: deque[float] = deque()  # when the last second's frames were published

    def frame_rate(self) -> float:
        """Frames published in the last second: the rate the stage really holds."""
        cutoff = time.monotonic() - 1.0
        return float(sum(1 for t in self._recent if t > cutoff))

    def __len__(self) -> int:
        return len(self._viewers)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def join(self, hello: dict) -> Viewer:
        """A new viewer, sent `hello` and then the audio still to come; TooManyViewers past the limit."""
        if len(self._viewers) >= self.limit:
            raise TooManyViewers(f"the stage already has {self.limit} viewers (the --max-viewers limit)")
        viewer = Viewer()
        viewer.answer(hello)
        now = self.now()
        viewer.queue.extend(message for _, _, end, message in self._audio if end > now)
        self._viewers.add(viewer)
        return viewer

    def leave(self, viewer: Viewer) -> None:
        self._viewers.discard(viewer)

    # -- from any thread -------------------------------------------------------------------

    def publish_frame(self, message: bytes) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._frame, message)

    def publish_audio(self, stream: int, start: float, end: float, message: bytes) -> None:
        """An AUDIO message of `stream` (protocols/stage.py) heard from `start` to `end`."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._audio_chunk, stream, start, end, message)

    def publish_cut(self, stream: int, t: float, message: bytes) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._cut, stream, t, message)

    # -- on the event loop -----------------------------------------------------------------

    def _frame(self, message: bytes) -> None:
        self.frames += 1
        now = time.monotonic()
        self._recent.append(now)
        while self._recent and self._recent[0] < now - 1.0:
            self._recent.popleft()
        for viewer in self._viewers:
            viewer.frame = message
            viewer.wake.set()

    def _audio_chunk(self, stream: int, start: float, end: float, message: bytes) -> None:
        now = self.now()
        self._audio = [a for a in self._audio if a[2] > now]
        self._audio.append((stream, start, end, message))
        self._queue(message)

    def _cut(self, stream: int, t: float, message: bytes) -> None:
        self._audio = [a for a in self._audio if a[0] != stream or a[1] < t]
        self._queue(message)

    def _queue(self, message: bytes) -> None:
        for viewer in self._viewers:
            viewer.queue.append(message)
            viewer.wake.set()
