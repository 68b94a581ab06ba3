"""festival voices: audio plus each segment's end time from `utt.save.segs`, at a chosen rate
and pitch.

Diphone voices take the rate from `Duration_Stretch` and the pitch from their intonation
model's target mean; the HTS voice takes the rate as hts_engine's `-r` speed (festival reads the
engine's own durations back into the segments, so the timings stay exact) and keeps its pitch:
festival's HTS module ignores the `-fm` half-tone shift. Phones come in festival's "radio" set,
which is ARPAbet in lower case with `pau`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from . import spans_from_ends

#: festival's voice names, by the short names the corpus uses.
VOICES = {"kal": "kal_diphone", "ked": "ked_diphone", "slt_hts": "cmu_us_slt_arctic_hts"}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", " ").replace('"', " ") + '"'


def _setup(voice: str, stretch: float, semitones: float) -> str:
    """Scheme that selects `voice` at the given rate and pitch shift."""
    name = VOICES[voice]
    if name.endswith("_hts"):
        params = f"{name}::hts_engine_params"
        return f'(voice_{name})\n(set! {params} (append {params} \'(("-r" {1 / stretch:.3f}))))\n(voice_{name})\n'
    return (
        f"(voice_{name})\n"
        f"(Parameter.set 'Duration_Stretch {stretch:.3f})\n"
        f"(set! int_lr_params (cons (list 'target_f0_mean (* (cadr (assoc 'target_f0_mean int_lr_params))"
        f" {2 ** (semitones / 12):.4f})) int_lr_params))\n"
    )


def installed(voice: str) -> bool:
    return shutil.which("festival") is not None and any(
        Path(root, VOICES[voice]).is_dir() for root in Path("/usr/share/festival/voices").glob("*")
    )


def synth(text: str, voice: str, stretch: float = 1.0, semitones: float = 0.0):
    """(float32 audio, sample rate, [(ARPAbet phone, start s, end s)]); `stretch` > 1 is slower,
    `semitones` shifts a diphone voice's pitch (the HTS voice keeps its own)."""
    if voice not in VOICES:
        raise ValueError(f"festival voice {voice!r} is unknown; known: {sorted(VOICES)}")
    if shutil.which("festival") is None:
        raise RuntimeError("festival is missing; apt-get install festival festvox-kallpc16k ...")
    with tempfile.TemporaryDirectory() as tmp:
        wav, segs, script = Path(tmp, "x.wav"), Path(tmp, "x.segs"), Path(tmp, "x.scm")
        script.write_text(
            _setup(voice, stretch, semitones)
            + f"(set! u (Utterance Text {_quote(text)}))\n(utt.synth u)\n"
            + f'(utt.save.wave u "{wav}" \'riff)\n(utt.save.segs u "{segs}")\n'
        )
        run = subprocess.run(["festival", "-b", str(script)], capture_output=True, text=True, timeout=120)
        if run.returncode != 0 or not segs.exists():
            raise RuntimeError(f"festival {voice}: {(run.stderr or run.stdout).strip()[-300:]}")
        rate, audio = wavfile.read(wav)
        lines = segs.read_text().splitlines()
    rows = (line.split() for line in lines[lines.index("#") + 1 :])
    phones = spans_from_ends((phone, float(end)) for end, _, phone in rows)
    return audio.astype(np.float32) / 32768, rate, phones
