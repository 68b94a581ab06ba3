"""flite voices: audio plus each phone's end time from `-psdur`, at a chosen rate and pitch."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from . import spans_from_ends


def synth(text: str, voice: str, stretch: float = 1.0, f0: float | None = None):
    """(float32 audio, sample rate, [(ARPAbet phone, start s, end s)])."""
    if shutil.which("flite") is None:
        raise RuntimeError("flite is missing; apt-get install flite")
    args = ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.3f}", "-psdur"]
    if f0 is not None:
        args += ["--setf", f"int_f0_target_mean={f0:.1f}"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.wav"
        run = subprocess.run(args + ["-t", text, "-o", str(out)], capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            raise RuntimeError(f"flite {voice}: {run.stderr.strip()}")
        rate, audio = wavfile.read(out)
    items = (item.rpartition(":") for item in run.stdout.split())  # "phone:end" each
    phones = spans_from_ends((phone, float(end)) for phone, _, end in items)
    return audio.astype(np.float32) / 32768, rate, phones
