"""Which installed font draws a language, so burned-in text never comes out as tofu boxes.

PIL does no font fallback: a face without CJK glyphs draws every Chinese character as the
same empty box. So each language names the families that cover it, best first, and a
language with none of them installed is an error that says which package to install.
Fontconfig (`fc-list`) lists the installed faces; where it is absent the usual font folders
are scanned instead.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont


@dataclass(frozen=True)
class Language:
    name: str
    families: tuple[str, ...]  # best first
    package: str  # the Debian package that provides the first family


LANGUAGES = {
    "en": Language("English", ("Noto Sans", "DejaVu Sans", "Liberation Sans"), "fonts-dejavu-core"),
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
        raise ValueError(f"lang: expected one of {', '.join(LANGUAGES)}, got {lang!r}") from None


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
    raise ValueError(
        f"lang {lang!r}: no {info.name} font installed (looked for {', '.join(info.families)}); "
        f"install one, e.g. `apt-get install {info.package}`"
    )


@cache
def load_font(lang: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """`find_font`'s face at `size` pixels (em height), ready for ImageDraw."""
    face = find_font(lang, bold)
    return ImageFont.truetype(str(face.path), int(size), index=face.index)


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
