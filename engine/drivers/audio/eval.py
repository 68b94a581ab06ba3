"""`python -m engine.drivers.audio.eval`: lip-sync metrics of the net and both baselines (loudness,
and pocketsphinx phone recognition where that package is installed) on the held-out voices and
the held-out real recordings, per language, on the same clips in the same run."""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np

from ... import arkit
from .baselines import loudness_jaw, phone_recognition
from .coarticulation import FPS
from .data.corpus import load as load_corpus
from .metrics import bilabial_closures, jitter, macro_f1, open_vowel_jaw, pearson, silence_rest, viseme_classes
from .model import load as load_net
from .stream import infer, resample_curves
from .targets import join, target_curves

_JAW = arkit.INDEX["jawOpen"]
GOALS = {"bilabial": ">= 0.95", "rest": ">= 0.95", "open_jaw": ">= 0.25", "jaw_r": ">= 0.8",
         "viseme_f1": "higher", "jitter_ratio": "<= 1.2"}


class Tally:
    """Accumulates one method's metrics over clips."""

    def __init__(self):
        self.sums = defaultdict(float)
        self.jaw_pred, self.jaw_true, self.cls_pred, self.cls_true, self.open = [], [], [], [], []

    def add(self, pred: np.ndarray, target: np.ndarray, segments, duration: float):
        n = min(len(pred), len(target))
        pred, target = pred[:n], target[:n]
        for key, (a, b) in (("bilabial", bilabial_closures(pred, segments)),
                            ("rest", silence_rest(pred, segments, duration))):
            self.sums[key + "_hit"] += a
            self.sums[key + "_n"] += b
        self.open.append(open_vowel_jaw(pred, segments))
        self.jaw_pred.append(pred[:, _JAW])
        self.jaw_true.append(target[:, _JAW])
        self.cls_pred.append(viseme_classes(pred))
        self.cls_true.append(viseme_classes(target))
        self.sums["jitter"] += jitter(pred) ** 2 * n
        self.sums["jitter_target"] += jitter(target) ** 2 * n

    def result(self) -> dict[str, float]:
        s = self.sums
        return {
            "bilabial": s["bilabial_hit"] / s["bilabial_n"] if s["bilabial_n"] else float("nan"),
            "rest": s["rest_hit"] / s["rest_n"] if s["rest_n"] else float("nan"),
            "open_jaw": float(np.mean(np.concatenate(self.open))) if self.open else float("nan"),
            "jaw_r": pearson(np.concatenate(self.jaw_pred), np.concatenate(self.jaw_true)),
            "viseme_f1": macro_f1(np.concatenate(self.cls_true), np.concatenate(self.cls_pred)),
            "jitter_ratio": float(np.sqrt(s["jitter"] / max(s["jitter_target"], 1e-12))),
        }


def _clips(utts):
    """(voice, lang, audio, segments): synthetic utterances joined in pairs across a 0.6 s pause
    (as in training), so every clip has a pause to rest in; real recordings as they are."""
    by_voice = defaultdict(list)
    for u in utts:
        by_voice[u.voice].append(u)
    for voice, items in by_voice.items():
        if items[0].lang == "en-real":
            yield from ((voice, u.lang, u.audio, u.segments) for u in items)
            continue
        for a, b in zip(items[::2], items[1::2]):
            yield (voice, a.lang, *join((a.audio, a.segments), (b.audio, b.segments), 0.6))


def evaluate(limit: int | None = None, weights: Path | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{clip set: {method: {metric: value}}} over the held-out voices."""
    net = load_net(weights) if weights is not None else load_net()
    try:
        import pocketsphinx  # noqa: F401

        recognise = phone_recognition
    except ImportError:
        recognise = None
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    per_voice = defaultdict(int)
    for voice, lang, audio, segments in _clips(load_corpus("heldout")):
        if limit is not None and per_voice[voice] >= limit:
            continue
        per_voice[voice] += 1
        duration = len(audio) / 16000
        target = resample_curves(target_curves(audio, segments), FPS)
        methods = {"net": infer(audio, net), "loudness": loudness_jaw(audio)}
        if recognise is not None and lang.startswith("en"):
            methods["phones"] = recognise(audio)
        for group in (f"{lang} held-out", voice):
            tallies[group]["(targets)"].add(target, target, segments, duration)
            for name, curves100 in methods.items():
                tallies[group][name].add(resample_curves(curves100, FPS), target, segments, duration)
    return {g: {m: t.result() for m, t in ms.items()} for g, ms in tallies.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--limit", type=int, default=None, help="clips per held-out voice")
    p.add_argument("--weights", type=Path, default=None, help="a net other than the shipped one")
    args = p.parse_args()
    results = evaluate(args.limit, args.weights)
    keys = list(GOALS)
    print(f"{'clips':28} {'method':10} " + " ".join(f"{k:>12}" for k in keys))
    print(f"{'goal':28} {'':10} " + " ".join(f"{GOALS[k]:>12}" for k in keys))
    for group in sorted(results, key=lambda g: ("held-out" not in g, g)):
        for method, r in results[group].items():
            print(f"{group:28} {method:10} " + " ".join(f"{r[k]:12.3f}" for k in keys))
    print("(targets) are the coarticulated training targets scored against themselves; nan: no such segments")


if __name__ == "__main__":
    main()
