"""Voices: text to speech with the engines that can be had offline (tts.py picks one per
language and persona; mandarin.py runs the neural Mandarin voice; flite.py and festival.py
also give each phone's timing, which the speech corpus trains on; text.py reads Chinese as
pinyin)."""


def spans_from_ends(ends) -> list[tuple[str, float, float]]:
    """[(phone, start s, end s)] from (phone, end s) pairs, for engines that print only where each
    phone ends: each starts where the one before ended, the first at 0."""
    spans, start = [], 0.0
    for phone, end in ends:
        spans.append((phone, start, end))
        start = end
    return spans
