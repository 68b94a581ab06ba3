"""The script format: Markdown paragraphs of speech under a TOML front matter, with inline cues.

```
+++
title = "Welcome to Riverton"      # title card (title_seconds long)
name = "Mia"                       # lower third
role = "Riverton City Communications"
language = "en"                    # sentences in Chinese characters are zh by themselves
background = ["#0b2a4a", "#1d5c8f"]
logo = "logo.png"
+++

[smile] Hello, and welcome to Riverton! [pause 0.6s] We are *very* glad you came.

[zh] [look left] 大家好，欢迎来到河湾市。
```

A paragraph is a block of lines; headings (`#`) and `<!-- comments -->` are not spoken.
Cues: `[pause 0.5s]` (or `500ms`); an expression from engine/expressions.py (`[smile]`,
`[serious]`, `[surprised 0.6]` ...) or `[look left|right|up|down|camera]`, each lasting the
sentence that follows it; `[en]`, `[zh]` and `[voice flite:slt]` set the paragraph's language and
voice; `*word*` is emphasis. Every mistake is reported with its line, all at once, before
anything is synthesized or rendered.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image as PILImage

from ..errors import EngineError
from ..expressions import EXPRESSIONS
from ..renderer.background import parse_color
from ..renderer.framing import FRAMINGS
from ..renderer.options import parse_size
from ..voices.sentences import CLAUSE_END, SENTENCE_END, spans

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LANGUAGES = ("en", "zh")
LOOKS = ("left", "right", "up", "down", "camera")
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
CUE_EXPRESSIONS = tuple(name for name, weights in EXPRESSIONS.items() if weights)
MAX_PAUSE = 10.0
#: Silence after an utterance, by what ends it (explicit pauses add to it).
GAPS = {"clause": 0.12, "sentence": 0.3, "paragraph": 0.65}
#: A sentence longer than this (characters) is split at its commas into subtitle-sized utterances.
LONG_SENTENCE = {"en": 84, "zh": 26}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class ScriptError(EngineError, ValueError):
    """Every problem found in a script, each as `path:line: message`."""

    def __init__(self, path, problems: list[tuple[int, str]]):
        self.path, self.problems = Path(path), sorted(set(problems))
        super().__init__("\n".join(f"{path}:{line}: {message}" for line, message in self.problems))


@dataclass
class Settings:
    title: str = ""
    subtitle: str = ""
    title_seconds: float = 3.0  # the title card, when there is a title
    name: str = ""
    role: str = ""
    avatar: Path | None = None  # None: the mascot
    language: str = "en"
    voices: dict[str, str | None] = field(default_factory=lambda: {"en": None, "zh": None})
    persona: str | None = None  # "female" or "male": each language's default voice is that person's
    pronounce: dict[str, str] = field(default_factory=dict)  # word -> what the voice is given instead
    rate: float = 1.0
    size: tuple[int, int] = (1920, 1080)
    fps: float = 30.0
    framing: str = "bust"
    background: object = ("#0b2a4a", "#2a6aa3")  # a colour, a (top, bottom) gradient, or an image Path
    logo: Path | None = None
    logo_corner: str = "top-right"
    accent: tuple[int, int, int] = (0, 94, 184)
    text_color: tuple[int, int, int] = (255, 255, 255)
    subtitles: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Utterance:
    """A stretch of speech synthesized in one go and shown as one subtitle."""

    text: str
    lang: str
    voice: str | None  # None: the language's voice from the settings
    line: int
    sentence: int  # index of its sentence in the whole script (cues last one sentence)
    gap_after: float  # seconds of silence before the next utterance
    emphasis: tuple[tuple[int, int], ...] = ()  # character spans of emphasised words in `text`


@dataclass(frozen=True)
class Cue:
    """An expression or a look that lasts sentence `sentence`."""

    kind: str  # "expression" | "look"
    value: str
    intensity: float
    sentence: int
    line: int


@dataclass
class Script:
    path: Path
    settings: Settings
    utterances: list[Utterance]
    cues: list[Cue]
    lead: float = 0.0  # silence before the first utterance (a pause cue at the very start)


def load(path: str | Path) -> Script:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(path, [(0, f"cannot read the script: {exc}")]) from None
    return parse(text, path)


def parse(text: str, path: str | Path = "<script>") -> Script:
    """The script in `text`; ScriptError lists every problem with its line."""
    path = Path(path)
    problems: list[tuple[int, str]] = []
    lines = text.replace("\r\n", "\n").split("\n")
    body_start, settings = _front_matter(lines, path, problems)
    paragraphs = _paragraphs(lines, body_start, problems)
    builder = _Builder(settings, problems)
    for para in paragraphs:
        builder.paragraph(para)
    builder.finish()
    if not builder.utterances and not problems:
        problems.append((body_start + 1, "the script has nothing to say"))
    if problems:
        raise ScriptError(path, problems)
    return Script(path, settings, builder.utterances, builder.cues, builder.lead)


# -- front matter ------------------------------------------------------------------------------


def _front_matter(lines: list[str], path: Path, problems) -> tuple[int, Settings]:
    settings = Settings()
    if not lines or lines[0].strip() != "+++":
        if lines and lines[0].strip() == "---":
            problems.append((1, "the front matter must be TOML between +++ lines, not YAML between ---"))
        return 0, settings
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        problems.append((1, "the front matter opened with +++ is never closed"))
        return len(lines), settings
    block = "\n".join(lines[1:end])
    try:
        data = tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        problems.append((int(m.group(1)) + 1 if m else 1, f"front matter: {exc}"))
        return end + 1, settings

    def line_of(key: str) -> int:
        for i in range(1, end):
            if re.match(rf"\s*(\[)?{re.escape(key)}\b", lines[i]):
                return i + 1
        return 1

    base = path.parent
    for key, value in data.items():
        try:
            _setting(settings, key, value, base)
        except ValueError as exc:
            problems.append((line_of(key), str(exc)))
    if isinstance(data.get("voice"), str):
        settings.voices = {**settings.voices, settings.language: data["voice"]}
    from ..voices.tts import default_voice, resolve_voice

    for lang, voice in settings.voices.items():
        try:
            if voice is None and settings.persona is not None:
                settings.voices[lang] = default_voice(lang, settings.persona)
            resolve_voice(settings.voices[lang], lang)
        except ValueError as exc:
            problems.append(
                (line_of("voice" if "voice" in data else "voices" if "voices" in data else "persona"), str(exc))
            )
    return end + 1, settings


def _setting(s: Settings, key: str, value, base: Path) -> None:
    def text() -> str:
        if not isinstance(value, str):
            raise ValueError(f"{key}: expected a string, got {value!r}")
        return value

    def number(low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{key}: expected a number from {low:g} to {high:g}, got {value!r}")
        return float(value)

    def existing(name: str) -> Path:
        p = Path(name) if Path(name).is_absolute() else base / name
        if not Path(name).is_absolute() and not p.resolve().is_relative_to(base.resolve()):
            raise ValueError(f"{key}: {name!r} climbs out of the script's folder; give it an absolute path")
        if not p.is_file():
            raise ValueError(f"{key}: no such file {p}")
        return p

    def image(name: str) -> Path:
        p = existing(name)
        try:
            with PILImage.open(p) as im:
                im.verify()
        except Exception as exc:  # Pillow raises many kinds for a file that is no image
            raise ValueError(f"{key}: {p} is not an image Pillow can read ({type(exc).__name__})") from None
        return p

    def rgb(name: str) -> tuple[int, int, int]:
        try:
            r, g, b = parse_color(name)
            return round(r * 255), round(g * 255), round(b * 255)
        except ValueError:
            raise ValueError(f"{key}: expected #RRGGBB, got {name!r}") from None

    if key in ("title", "subtitle", "name", "role"):
        setattr(s, key, text().strip())
    elif key == "title_seconds":
        s.title_seconds = number(0, 15)
    elif key == "avatar":
        s.avatar = None if text() == "mascot" else existing(value)
    elif key == "language":
        if value not in LANGUAGES:
            raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, got {value!r}")
        s.language = value
    elif key == "voice":
        text()  # given to `language` once the whole front matter is read
    elif key == "persona":
        from ..voices.tts import PERSONAS

        if text() not in PERSONAS:
            raise ValueError(f"persona: expected one of {', '.join(PERSONAS)}, got {value!r}")
        s.persona = value
    elif key == "voices":
        if not isinstance(value, dict) or set(value) - set(LANGUAGES):
            raise ValueError(f"voices: expected a table of {' and '.join(LANGUAGES)} voices, got {value!r}")
        s.voices = {**s.voices, **{k: str(v) for k, v in value.items()}}
    elif key == "pronounce":
        if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
            example = 'Riverton = "RIV-er-tun"'
            raise ValueError(f"pronounce: expected a table of words and respellings, e.g. {example}, got {value!r}")
        if any(not k.strip() for k in value):
            raise ValueError("pronounce: a word to respell is empty")
        s.pronounce = {k.strip(): v.strip() for k, v in value.items()}
    elif key == "rate":
        s.rate = number(0.5, 2.0)
    elif key == "size":
        w, h = parse_size(text())
        if w % 2 or h % 2:
            raise ValueError(f"size: video needs even sides, got {value!r}")
        s.size = (w, h)
    elif key == "fps":
        s.fps = number(1, 120)
    elif key == "framing":
        if value not in FRAMINGS:
            raise ValueError(f"framing: expected one of {', '.join(FRAMINGS)}, got {value!r}")
        s.framing = value
    elif key == "background":
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            rgb(value[0]), rgb(value[1])
            s.background = tuple(value)
        elif isinstance(value, str) and re.fullmatch(r"#?[0-9a-fA-F]{6}", value.strip()):
            s.background = value
        elif isinstance(value, str):
            s.background = image(value)
        else:
            raise ValueError(f"background: expected #RRGGBB, [top, bottom] colours or an image, got {value!r}")
    elif key == "logo":
        s.logo = image(text())
    elif key == "logo_corner":
        if value not in CORNERS:
            raise ValueError(f"logo_corner: expected one of {', '.join(CORNERS)}, got {value!r}")
        s.logo_corner = value
    elif key in ("accent", "text_color"):
        setattr(s, key, rgb(text()))
    elif key == "subtitles":
        if not isinstance(value, bool):
            raise ValueError(f"subtitles: expected true or false, got {value!r}")
        s.subtitles = value
    elif key == "seed":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"seed: expected a whole number >= 0, got {value!r}")
        s.seed = value
    else:
        known = [f.name for f in Settings.__dataclass_fields__.values()] + ["voice"]
        raise ValueError(f"unknown setting {key!r}{_did_you_mean(key, known)}")


# -- body --------------------------------------------------------------------------------------


@dataclass
class _Paragraph:
    chars: list[tuple[str, int]]  # (character, source line) with lines joined by spaces


def _paragraphs(lines: list[str], start: int, problems) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    current: list[tuple[str, int]] = []
    in_comment: int | None = None
    for number, raw in enumerate(lines[start:], start + 1):
        line = raw
        if in_comment is not None:
            if "-->" not in line:
                continue
            line, in_comment = line.split("-->", 1)[1], None
        while "<!--" in line:
            before, after = line.split("<!--", 1)
            if "-->" in after:
                line = before + after.split("-->", 1)[1]
            else:
                line, in_comment = before, number
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if current:
                paragraphs.append(_Paragraph(current))
                current = []
            continue
        if current:
            current.append((" ", number))
        current += [(c, number) for c in stripped]
    if current:
        paragraphs.append(_Paragraph(current))
    if in_comment is not None:
        problems.append((in_comment, "a <!-- comment is never closed"))
    return paragraphs


class _Builder:
    """Walks paragraphs into utterances and sentence-long cues."""

    def __init__(self, settings: Settings, problems):
        self.settings, self.problems = settings, problems
        self.utterances: list[Utterance] = []
        self.cues: list[Cue] = []
        self.lead = 0.0
        self.sentence = 0
        self._pending: list[tuple[str, str, float, int]] = []  # cues waiting for their sentence

    def paragraph(self, para: _Paragraph) -> None:
        text, lines, marks, emphasis, lang, voice = self._scan(para)
        if not text.strip():
            return
        for start, end in spans(text, SENTENCE_END[lang or "any"]):
            said = lang or ("zh" if CJK.search(text[start:end]) else self.settings.language)
            if voice is not None:
                self._check_voice(voice, said, lines[start])
            for cstart, cend, last in self._clauses(text, start, end, said):
                cuts = [m[0] for m in marks if m[1] == "pause" and cstart < m[0] < cend]
                bounds = [cstart, *cuts, cend]
                for k in range(len(bounds) - 1):
                    ends = "sentence" if last and k == len(bounds) - 2 else "clause"
                    self._utterance(text, lines, marks, emphasis, bounds[k], bounds[k + 1], said, voice, ends)
            self.sentence += 1
        self._flush_marks(marks, len(text))
        if self.utterances:
            self._bump_gap(GAPS["paragraph"] - GAPS["sentence"])

    def finish(self) -> None:
        for kind, value, _, line in self._pending:
            self.problems.append((line, f"[{kind if kind == 'look' else value}] has no sentence after it"))

    # scanning ---------------------------------------------------------------------------------

    def _scan(self, para: _Paragraph):
        """Clean text, its per-character lines, cue marks (offset, kind, line, value, amount),
        emphasis spans, and the paragraph's language and voice."""
        out, lines, marks, emphasis = [], [], [], []
        lang = voice = None
        chars = para.chars
        i, open_star = 0, None
        while i < len(chars):
            c, line = chars[i]
            if c == "\\" and i + 1 < len(chars) and chars[i + 1][0] in "[]*\\":
                out.append(chars[i + 1][0])
                lines.append(line)
                i += 2
                continue
            if c == "[":
                close = next((j for j in range(i + 1, len(chars)) if chars[j][0] in "[]"), None)
                if close is None or chars[close][0] == "[":
                    self.problems.append((line, "a [ is never closed with ]"))
                    i += 1
                    continue
                body = "".join(ch for ch, _ in chars[i + 1 : close]).strip()
                parsed = self._cue(body, line)
                if parsed is not None:
                    kind, value, amount = parsed
                    if kind == "lang":
                        lang = value
                    elif kind == "voice":
                        voice = value
                    else:
                        marks.append((len(out), kind, line, value, amount))
                i = close + 1
                continue
            if c == "]":
                self.problems.append((line, "a ] without its ["))
            elif c == "*":
                if open_star is None:
                    open_star = len(out)
                else:
                    if len(out) > open_star:
                        emphasis.append((open_star, len(out)))
                    open_star = None
                while i + 1 < len(chars) and chars[i + 1][0] == "*":  # **strong** reads as *emphasis*
                    i += 1
            elif c in " \t":
                if not out or out[-1] != " ":  # runs of blanks (a cue taken out between two) read as one
                    out.append(" ")
                    lines.append(line)
            else:
                out.append(c)
                lines.append(line)
            i += 1
        if open_star is not None:
            self.problems.append((chars[0][1], "an *emphasis is never closed with *"))
        return "".join(out), lines, marks, emphasis, lang, voice

    def _cue(self, body: str, line: int):
        words = body.split()
        if not words:
            self.problems.append((line, "an empty cue []"))
            return None
        head, args = words[0].lower(), words[1:]
        if head in LANGUAGES and not args:
            return "lang", head, 0.0
        if head == "voice":
            if len(args) != 1:
                self.problems.append((line, f"[{body}]: expected [voice NAME], e.g. [voice flite:slt]"))
                return None
            return "voice", args[0], 0.0
        if head == "pause":
            if len(args) > 1:
                self.problems.append((line, f"[{body}]: expected [pause] or [pause SECONDS]"))
                return None
            seconds = _duration(args[0]) if args else 0.5
            if seconds is None or not 0 < seconds <= MAX_PAUSE:
                self.problems.append(
                    (line, f"[{body}]: a pause takes a duration from 0 to {MAX_PAUSE:g} s, like 0.5s or 500ms")
                )
                return None
            return "pause", "pause", seconds
        if head == "look":
            if len(args) != 1 or args[0].lower() not in LOOKS:
                self.problems.append((line, f"[{body}]: expected [look {'|'.join(LOOKS)}]"))
                return None
            return "look", args[0].lower(), 1.0
        if head in CUE_EXPRESSIONS:
            intensity = 1.0
            if args:
                try:
                    intensity = float(args[0])
                except ValueError:
                    intensity = -1.0
                if len(args) > 1 or not 0 < intensity <= 1:
                    self.problems.append(
                        (line, f"[{body}]: an expression takes an intensity in (0, 1], like [{head} 0.6]")
                    )
                    return None
            return "expression", head, intensity
        known = CUE_EXPRESSIONS + ("pause", "look", "voice") + LANGUAGES
        self.problems.append((line, f"unknown cue [{body}]{_did_you_mean(head, known)}"))
        return None

    def _check_voice(self, voice: str, lang: str, line: int) -> None:
        from ..voices.tts import resolve_voice

        try:
            resolve_voice(voice, lang)
        except ValueError as exc:
            self.problems.append((line, str(exc)))

    # building ---------------------------------------------------------------------------------

    def _clauses(self, text: str, start: int, end: int, lang: str):
        """(start, end, is_last) of subtitle-sized pieces of the sentence text[start:end], also
        split wherever a pause cue falls."""
        pieces = [(start, end)]
        if end - start > LONG_SENTENCE[lang]:
            pieces = _merge_short(
                [(start + a, start + b) for a, b in spans(text[start:end], CLAUSE_END[lang])], LONG_SENTENCE[lang]
            )
        return [(a, b, k == len(pieces) - 1) for k, (a, b) in enumerate(pieces)]

    def _flush_marks(self, marks: list, upto: int) -> None:
        """Handles the cue marks at or before offset `upto`: a pause lengthens the gap there,
        expressions and looks wait for the next utterance, and so last its sentence."""
        while marks and marks[0][0] <= upto:
            offset, kind, line, value, amount = marks.pop(0)
            if kind == "pause":
                if self.utterances:
                    self._bump_gap(amount)
                else:
                    self.lead += amount
            else:
                self._pending.append((kind, value, amount, line))

    def _utterance(self, text, lines, marks, emphasis, start, end, lang, voice, ends: str) -> None:
        piece = text[start:end]
        lstrip = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if not piece:
            return
        a = start + lstrip
        self._flush_marks(marks, a)
        if not re.search(r"\w", piece):
            self.problems.append((lines[a], f"{piece!r} has nothing to say"))
            return
        for kind, value, amount, _line in self._pending:
            self.cues.append(Cue(kind, value, amount, self.sentence, _line))
        self._pending = []
        spans = tuple((max(s, a) - a, min(e, a + len(piece)) - a) for s, e in emphasis if s < a + len(piece) and e > a)
        self.utterances.append(Utterance(piece, lang, voice, lines[a], self.sentence, GAPS[ends], spans))

    def _bump_gap(self, seconds: float) -> None:
        last = self.utterances[-1]
        self.utterances[-1] = Utterance(
            last.text,
            last.lang,
            last.voice,
            last.line,
            last.sentence,
            round(last.gap_after + seconds, 6),
            last.emphasis,
        )


def _merge_short(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Neighbouring clauses joined while they fit in `limit` characters."""
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and b - merged[-1][0] <= limit:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _duration(text: str) -> float | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?", text.lower())
    if not m:
        return None
    value = float(m.group(1))
    return value / 1000.0 if m.group(2) == "ms" else value


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; expected one of {', '.join(known)}"


def unsayable_words(script: Script) -> list[str]:
    """One line per utterance with words its voice cannot say, after the [pronounce] table."""
    from .pronounce import respell, unsayable

    lines = []
    for u in script.utterances:
        if words := unsayable(respell(u.text, script.settings.pronounce), u.lang):
            listed = ", ".join(repr(w) for w in words)
            lines.append(f"{script.path}:{u.line}: the {u.lang} voice cannot say {listed}; respell them in [pronounce]")
    return lines


def mixed_voices(script: Script) -> str | None:
    """A warning when the script speaks with voices of different sexes (one presenter should
    not change voice mid-video), else None."""
    from ..voices.tts import GENDERS, resolve_voice

    used = {resolve_voice(u.voice or script.settings.voices.get(u.lang), u.lang) for u in script.utterances}
    genders = {GENDERS.get(v) for v in used} - {None}
    if len(genders) < 2:
        return None
    listed = ", ".join(f"{v} ({GENDERS.get(v)})" for v in sorted(used))
    return f'{script.path}: the voices change sex mid-video: {listed}; give persona = "female" or "male"'
