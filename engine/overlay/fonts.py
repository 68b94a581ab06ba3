"""Which installed font draws a language, so burned-in text never comes out as tofu boxes.

PIL does no font fallback: a face without CJK glyphs draws every Chinese character as the
same empty box. So each language names the families that cover it, best first, and a
language with none of them installed is an error that says which package to install.
Fontconfig (`fc-list`) lists the installed faces; where it is absent the usual font folders
are scanned instead.

One family per writing system: `TextFont` draws every run of Chinese characters in the
Chinese family and every other run in the English (Latin) one, whatever the text's language,
so "Riverton" looks the same in a Chinese title as in an English subtitle. The two lists are
ordered so that the families match (Noto Sans beside Noto Sans CJK).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

from ..errors import OptionError


@dataclass(frozen=True)
class Language:
    name: str
    families: tuple[str, ...]  # best first
    package: str  # the Debian package that provides the first family


LANGUAGES = {
    "en": Language("English", ("Noto Sans", "DejaVu Sans", "Liberation Sans"), "fonts-noto-core"),
    # SC: Simplified Chinese glyph shapes (the same code points look different in TC/JP/KR).
    "zh": Language(
        "Chinese",
        ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei"),
        "fonts-noto-cjk",
    ),
}

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
REGULAR_STYLES = ("Regular", "Book", "Normal")


@dataclass(frozen=True)
class Face:
    """One face of a font file; `index` picks it inside a collection (.ttc)."""

    path: Path
    index: int
    family: str
    style: str


def language(lang: str) -> Language:
    try:
        return LANGUAGES[lang]
    except KeyError:
        raise OptionError(f"lang: expected one of {', '.join(LANGUAGES)}, got {lang!r}") from None


@cache
def find_font(lang: str, bold: bool = False) -> Face:
    """The best installed face for `lang` (bold if asked and the family has one)."""
    info = language(lang)
    faces = installed_faces()
    for family in info.families:
        candidates = [f for f in faces if f.family == family]
        for styles in (("Bold",), REGULAR_STYLES) if bold else (REGULAR_STYLES,):
            matches = sorted((f for f in candidates if f.style in styles), key=_order)
            if matches:
                return matches[0]
    raise OptionError(
        f"lang {lang!r}: no {info.name} font installed (looked for {', '.join(info.families)}); "
        f"install one, e.g. `apt-get install {info.package}`"
    )


@cache
def load_font(lang: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """`find_font`'s face at `size` pixels (em height), ready for ImageDraw."""
    face = find_font(lang, bold)
    return ImageFont.truetype(str(face.path), int(size), index=face.index)


def is_wide(ch: str) -> bool:
    """A Chinese character or full-width sign (two columns wide, drawn by the Chinese font)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


@dataclass(frozen=True)
class TextFont:
    """Text of language `lang` at `size` pixels: Chinese runs in the Chinese family, the rest
    (Latin letters, digits, spaces) in the Latin one. Lines sit on the baseline of `lang`'s own
    font, so a mixed line is placed as that font would place it."""

    lang: str
    size: int
    bold: bool = False

    def runs(self, text: str) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        """`text` cut where its writing system changes, each piece with the font that draws it."""
        pieces: list[tuple[str, ImageFont.FreeTypeFont]] = []
        start = 0
        for end in range(1, len(text) + 1):
            if end == len(text) or is_wide(text[end]) != is_wide(text[start]):
                lang = "zh" if is_wide(text[start]) else "en"
                pieces.append((text[start:end], load_font(lang, self.size, self.bold)))
                start = end
        return pieces

    def getlength(self, text: str) -> float:
        return sum(font.getlength(piece) for piece, font in self.runs(text))

    def draw(self, pen: ImageDraw.ImageDraw, xy, text: str, fill, anchor: str = "ls") -> None:
        """Draws `text` at `xy` like `ImageDraw.text`; `anchor` is l/m/r across, then m
        (between ascender and descender of `lang`'s font) or s (baseline) up and down."""
        if anchor[0] not in "lmr" or anchor[1] not in "ms":
            raise ValueError(f"anchor: expected l, m or r then m or s, got {anchor!r}")
        x, y = xy
        x -= {"l": 0.0, "m": 0.5, "r": 1.0}[anchor[0]] * self.getlength(text)
        if anchor[1] == "m":
            ascent, descent = load_font(self.lang, self.size, self.bold).getmetrics()
            y += (ascent - descent) / 2
        for piece, font in self.runs(text):
            pen.text((x, y), piece, font=font, fill=fill, anchor="ls")
            x += font.getlength(piece)


@cache
def text_font(lang: str, size: int, bold: bool = False) -> TextFont:
    """A `TextFont`, its language's font found first (a missing one is an error here)."""
    load_font(lang, size, bold)
    return TextFont(lang, int(size), bold)


@lru_cache(maxsize=1)
def installed_faces() -> tuple[Face, ...]:
    """Every installed face, named as fontconfig names it (first family and style name)."""
    if shutil.which("fc-list"):
        out = subprocess.run(
            ["fc-list", "-f", "%{file}\t%{index}\t%{family}\t%{style}\n"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        faces = []
        for line in out.splitlines():
            parts = line.split("\t")
            # Variable fonts list each named instance as index + (instance << 16): skip those.
            if len(parts) == 4 and parts[1].isdigit() and int(parts[1]) < 1 << 16:
                path, index, family, style = parts
                faces.append(Face(Path(path), int(index), family.split(",")[0], style.split(",")[0]))
        return tuple(faces)
    return tuple(_scan())


def _order(face: Face):
    return str(face.path), face.index


def _scan():
    """Faces in the usual font folders, named by FreeType (no fontconfig needed)."""
    for folder in FONT_DIRS:
        for root, _, files in os.walk(os.path.expanduser(folder)):
            for name in sorted(files):
                path = Path(root) / name
                if path.suffix.lower() not in (".ttf", ".otf", ".ttc"):
                    continue
                for index in range(_face_count(path)):
                    try:
                        family, style = ImageFont.truetype(str(path), 10, index=index).getname()
                    except OSError:
                        continue
                    yield Face(path, index, family, style)


def _face_count(path: Path) -> int:
    """Faces in a file: a collection's header says how many, any other font file has one."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        return 0
    if head[:4] == b"ttcf" and len(head) == 12:
        return struct.unpack(">I", head[8:12])[0]
    return 1
