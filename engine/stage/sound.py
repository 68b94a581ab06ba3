"""The show's own sound on the page: an `audio:` file or a microphone (`mic:`) moves the mouth
through the pipeline, and its samples go to every viewer as AUDIO messages of a stream of its
own, stamped with the pipeline time at which the mouth says them, like `/say`'s speech.

A file's source keeps only its curves, so its samples are read again and sent a little ahead of
when they are due. A microphone's arrive block by block, each stamped by the source with when its
face is published; those stamps wobble by +-15 ms or so (the device hands over blocks in bursts,
threads wake late), so the blocks are laid end to end, in chunks a few tens of milliseconds
long, and the run is moved (a seam of a few milliseconds) only when the stamps' median has
drifted from it by more than MIC_DRIFT.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from ..protocols.stage import SAY_STREAM, encode_audio
from ..speech.features import SAMPLE_RATE

log = logging.getLogger("engine.stage")

#: A file's audio is sent this long before it is due, in chunks this long.
AHEAD = 0.5
FILE_CHUNK = 0.25
#: A microphone's audio is sent once this much has gathered: its stamp already leaves the net's
#: lookahead (80 ms) before it is heard, so the chunk must be shorter than that.
MIC_CHUNK = 0.04
#: A microphone block stamped further than this from the end of the one before starts afresh
#: (a stall); closer, it follows on, so the page plays no seam.
MIC_SLACK = 0.05
#: The run is moved once the median of the last MIC_WINDOW blocks' stamps lies this far off it.
MIC_DRIFT = 0.008
MIC_WINDOW = 25

Publish = Callable[[int, float, float, bytes], None]  # Viewers.publish_audio


class SourceSound:
    """Carries the sound of every source that has some (an `audio:` file's `replay`, a
    microphone's `on_audio`) to the viewers, each on its own stream."""

    def __init__(self, publish: Publish):
        self.publish = publish
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, clock, sources) -> None:
        """Once the clock runs (its first frame is out)."""
        stream = SAY_STREAM
        for source in sources:
            if getattr(source, "replay", None) is not None:
                stream += 1
                thread = threading.Thread(
                    target=self._file, args=(source, clock, stream), name=f"sound:{source.name}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            elif hasattr(source, "on_audio"):
                stream += 1
                source.on_audio = MicChunks(self.publish, stream)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(1.0)

    def _file(self, source, clock, stream: int) -> None:
        """Sends the file's samples from `source.start_at` on, each chunk AHEAD of its time;
        chunks already past when the stage starts are skipped."""
        step, sent = int(FILE_CHUNK * SAMPLE_RATE), 0
        try:
            for block in source.replay():
                for i in range(0, len(block), step):
                    piece = block[i : i + step]
                    start = source.start_at + sent / SAMPLE_RATE
                    sent += len(piece)
                    end = source.start_at + sent / SAMPLE_RATE
                    if end <= clock.now():
                        continue
                    if self._stop.wait(max(0.0, start - AHEAD - clock.now())):
                        return
                    self.publish(stream, start, end, encode_audio(start, SAMPLE_RATE, piece, stream))
        except ValueError as exc:  # the file changed under the running stage
            log.warning("%s: its sound stopped: %s", source.name, exc)


class MicChunks:
    """A microphone source's `on_audio`: gathers its blocks into MIC_CHUNK chunks."""

    def __init__(self, publish: Publish, stream: int):
        self.publish, self.stream = publish, stream
        self._parts: list[np.ndarray] = []  # gathered, not yet sent
        self._start = 0.0  # when the gathered samples begin
        self._laid = -np.inf  # when the audio gathered or sent ends
        self._next: float | None = None  # when the next block belongs
        self._rate = 0
        self._off: deque[float] = deque(maxlen=MIC_WINDOW)  # recent stamps minus where they were laid

    def __call__(self, t: float, rate: int, samples: np.ndarray) -> None:
        if self._next is None or rate != self._rate or abs(t - self._next) > MIC_SLACK:
            self._send()
            self._off.clear()
            self._next, self._rate = t, rate  # afresh, where the stamp says
        else:
            self._off.append(t - self._next)
            drift = float(np.median(self._off))
            if len(self._off) == MIC_WINDOW and abs(drift) > MIC_DRIFT:
                self._off.clear()
                self._next += drift
        at, self._next = self._next, self._next + len(samples) / rate
        if at < self._laid:  # never over audio already laid: its start is skipped
            skip = int(np.ceil((self._laid - at) * rate - 1e-6))
            samples, at = samples[skip:], at + skip / rate
        if not len(samples):
            return
        if self._parts and abs(at - self._laid) > 1e-6:  # a seam: the chunk so far goes alone
            self._send()
        if not self._parts:
            self._start = at
        self._parts.append(samples)
        self._laid = at + len(samples) / rate
        if sum(len(p) for p in self._parts) >= MIC_CHUNK * rate:
            self._send()

    def _send(self) -> None:
        if not self._parts:
            return
        pcm = np.concatenate(self._parts)
        self._parts = []
        end = self._start + len(pcm) / self._rate
        self.publish(self.stream, self._start, end, encode_audio(self._start, self._rate, pcm, self.stream))
