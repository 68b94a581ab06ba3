"""Where text may be cut between calls to a voice: after a sentence's end, or after a clause's
comma, in English and Chinese punctuation. Scripts cut long sentences there into
subtitle-sized utterances; the stage cuts `/say`'s text there so its first words are heard
while the rest is still being synthesized."""

from __future__ import annotations

import re

SENTENCE_END = {
    "en": re.compile(r"(?<=[.!?])[\"')\]]*\s+"),
    "zh": re.compile(r"(?<=[。！？!?])\s*"),
    "any": re.compile(r"(?<=[.!?])[\"')\]]*\s+|(?<=[。！？])\s*"),
}
CLAUSE_END = {"en": re.compile(r"(?<=[,;:])\s+"), "zh": re.compile(r"(?<=[，；：,;])\s*")}


def spans(text: str, boundary: re.Pattern) -> list[tuple[int, int]]:
    """(start, end) of the pieces of `text` between matches of `boundary`."""
    out, start = [], 0
    for m in boundary.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out
