"""`python -m engine.speech_training.calibrate [--weights PATH]`: the tongue's output recalibrated
on the training corpus and folded into the net's last layer (Platt scaling of one channel).

Only th puts the tongue out, and the class loss in training (train.py) pays the tongue to come
out on th frames while a tongue a little out elsewhere costs it almost nothing, so the trained
net holds tongueOut at 0.10-0.20 on every frame against targets of 0.00-0.03: a tongue resting on
the lower lip through all speech. Leaving the tongue out of that loss fixed it, but that retrain
sealed fewer p/b/m through phone codecs (README), so the trained net is kept and its tongue
logit z is mapped to a * z + c instead, with a and c fitted by least squares to the targets.
Training runs this as its last step; this command applies it to weights trained before.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from scipy.optimize import minimize

from .. import arkit
from ..speech.coarticulation import audio_curves
from ..speech.features import RunningSpectrum, features, net_input
from ..speech.model import SpeechNet, to_onnx
from ..speech.model import load as load_trained
from ..speech.runtime import DELAY, WEIGHTS
from ..speech.stream import SILENCE_LOGMEL
from ..speech.visemes import DRIVEN
from .data.corpus import load as load_corpus

_TONGUE = list(DRIVEN).index(arkit.INDEX["tongueOut"])
_EVERY = 5  # the fit reads every fifth training utterance: about a thousand, plenty for two numbers


def _logits_and_targets(net: SpeechNet, utts) -> tuple[np.ndarray, np.ndarray]:
    """The tongue's pre-sigmoid output and its target on every frame of `utts`."""
    logits, targets = [], []
    with torch.inference_mode():
        for u in utts:
            logmel = np.concatenate([features(u.audio)[0], np.repeat(SILENCE_LOGMEL[None], DELAY, axis=0)])
            x = torch.from_numpy(net_input(logmel, RunningSpectrum()))[None]
            z = net.out(net.encode(x)[0])[0, DELAY:, _TONGUE].numpy()
            t = audio_curves(u.audio, u.segments)[:, arkit.INDEX["tongueOut"]]
            n = min(len(z), len(t))
            logits.append(z[:n])
            targets.append(t[:n])
    return np.concatenate(logits).astype(np.float64), np.concatenate(targets).astype(np.float64)


def fit_tongue(net: SpeechNet, utts) -> tuple[float, float]:
    """(a, c) minimising the mean squared error of sigmoid(a * z + c) against the targets."""
    z, t = _logits_and_targets(net, utts)

    def error(q: np.ndarray) -> float:
        return float(np.mean((1.0 / (1.0 + np.exp(-(q[0] * z + q[1]))) - t) ** 2))

    found = minimize(error, np.array([1.0, 0.0]), method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-9})
    return float(found.x[0]), float(found.x[1])


def calibrate(net: SpeechNet, corpus: Path | None = None) -> tuple[float, float]:
    """Fits the tongue on the training corpus and folds a, c into `net.out` in place."""
    a, c = fit_tongue(net, load_corpus("train", corpus)[::_EVERY])
    with torch.no_grad():
        net.out.weight[_TONGUE] *= a
        net.out.bias[_TONGUE] = a * net.out.bias[_TONGUE] + c
    return a, c


def save(net: SpeechNet, out: Path, record: dict) -> None:
    """The weights, their ONNX export that the engine runs, and the record of how they were made."""
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), out)
    out.with_suffix(".onnx").write_bytes(to_onnx(net))
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="trained weights, recalibrated in place")
    args = p.parse_args()
    torch.set_num_threads(1)
    record_path = args.weights.with_suffix(".json")
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    if "tongue_calibration" in record:
        raise SystemExit(f"{args.weights}: already calibrated ({record['tongue_calibration']})")
    net = load_trained(args.weights)  # in eval mode
    a, c = calibrate(net)
    save(net, args.weights, {**record, "tongue_calibration": [round(a, 6), round(c, 6)]})
    print(f"{args.weights}: tongue logit z -> {a:.4f} z + {c:+.4f}")


if __name__ == "__main__":
    main()
