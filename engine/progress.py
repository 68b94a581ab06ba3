"""Progress of a long job on stderr: a live bar (tqdm) in a terminal, and plain periodic lines
where stderr is a file or a pipe, so logs get no carriage-return spam."""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

#: Seconds between the plain lines written where stderr is not a terminal.
PLAIN_EVERY = 10.0


def _clock(seconds: float) -> str:
    """`7 s`, `3:05`, `2:46:40`: a duration as people read it."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """`update(n)` as work is done, `close()` at the end (also before printing an error, so it
    starts on a line of its own). `total` may be raised once the job knows better; `note` is a
    word on the job's state shown after the figures (a batch's workers alive)."""

    def __init__(self, total: int, label: str, unit: str = "frame", stream=None):
        self.stream = stream or sys.stderr
        self.label, self.unit = label, unit
        self.done, self._total = 0, max(int(total), 1)
        self._start = self._shown = time.perf_counter()
        self._shown_done = 0
        self._note = ""
        isatty = getattr(self.stream, "isatty", None)
        self._bar = (
            tqdm(total=self._total, desc=label, unit=unit, file=self.stream, dynamic_ncols=True, leave=True)
            if isatty and isatty()
            else None
        )

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = max(int(value), 1)
        if self._bar is not None:
            self._bar.total = self._total
            self._bar.refresh()

    @property
    def note(self) -> str:
        return self._note

    @note.setter
    def note(self, text: str) -> None:
        if text != self._note and self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)
        self._note = text

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif time.perf_counter() - self._shown >= PLAIN_EVERY:
            self._line()

    def _line(self) -> None:
        now = time.perf_counter()
        self._shown, self._shown_done = now, self.done
        rate = self.done / max(now - self._start, 1e-9)
        left = (self._total - self.done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"{self.label}: {self.done}/{self._total} {self.unit}s "
            f"({100 * self.done / self._total:.0f}%), {rate:.1f} {self.unit}s/s, "
            f"{_clock(left)} left{', ' + self._note if self._note else ''}\n"
        )
        self.stream.flush()

    def close(self) -> None:
        """Ends the bar's line (or writes the last plain line); safe to call twice."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.done and self._shown_done != self.done:
            self._line()
