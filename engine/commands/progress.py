"""A one-line progress bar on stderr for long renders (redrawn at most ten times a second)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, stream=None, width: int = 30):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self._start = time.perf_counter()
        self._shown = 0.0
        self._drawn = -1

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._shown >= 0.1 or self.done >= self.total:
            self._shown = now
            self._draw(now - self._start)

    def _draw(self, elapsed: float) -> None:
        self._drawn = self.done
        share = min(self.done / self.total, 1.0)
        bar = "#" * round(share * self.width)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"\r{self.label} [{bar:<{self.width}}] {self.done}/{self.total} "
            f"{rate:5.1f} fps, {eta:4.0f} s left"
        )
        self.stream.flush()

    def close(self) -> None:
        if self._drawn != self.done:
            self._draw(time.perf_counter() - self._start)
        self.stream.write("\n")
        self.stream.flush()
