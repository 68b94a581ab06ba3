"""`python -m engine.speech_training.eval`: lip-sync metrics of the net, its two peers, Rhubarb
Lip Sync (audio only, and given the transcript where there is one) and HeadAudio (a real-time
audio-to-viseme node for the browser; every group, as it takes any language's audio), and two
baselines (loudness flapping, and pocketsphinx phone recognition) on the same clips in the same
run, per group:

- `en held-out`, `zh held-out`: synthetic voices never trained on, utterances joined in pairs
  across a pause;
- `real read`: held-out real recordings (asterisk prompts, pocketsphinx-testdata's card games
  and LibriVox reader, alsa-utils' speaker-test voice), as they are; each speaker also has a
  row of its own, since four unheard voices can fare very differently;
- `real words`: a fifth real English speaker, KTuberling's (data/ktuberling.py), saying single
  words, six to a clip 0.6 s apart: every word's first and last consonant meets a pause;
- `real casual`: two more speakers talking unscripted (a podcast) and a LibriSpeech reader,
  from the Montreal Forced Aligner's tests (data/mfa.py);
- `real degraded`: the read recordings through what phones, rooms and microphones do to them
  (channel.py: codecs, line noise, reverb, babble, hum, low level, clipping), one condition
  each in turn, with 0.6 s of the condition's noise before and after; never in training;
- `multi-speaker call`: different real speakers one after another with long pauses holding
  only line noise, breaths and clicks, over a mu-law telephone line;
- `real french`: a real speaker of another language, every `every`th of June's Canadian French
  telephone prompts (data/asterisk_abroad.py), aligned through espeak-ng's French phones; Rhubarb
  hears it with its phonetic recogniser, as its documentation advises for languages not English;
- `real zh`: real Mandarin sentences (two AISHELL-1 recordings, F5-TTS's reference voice),
  aligned through espeak-ng and DTW; none has a b/p/m initial, so they measure rest and n/d/k;
- `real zh syllables`: real single syllables of two speakers (gcin-voice), b/p/m-initial and
  d/t/n/g/k-initial, 0.6 s apart: b/p/m closure in Mandarin (data/real_zh.py). Neither
  Mandarin group is ever trained on;
- `our voices`: a spokesperson's sentences said by the English voices that report their phones'
  times (piper, festival, flite: what `speak`, `render --text` and `/say` use), scored on
  pocketsphinx's alignment of their audio, a labeller independent of the voices; the method
  `voice phones` is the mouth those paths now lay from the voice's own timed phones.

`net+text` is `audio:FILE?transcript=`: the transcript forced onto the audio the methods hear by
pocketsphinx, its phones laid over the clip (the net's mouth where that fails). The real groups'
labels come from the same aligner on the clean recordings (and `our voices`' from it on the
same audio), so there it is scored against nearly its own answer; only through the channel
(`real degraded`, the call) does it meet labels it did not make.

Rhubarb's answers are cached (it needs about 2.5 s of a core per second of audio) under the
corpus cache's `rhubarb/`.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import arkit
from ..errors import OptionError
from ..speech import forced_alignment
from ..speech.audio_file import resample_to_16k
from ..speech.coarticulation import FPS, Segment, audio_curves, timed_visemes
from ..speech.features import SAMPLE_RATE
from ..speech.runtime import load as load_net
from ..speech.stream import infer, resample_curves
from . import channel
from .baselines import (
    HEADAUDIO,
    RHUBARB,
    headaudio_available,
    headaudio_curves,
    headaudio_weights,
    loudness_jaw,
    phone_recognition,
    rhubarb_cues,
    rhubarb_curves,
)
from .data import mfa, real_zh
from .data.corpus import cache_dir
from .data.corpus import load as load_corpus
from .metrics import (
    bilabial_closures,
    false_closures,
    jitter,
    macro_f1,
    onset_lags,
    open_vowel_jaw,
    pearson,
    shut_vowels,
    silence_rest,
    stray_tongue,
    viseme_classes,
)
from .targets import join

_JAW = arkit.INDEX["jawOpen"]
GOALS = {
    "rest": ">= 0.95",
    "bilabial": ">= 0.95",
    "ndk_closed": "<= 0.15",
    "vowels_shut": "lower",
    "open_jaw": ">= 0.25",
    "jaw_r": ">= 0.8",
    "viseme_f1": "higher",
    "jitter_ratio": "<= 1.2",
    "stray_tongue": "<= 0.05",
    # ITU-R BT.1359: viewers notice sound ahead of the picture from about 45 ms, the picture
    # ahead of the sound from about 125 ms
    "onset_lag_ms": "-125 to 45",
}


class Tally:
    """Accumulates one method's metrics over clips."""

    def __init__(self):
        self.sums = defaultdict(float)
        self.jaw_pred, self.jaw_true, self.cls_pred, self.cls_true, self.open = [], [], [], [], []
        self.lags: list[float] = []

    def add(self, pred: np.ndarray, target: np.ndarray, segments, duration: float):
        n = min(len(pred), len(target))
        pred, target = pred[:n], target[:n]
        for key, (a, b) in (
            ("bilabial", bilabial_closures(pred, segments)),
            ("rest", silence_rest(pred, segments, duration)),
            ("ndk_closed", false_closures(pred, segments)),
            ("vowels_shut", shut_vowels(pred, segments)),
            ("stray_tongue", stray_tongue(pred, segments)),
        ):
            self.sums[key + "_hit"] += a
            self.sums[key + "_n"] += b
        self.open.append(open_vowel_jaw(pred, segments))
        self.lags += onset_lags(pred, target, segments, duration)
        self.jaw_pred.append(pred[:, _JAW])
        self.jaw_true.append(target[:, _JAW])
        self.cls_pred.append(viseme_classes(pred))
        self.cls_true.append(viseme_classes(target))
        self.sums["jitter"] += jitter(pred) ** 2 * n
        self.sums["jitter_target"] += jitter(target) ** 2 * n

    def result(self) -> dict[str, float]:
        s = self.sums
        return {
            **{
                k: s[k + "_hit"] / s[k + "_n"] if s[k + "_n"] else float("nan")
                for k in ("rest", "bilabial", "ndk_closed", "vowels_shut", "stray_tongue")
            },
            "open_jaw": float(np.mean(np.concatenate(self.open))) if self.open else float("nan"),
            "jaw_r": pearson(np.concatenate(self.jaw_pred), np.concatenate(self.jaw_true)),
            "viseme_f1": macro_f1(np.concatenate(self.cls_true), np.concatenate(self.cls_pred)),
            "jitter_ratio": float(np.sqrt(s["jitter"] / max(s["jitter_target"], 1e-12))),
            "onset_lag_ms": 1000 * float(np.median(self.lags)) if self.lags else float("nan"),
        }


@dataclass
class Clip:
    group: str  # its row in the table
    lang: str
    audio: np.ndarray  # what the methods hear
    segments: list[Segment]
    clean: np.ndarray  # what the targets' jaw follows: the audio before any degradation
    text: str | None = None
    detail: str | None = None  # a second row it also counts in (a real clip's speaker, a degraded one's condition)
    timed: list[Segment] | None = None  # the voice's own timed visemes, for speech we synthesized


def _synthetic(utts, limit: int | None):
    """Held-out synthetic utterances joined in pairs across a 0.6 s pause (as in training), so
    every clip has a pause to rest in; `limit` pairs per voice."""
    by_voice = defaultdict(list)
    for u in utts:
        if not u.lang.endswith("-real"):
            by_voice[u.voice].append(u)
    for items in by_voice.values():
        pairs = list(zip(items[::2], items[1::2]))[:limit]
        for a, b in pairs:
            audio, segments = join((a.audio, a.segments), (b.audio, b.segments), 0.6)
            yield Clip(f"{a.lang} held-out", a.lang, audio, segments, audio)


def _conditions(talkers: list[np.ndarray]):
    """(name, degrade(audio, rng)) for the real-degraded group: phone and VoIP codecs over a
    line's noise, rooms, noise from 0 to 30 dB SNR, low levels and clipping."""

    def phone(name, snr):
        return lambda x, rng: channel.codec(channel.add_noise(x, channel.line_noise(len(x), rng), snr), name)

    return [
        ("mu-law 8 kHz phone", phone("mulaw", 30)),
        ("GSM phone", phone("gsm", 25)),
        ("AMR-NB phone", phone("amr", 30)),
        ("Opus 8 kb/s", lambda x, rng: channel.codec(channel.add_noise(x, channel.pink(len(x), rng), 30), "opus")),
        (
            "reverberant room",
            lambda x, rng: channel.add_noise(
                channel.room(x, rng, rng.uniform(0.4, 0.9)), channel.room_tone(len(x), rng), 25
            ),
        ),
        ("cafe babble 5 dB", lambda x, rng: channel.add_noise(x, channel.babble(len(x), talkers, rng), 5)),
        ("street 0 dB", lambda x, rng: channel.add_noise(x, channel.brown(len(x), rng), 0)),
        (
            "fan and hum 10 dB",
            lambda x, rng: channel.add_noise(x, channel.pink(len(x), rng) + channel.hum(len(x), rng), 10),
        ),
        (
            "quiet -45 dBFS",
            lambda x, rng: channel.add_noise(channel.at_level(x, -45), channel.room_tone(len(x), rng), 30),
        ),
        ("clipped", lambda x, rng: channel.clip(channel.at_level(x, -20), 24)),
    ]


def _real(utts, every: int):
    """The held-out real read recordings: every `every`th asterisk prompt, and all the others."""
    keep = [u for u in utts if u.lang == "en-real" and not u.voice.startswith(("real-words", "real-casual"))]
    asterisk = [u for u in keep if "asterisk" in u.voice][::every]
    return asterisk + [u for u in keep if "asterisk" not in u.voice]


def _words(utts, per_clip: int = 6):
    """The held-out real single words, `per_clip` to a clip across 0.6 s pauses."""
    words = [u for u in utts if u.lang == "en-real" and u.voice.startswith("real-words")]
    for k in range(0, len(words), per_clip):
        audio, segments = words[k].audio, words[k].segments
        for u in words[k + 1 : k + per_clip]:
            audio, segments = join((audio, segments), (u.audio, u.segments), 0.6)
        text = " ".join(u.text or "" for u in words[k : k + per_clip])
        yield Clip("real words", "en-real", audio, segments, audio, text)


def _speaker(voice: str) -> str:
    """A real read clip's own row: its speaker (`real-cards-heldout` -> `  cards`)."""
    return "  " + voice.removeprefix("real-").removesuffix("-heldout")


def _degraded(real, talkers, seed: int = 0, pad: float = 0.6):
    """Each real recording through one of the conditions, in turn, with `pad` seconds before and
    after it that hold only the condition's noise (as a recording's lead-in and tail do)."""
    conditions = [c for c in _conditions(talkers) if "GSM" not in c[0] or channel.codec_available("gsm")]
    silence = np.zeros(int(pad * SAMPLE_RATE), np.float32)
    for k, u in enumerate(real):
        name, degrade = conditions[k % len(conditions)]
        clean = np.concatenate([silence, u.audio, silence])
        audio = degrade(clean, np.random.default_rng([seed, k]))
        segments = [s.shifted(pad) for s in u.segments]
        yield Clip(
            "real degraded", "en-real", np.clip(audio, -1, 1).astype(np.float32), segments, clean, u.text, f"  {name}"
        )


def _call(real, seed: int = 0) -> Clip:
    """A phone call: real recordings of different speakers (LibriVox, the card games, the
    asterisk prompts) taking turns at their own levels, with 1.5-4 s pauses between that hold
    only a breath or a click, over a line's noise and a mu-law telephone codec."""
    rng = np.random.default_rng(seed)
    by_speaker = defaultdict(list)
    for u in real:
        by_speaker[u.voice].append(u)
    turns = [u for group in zip(*by_speaker.values()) for u in group][:12]
    parts, segments, t = [], [], 0.0
    for u in turns:
        gap = np.zeros(int(rng.uniform(1.5, 4.0) * SAMPLE_RATE), np.float32)
        gap += 10 ** (-48 / 20) * channel.breaths(len(gap), rng, every=3.0) * (rng.random() < 0.6)
        gap += 10 ** (-35 / 20) * channel.clicks(len(gap), rng, 0.5)
        t += len(gap) / SAMPLE_RATE
        speech = channel.at_level(u.audio, rng.uniform(-30, -20))
        segments += [s.shifted(t) for s in u.segments]
        parts += [gap, speech]
        t += len(speech) / SAMPLE_RATE
    parts.append(np.zeros(2 * SAMPLE_RATE, np.float32))
    clean = np.concatenate(parts)
    line = channel.at_level(channel.line_noise(len(clean), rng), -55)
    audio = channel.codec(clean + line, "mulaw")
    text = " ".join(u.text for u in turns) if all(u.text for u in turns) else None
    return Clip("multi-speaker call", "en-real", audio, segments, clean, text)


def _mandarin():
    """The real Mandarin sentences and syllable clips, where setup has fetched them."""
    for c in real_zh.sentences():
        yield Clip("real zh", "zh-real", c.audio, c.segments, c.audio, c.text)
    for c in real_zh.syllable_clips():
        yield Clip("real zh syllables", "zh-real", c.audio, c.segments, c.audio, c.text)


#: What a city's spokesperson says: announcements, not the corpus's word salad.
SPOKESPERSON = (
    "Welcome to the city hall open day.",
    "Today we open the new park by the river, and the library on Main Street.",
    "Please remember to bring your ticket, and keep it with you at all times.",
    "The mayor will speak at ten, then the band will play in the main hall.",
    "Bus number nine runs every twenty minutes until midnight.",
    "Thank you for coming, and enjoy the rest of the day.",
    "Good morning, and welcome to the open day of the new town hall.",
    "Our team will be happy to answer your questions about the budget.",
)
OUR_VOICES = ("piper:joe", "festival:slt", "flite:slt")


def _our_voices():
    """SPOKESPERSON said by each installed voice of OUR_VOICES, labelled by pocketsphinx."""
    from ..voices.tts import installed, synthesize_timed
    from .data.real import align

    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return

    for voice in filter(installed, OUR_VOICES):
        for text in SPOKESPERSON:
            speech = synthesize_timed(text, "en", voice)
            audio = resample_to_16k(speech.samples, speech.rate)
            phones = align(audio, text)
            if phones is None:
                continue
            yield Clip("our voices", "en", audio, timed_visemes("arpabet", phones), audio, text, voice, speech.visemes)


def clips(limit: int | None = None, every: int = 6):
    """Every clip of every group, in order."""
    heldout = load_corpus("heldout")
    yield from _synthetic(heldout, limit)
    real = _real(heldout, every)
    yield from (Clip("real read", "en-real", u.audio, u.segments, u.audio, u.text, _speaker(u.voice)) for u in real)
    yield from _words(heldout)
    casual = (u for u in heldout if u.voice.startswith("real-casual"))
    yield from (Clip("real casual", "en-real", u.audio, u.segments, u.audio, u.text) for u in casual)
    french = [u for u in heldout if u.voice.startswith("real-prompts-fr")][::every]
    yield from (Clip("real french", "fr-real", u.audio, u.segments, u.audio, u.text) for u in french)
    yield from _mandarin()
    talkers = [u.audio for u in heldout if u.lang == "en"][:6]
    yield from _degraded(real, talkers)
    yield _call(real)
    yield from _our_voices()


def _net_with_transcript(clip: Clip, net_curves: np.ndarray) -> np.ndarray:
    """What `audio:FILE?transcript=` gives: the clip's transcript forced onto what the methods
    hear (forced_alignment.py) and its phones laid over the whole clip; the net's own curves
    where that fails, as the engine falls back."""
    try:
        return audio_curves(clip.audio, forced_alignment.align(clip.audio, clip.text or ""))
    except OptionError:
        return net_curves


def evaluate(
    limit: int | None = None, weights: Path | None = None, every: int = 6, rhubarb: bool = True
) -> dict[str, dict[str, dict[str, float]]]:
    """{clip group: {method: {metric: value}}}."""
    net = load_net(weights) if weights is not None else load_net()
    try:
        import pocketsphinx  # noqa: F401

        recognise = phone_recognition
    except ImportError:
        recognise = None
    rhubarb = rhubarb and RHUBARB.exists()
    headaudio = headaudio_available()
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for clip in clips(limit, every):
        duration = len(clip.audio) / SAMPLE_RATE
        target = resample_curves(audio_curves(clip.clean, clip.segments), FPS)
        frames = len(clip.audio) // 160
        methods = {"net": infer(clip.audio, net), "loudness": loudness_jaw(clip.audio)}
        if clip.timed:
            methods["voice phones"] = audio_curves(clip.audio, clip.timed)
        english = clip.lang.startswith("en")
        if recognise is not None and english:
            methods["phones"] = recognise(clip.audio)
        if clip.text and english:
            methods["net+text"] = _net_with_transcript(clip, methods["net"])
        if rhubarb and (english or clip.lang == "fr-real"):
            cache = cache_dir() / "rhubarb"
            methods["rhubarb"] = rhubarb_curves(rhubarb_cues(clip.audio, None, cache, english), frames)
            if clip.text and english:
                methods["rhubarb+text"] = rhubarb_curves(rhubarb_cues(clip.audio, clip.text, cache), frames)
        if headaudio:
            methods["HeadAudio"] = headaudio_curves(headaudio_weights(clip.audio), frames)
        for group in filter(None, (clip.group, clip.detail)):
            tallies[group]["(targets)"].add(target, target, clip.segments, duration)
            for name, curves100 in methods.items():
                tallies[group][name].add(resample_curves(curves100, FPS), target, clip.segments, duration)
    return {g: {m: t.result() for m, t in ms.items()} for g, ms in tallies.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, default=None, help="clip pairs per held-out synthetic voice")
    p.add_argument(
        "--every",
        type=int,
        default=6,
        help="take every Nth held-out asterisk prompt, English and French (Rhubarb is slow)",
    )
    p.add_argument("--weights", type=Path, default=None, help="a net other than the shipped one")
    p.add_argument("--no-rhubarb", action="store_true", help="leave Rhubarb out")
    args = p.parse_args()
    if not args.no_rhubarb and not RHUBARB.exists():
        print(f"(Rhubarb left out: {RHUBARB} missing; npm install)")
    if not headaudio_available():
        print(f"(HeadAudio left out: {HEADAUDIO} or node missing; npm install)")
    for line in real_zh.missing():
        print(f"(real Mandarin left out: {line})")
    for line in mfa.missing():
        print(f"(real casual speech left out: {line})")
    results = evaluate(args.limit, args.weights, args.every, not args.no_rhubarb)
    keys = list(GOALS)
    print(f"{'clips':20} {'method':13} " + " ".join(f"{k:>12}" for k in keys))
    print(f"{'goal':20} {'':13} " + " ".join(f"{GOALS[k]:>12}" for k in keys))
    for group, methods in results.items():
        for method, r in methods.items():
            print(f"{group:20} {method:13} " + " ".join(f"{r[k]:12.3f}" for k in keys))
    print(
        "(targets): the coarticulated training targets scored against themselves; nan: no such segments; "
        "ndk_closed: share of n/d/k frames with the lips shut; vowels_shut: share of vowel frames with the lips shut "
        "(a face that stops talking while the voice goes on); stray_tongue: share of frames away from any th "
        "with the tongue out (lower is better for all three); onset_lag_ms: median ms by which the lips part after "
        "the targets' at a phrase's start after a pause (negative: before them, or never shut in the pause)"
    )


if __name__ == "__main__":
    main()
