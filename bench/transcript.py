"""What a transcript costs: forcing it onto real speech (forced_alignment.py) and laying its
phones (follow_phones), against the speech net over the same audio, in one run.

    python run.py bench transcript [--seconds 120]

The audio is the held-out asterisk prompts that align one by one, joined with 0.5 s pauses up
to the length asked, and their transcripts joined alike. Figures: seconds of audio per second
of wall time (best of 3) for the net alone (one thread, as it ships), for the alignment, and
for laying the phones; and the alignment's ratio to the net. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _speech(seconds: float) -> tuple[np.ndarray, str]:
    from engine.errors import OptionError
    from engine.speech.forced_alignment import align
    from engine.speech_training.data.real import load_recording, recordings

    pieces, texts, total = [], [], 0
    for _, _, wav, text in recordings():
        if total >= seconds * 16000:
            break
        audio = load_recording(wav)
        try:
            align(audio, text)
        except OptionError:  # a prompt that does not align alone is left out
            continue
        pieces += [audio, np.zeros(8000, np.float32)]
        texts.append(text)
        total += len(audio) + 8000
    return np.concatenate(pieces), " ".join(texts)


def _best(run, repeats: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=120.0, help="seconds of speech to align")
    args = p.parse_args(argv)

    from engine.drivers.audio.source import TimedSpeech, follow_phones, speech_curves
    from engine.speech.forced_alignment import align
    from engine.speech.runtime import load
    from engine.speech.stream import chunks

    audio, text = _speech(args.seconds)
    seconds = len(audio) / 16000
    net = load()
    net_s, (curves, _) = _best(lambda: speech_curves(chunks(audio), net))
    align_s, visemes = _best(lambda: align(audio, text))
    lay_s, _ = _best(lambda: follow_phones(curves, audio, [TimedSpeech(visemes)]))
    print(f"{seconds:.1f} s of real speech, {len(text.split())} words, {len(visemes)} phones")
    print(f"{'step':28} {'wall s':>8} {'x real time':>12}")
    for name, s in (("speech net (the baseline)", net_s), ("forced alignment", align_s), ("laying the phones", lay_s)):
        print(f"{name:28} {s:8.2f} {seconds / s:12.1f}")
    print(f"alignment costs {align_s / net_s:.1f}x the net over the same audio")


if __name__ == "__main__":
    main()
