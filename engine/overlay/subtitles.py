"""Subtitle cues, broken into lines the way broadcast captions are, and written as SRT.

Captions stay legible when a cue shows at most two lines, each no wider than the reader can
take in at a glance: English breaks only at spaces; Chinese may break between any two
characters, except that no line starts with closing punctuation (，。！？ ...) or ends with
opening punctuation (「《（ ...). Widths come from a `measure` function, so the overlay can
measure in pixels with the very font it burns in; the default counts half-width units (a
Chinese character is two).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import OptionError
from .fonts import is_wide, language

# Characters that must not start a line (closing) or end one (opening).
CLOSING = set("，。！？、；：」』）》】〉〕］｝”’…—·％,.!?;:)]}%")
OPENING = set("「『（《【〈〔［｛“‘([{")
SENTENCE_END = set("。！？.!?")
CLAUSE_END = set("，、；：,;:")


@dataclass(frozen=True)
class Cue:
    """`text` shown from `start` to `end` seconds; `lang` picks the font and line breaking.
    A "\\n" in `text` is a line break already chosen (see `paginate`)."""

    start: float
    end: float
    text: str
    lang: str = "en"

    def __post_init__(self):
        for name in ("start", "end"):
            value = getattr(self, name)
            try:
                ok = math.isfinite(float(value)) and float(value) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ValueError(f"cue.{name}: expected a finite time >= 0 seconds, got {value!r}")
        if self.end <= self.start:
            raise ValueError(f"cue.end: must be after cue.start ({self.start}), got {self.end}")
        if not isinstance(self.text, str):
            raise ValueError(f"cue.text: expected a string, got {self.text!r}")
        try:
            language(self.lang)
        except ValueError as exc:
            raise OptionError(f"cue.{exc}") from None


def text_units(text: str) -> int:
    """Width in half-width units: a Chinese character or full-width sign counts two."""
    return sum(2 if is_wide(ch) else 1 for ch in text)


def _atoms(text: str, lang: str) -> list[tuple[str, bool]]:
    """Unbreakable pieces, each with whether a space went before it. Chinese makes every
    wide character its own piece; runs of anything else (words, numbers) stay whole."""
    atoms: list[tuple[str, bool]] = []
    word, space = "", False
    for ch in text:
        if ch.isspace():
            if word:
                atoms.append((word, space))
            word, space = "", bool(atoms)
        elif lang == "zh" and is_wide(ch):
            if word:
                atoms.append((word, space))
                space = False
            atoms.append((ch, space))
            word, space = "", False
        else:
            word += ch
    if word:
        atoms.append((word, space))
    return atoms


def _can_break(atoms, k: int, lang: str) -> bool:
    """May a line end before atoms[k]?"""
    (before, _), (after, space) = atoms[k - 1], atoms[k]
    if after[0] in CLOSING or before[-1] in OPENING:
        return False
    return space or (lang == "zh" and (is_wide(before[-1]) or is_wide(after[0])))


def _join(atoms, start: int, end: int) -> str:
    return "".join(
        (" " if space and k > start else "") + atom for k, (atom, space) in enumerate(atoms[start:end], start)
    )


def _pause(atom: str) -> float:
    """How good a place to end a line or page is right after `atom`: sentence end, clause end."""
    return 1.0 if atom[-1] in SENTENCE_END else 0.5 if atom[-1] in CLAUSE_END else 0.0


def wrap(text: str, lang: str, max_units: float, measure: Callable[[str], float] = text_units) -> list[list[str]]:
    """`text` as subtitle pages of at most two lines, each line no wider than `max_units` (a
    word wider than that stands alone). As few pages as fit the text, as evenly filled as
    can be, ending at punctuation where that costs little; each page's two lines as even as
    possible, the bottom one the longer on a tie. Existing line breaks count as spaces.

    Pieces are measured one by one and added up (no kerning across a break point), so
    `measure` runs once per word or character, not once per candidate line."""
    language(lang)
    atoms = _atoms(text, lang)
    n = len(atoms)
    if n == 0:
        return []
    space = measure(" ")
    # x[k]: where atom k ends when atoms start at 0; a line a..b is x[b] - x[a] - gap[a].
    x, gap = [0.0], []
    for atom, spaced in atoms:
        gap.append(space if spaced else 0.0)
        x.append(x[-1] + gap[-1] + measure(atom))
    gap.append(0.0)
    breaks = [k for k in range(1, n) if _can_break(atoms, k, lang)] + [n]

    def width(a, b):
        return x[b] - x[a] - gap[a]

    def fits(a, b):
        """A line a..b: narrow enough, or one piece that cannot be broken anyway."""
        return width(a, b) <= max_units or b == breaks[bisect_right(breaks, a)]

    def line_cut(a, b):
        """Where page a..b splits into its two lines; None: one line; False: it cannot."""
        if fits(a, b):
            return None
        inner = breaks[bisect_right(breaks, a) : bisect_left(breaks, b)]
        cuts = [k for k in inner if fits(a, k) and fits(k, b)]
        if not cuts:
            return False

        def cost(k):
            top, bottom = width(a, k), width(k, b)
            return max(top, bottom) - 0.2 * max_units * _pause(atoms[k - 1][0]), top > bottom

        return min(cuts, key=cost)

    # Fewest pages first, then even filling and pauses at page ends: a shortest path over
    # break points (every break can be reached: one unbreakable piece is always a page).
    best: dict[int, tuple[float, int]] = {0: (0.0, -1)}
    for b in breaks:
        options = []
        for a in sorted((k for k in best if k < b), reverse=True):
            if line_cut(a, b) is False:
                if width(a, b) > 2 * max_units:
                    break
                continue
            slack = max(0.0, 1.0 - width(a, b) / (2 * max_units))
            # Page count dominates; an even fill gives short pages time to be read.
            pause = _pause(atoms[b - 1][0]) if b < n else 0.0
            options.append((best[a][0] + 10.0 + 2.0 * slack * slack - 0.5 * pause, a))
        best[b] = min(options)
    pages, b = [], n
    while b > 0:
        a = best[b][1]
        cut = line_cut(a, b)
        pages.append([_join(atoms, a, b)] if cut is None else [_join(atoms, a, cut), _join(atoms, cut, b)])
        b = a
    return pages[::-1]


def paginate(cue: Cue, max_units: float, measure: Callable[[str], float] = text_units) -> list[Cue]:
    """`cue` wrapped (lines joined by "\\n"); one that needs more than a page becomes
    consecutive cues, sharing its time in proportion to their text."""
    pages = ["\n".join(lines) for lines in wrap(cue.text, cue.lang, max_units, measure)]
    weights = [max(1, text_units(p)) for p in pages]
    total, done, out = sum(weights), 0, []
    for page, weight in zip(pages, weights):
        start = cue.start + (cue.end - cue.start) * done / total
        done += weight
        end = cue.start + (cue.end - cue.start) * done / total
        out.append(Cue(start, end, page, cue.lang))
    return out


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(cues: Iterable[Cue], path: str | Path) -> Path:
    """SubRip file of `cues` (UTF-8, numbered from 1), lines as in each cue's text. Give it
    `Overlay.cues` for the lines and timings exactly as burned in, or `paginate`d cues."""
    blocks = []
    shown = [c for c in sorted(cues, key=lambda c: c.start) if c.text.strip()]
    for number, cue in enumerate(shown, 1):
        # A blank line would end the block early.
        text = "\n".join(line.strip() for line in cue.text.splitlines() if line.strip())
        blocks.append(f"{number}\n{_timestamp(cue.start)} --> {_timestamp(cue.end)}\n{text}\n")
    path = Path(path)
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path
