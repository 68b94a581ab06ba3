"""`python -m engine.speech_training.train`: train the speech net on the cached corpus.

Seeded and deterministic on CPU. Every epoch draws fresh augmentations and pairings of the
training voices; the held-out voices are never seen. The tongue's output is recalibrated last
(calibrate.py). The shipped net is one run of the defaults (24 epochs, seed 0, two threads); a
finishing stage on from existing weights (`--init`, at a lower `--lr`) is for experiments, and
its record holds its start's (README). Writes the weights (a plain state_dict, well under 5 MB),
their ONNX export that the engine runs, and a small JSON record of how they were made.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from pathlib import Path

import numpy as np
import torch

from .. import arkit
from ..speech.coarticulation import audio_curves, frame_visemes
from ..speech.features import RunningSpectrum, features, net_input
from ..speech.model import SpeechNet
from ..speech.model import load as load_weights
from ..speech.runtime import DELAY, WEIGHTS
from ..speech.stream import SILENCE_LOGMEL
from ..speech.visemes import DRIVEN, VISEMES, pose_matrix
from .augment import augment, mask_bands
from .calibrate import calibrate, save
from .data.corpus import load as load_corpus
from .metrics import CLOSED, viseme_classes
from .targets import join

_SMOOTHNESS = 20.0
# Viseme sharpness: cross-entropy of the eval's nearest-pose classifier, made soft (distances
# to the poses over a temperature), against the target curves' own class, so the curves commit
# to a pose instead of averaging their neighbours; weighted towards the rarer classes.
_CLASS_LOSS, _CLASS_TAU = 0.08, 0.02
_KEEP = [k for k, c in enumerate(DRIVEN) if c != arkit.INDEX["mouthClose"]]
_POSES_T = torch.from_numpy(pose_matrix()[:, list(DRIVEN)][:, _KEEP])
# An auxiliary head, used only in training, reads the phone's viseme off the GRU's features.
_AUX_LOSS = 0.02
# Sealed lips: where the target's lips are shut (aperture <= 0.1), the prediction's aperture
# pays a hinge above _SEAL_MARGIN, so p/b/m close instead of nearly closing.
_SEAL_LOSS, _SEAL_MARGIN = 10.0, 0.06
_PEAK_LR = 3e-3  # from scratch; a finishing stage runs lower
# Parted lips: the seal alone taught the net to shut its lips on n, d and k too (an unheard
# voice's nasal sounds much like its m); where the target is parted (aperture >= _UNSEAL_OPEN),
# the prediction pays a hinge below _UNSEAL_FLOOR.
_UNSEAL_LOSS, _UNSEAL_OPEN, _UNSEAL_FLOOR = 3.0, 0.18, 0.14
_IGNORE = -100
# Jitter: the sharper curves flicker; each batch's RMS second difference of the mouth channels
# pays a hinge above _JITTER_RATIO times the targets' (the eval's jitter ratio).
_JITTER_LOSS, _JITTER_RATIO = 0.5, 0.8
_MOUTH = [k for k, c in enumerate(DRIVEN) if c in set(arkit.MOUTH)]
# Real recordings are nearest to what users speak: each comes this many times an epoch, augmented
# apart. Twice, while they were 20 minutes of the corpus; with the asterisk prompts abroad (72
# minutes) twice shut fewer n/d/k but sealed fewer p/b/m than once (README).
_REAL_REPEATS = 1
# Spread: a regression net hedges towards the mean where it is unsure, so rounded vowels come
# out half-rounded and open vowels half-open; each channel's spread over the batch pays a hinge
# where it falls short of the targets' spread.
_SPREAD_LOSS = 0.05
_CHANNEL_WEIGHT = np.ones(len(DRIVEN), np.float32)
for _name, _w in (("jawOpen", 3.0), ("mouthClose", 3.0), ("mouthPucker", 2.0), ("mouthRollLower", 2.0)):
    _CHANNEL_WEIGHT[list(DRIVEN).index(arkit.INDEX[_name])] = _w


def _aperture_t(y: torch.Tensor) -> torch.Tensor:
    """The eval's aperture on (B, T, driven) tensors (torch twin of visemes.aperture)."""
    d = {arkit.NAMES[c]: y[..., k] for k, c in enumerate(DRIVEN)}
    return (
        torch.relu(d["jawOpen"] - d["mouthClose"])
        + 0.5 * torch.maximum(d["mouthLowerDownLeft"], d["mouthLowerDownRight"])
        + 0.5 * torch.maximum(d["mouthUpperUpLeft"], d["mouthUpperUpRight"])
        + 0.3 * d["mouthFunnel"]
    )


def _spread_shortfall(pred: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over channels of how far each channel's standard deviation over the batch's frames
    falls short of the targets', relative to the targets'."""
    m = mask[..., None]
    n = m.sum()

    def std(x):
        mean = (x * m).sum((0, 1)) / n
        return (((x - mean) ** 2 * m).sum((0, 1)) / n + 1e-8).sqrt()

    want = std(y)
    return (torch.relu(want - std(pred)) / (want + 1e-3)).mean()


def _examples(utts, rng: random.Random, nprng: np.random.Generator):
    """One epoch's (net input with DELAY silent frames appended, target) pairs."""
    order = list(range(len(utts)))
    rng.shuffle(order)
    out, k = [], 0
    while k < len(order):
        u = utts[order[k]]
        clip = (u.audio, u.segments)
        if rng.random() < 0.4 and k + 1 < len(order):
            v = utts[order[k + 1]]
            clip = join(clip, (v.audio, v.segments), rng.uniform(0.15, 0.9))
            k += 1
        k += 1
        full = audio_curves(*clip)
        target = full[:, list(DRIVEN)]
        classes = viseme_classes(full)
        phones = frame_visemes(clip[1], len(full) / 100.0, fps=100.0)[: len(full)]
        logmel = mask_bands(features(augment(clip[0], nprng))[0][: len(target)], nprng)
        logmel = np.concatenate([logmel, np.repeat(SILENCE_LOGMEL[None], DELAY, axis=0)])
        n = len(logmel) - DELAY
        out.append((net_input(logmel, RunningSpectrum()), target[:n], classes[:n], phones[:n]))
    return out


def _batches(examples, size: int, rng: random.Random):
    examples = sorted(examples, key=lambda e: len(e[1]))
    groups = [examples[i : i + size] for i in range(0, len(examples), size)]
    rng.shuffle(groups)
    for group in groups:
        t = max(len(e[1]) for e in group)
        x = np.zeros((len(group), t + DELAY, group[0][0].shape[1]), np.float32)  # after each clip's end: unread
        y = np.zeros((len(group), t, len(DRIVEN)), np.float32)
        mask = np.zeros((len(group), t), np.float32)
        cls = np.full((len(group), t), _IGNORE, np.int64)
        phones = np.full((len(group), t), _IGNORE, np.int64)
        for i, (lm, tgt, c, ph) in enumerate(group):
            x[i, : len(lm)] = lm
            y[i, : len(tgt)] = tgt
            mask[i, : len(tgt)] = 1
            cls[i, : len(tgt)] = c
            phones[i, : len(tgt)] = ph
        yield (
            torch.from_numpy(x),
            torch.from_numpy(y),
            torch.from_numpy(mask),
            torch.from_numpy(cls),
            torch.from_numpy(phones),
        )


def _class_weights(examples) -> torch.Tensor:
    """Inverse square-root frequency of the target classes, mean 1 over the classes seen."""
    counts = np.bincount(np.concatenate([e[2] for e in examples]), minlength=len(VISEMES)).astype(np.float64)
    w = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1.0)), 0.0)
    w = np.clip(w / w[counts > 0].mean(), 0.2, 5.0) * (counts > 0)
    return torch.from_numpy(w.astype(np.float32))


def train(
    epochs: int,
    seed: int,
    threads: int,
    batch: int = 16,
    lr: float = _PEAK_LR,
    hidden: int = 128,
    out: Path = WEIGHTS,
    corpus: Path | None = None,
    init: Path | None = None,
    seal: float = _SEAL_LOSS,
    aux_loss: float = _AUX_LOSS,
    real_repeats: int = _REAL_REPEATS,
) -> dict:
    """Train for `epochs` from scratch, or on from the weights `init` (a finishing stage at a
    lower `lr`; it keeps their width and input normalisation);
    write the weights to `out` and return the record of how they were made."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    rng, nprng = random.Random(seed), np.random.default_rng(seed)
    utts = load_corpus("train", corpus)
    net = load_weights(init).train() if init is not None else SpeechNet(hidden=hidden)
    hidden = net.gru.hidden_size
    aux = torch.nn.Linear(hidden, len(VISEMES))  # training only: not saved
    if init is None:
        stats = np.concatenate([net_input(features(u.audio)[0], RunningSpectrum()) for u in utts[::4]])
        net.mean.copy_(torch.from_numpy(stats.mean(0)))
        net.std.copy_(torch.from_numpy(stats.std(0) + 1e-3))
    voices = {v: sum(u.voice == v for u in utts) for v in sorted({u.voice for u in utts})}
    utts += [u for u in utts if u.lang.endswith("-real")] * (real_repeats - 1)
    opt = torch.optim.AdamW(list(net.parameters()) + list(aux.parameters()), lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(utts) * 0.8) // batch + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=int(steps) + 10, pct_start=0.1)
    cw = torch.from_numpy(_CHANNEL_WEIGHT)
    start = time.time()
    class_weight = None
    for epoch in range(epochs):
        totals, count = np.zeros(6), 0
        examples = _examples(utts, rng, nprng)
        if class_weight is None:
            class_weight = _class_weights(examples)
        for x, y, mask, cls, phones in _batches(examples, batch, rng):
            feats = net.encode(x)[0][:, DELAY:]
            pred = torch.sigmoid(net.out(feats))
            m = mask[..., None]
            ap_pred, ap_true = _aperture_t(pred), _aperture_t(y)
            terms = [
                ((pred - y) ** 2 * cw * m).sum() / (m.sum() * len(DRIVEN)),
                ((ap_pred - ap_true).abs() * mask).sum() / mask.sum(),
            ]
            # motion like the targets': no more frame-to-frame jitter, no less crispness
            curvature = (pred.diff(n=2, dim=1) - y.diff(n=2, dim=1)) ** 2 * m[:, 2:]
            terms.append(_SMOOTHNESS * curvature.sum() / (m[:, 2:].sum() * len(DRIVEN)))
            distance = ((pred[..., _KEEP, None] - _POSES_T.T) ** 2).sum(-2)  # (B, T, visemes)
            terms.append(
                _CLASS_LOSS
                * torch.nn.functional.cross_entropy(
                    (-distance / _CLASS_TAU).flatten(0, 1), cls.flatten(), weight=class_weight, ignore_index=_IGNORE
                )
                + aux_loss
                * torch.nn.functional.cross_entropy(aux(feats).flatten(0, 1), phones.flatten(), ignore_index=_IGNORE)
            )
            m2 = m[:, 2:].expand(-1, -1, len(_MOUTH))
            j_pred = ((pred[..., _MOUTH].diff(n=2, dim=1) ** 2 * m2).sum() / m2.sum()).sqrt()
            j_true = ((y[..., _MOUTH].diff(n=2, dim=1) ** 2 * m2).sum() / m2.sum()).sqrt()
            terms[2] = terms[2] + _JITTER_LOSS * torch.relu(j_pred / (j_true + 1e-6) - _JITTER_RATIO)
            sealed = (ap_true <= CLOSED).float() * mask
            parted = (ap_true >= _UNSEAL_OPEN).float() * mask
            terms.append(
                seal * (torch.relu(ap_pred - _SEAL_MARGIN) * sealed).sum() / mask.sum()
                + _UNSEAL_LOSS * (torch.relu(_UNSEAL_FLOOR - ap_pred) * parted).sum() / mask.sum()
            )
            terms.append(_SPREAD_LOSS * _spread_shortfall(pred, y, mask))
            loss = sum(terms)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            totals, count = totals + [t.item() for t in terms], count + 1
        parts = " ".join(
            f"{k} {v / count:.4f}" for k, v in zip(("mse", "aperture", "jitter", "class", "seal", "spread"), totals)
        )
        print(
            f"epoch {epoch + 1}/{epochs}: loss {totals.sum() / count:.4f} ({parts}; {time.time() - start:.0f} s)",
            flush=True,
        )
    net.eval()
    tongue = calibrate(net, corpus)  # the tongue held out on every frame otherwise (calibrate.py)
    record = {
        "epochs": epochs,
        "seed": seed,
        "threads": threads,
        "hidden": hidden,
        "utterances": sum(voices.values()),
        "voices": voices,
        "real_repeats": real_repeats,
        "lr": lr,
        "seal_loss": seal,
        "aux_loss": aux_loss,
        "seconds": round(time.time() - start),
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}, CPU",
        "torch": torch.__version__,
        "tongue_calibration": [round(tongue[0], 6), round(tongue[1], 6)],
    }
    if init is not None:
        made = Path(init).with_suffix(".json")
        record["continued_from"] = json.loads(made.read_text()) if made.exists() else str(init)
    save(net, Path(out), record)  # with the ONNX export, what the engine runs (speech/runtime.py)
    return record


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=24)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch threads (the weights depend on it)")
    p.add_argument("--hidden", type=int, default=128, help="GRU width (from scratch; --init keeps its own)")
    p.add_argument("--out", type=Path, default=WEIGHTS, help="where the weights go (and their .json beside)")
    p.add_argument("--init", type=Path, default=None, help="train on from these weights instead of from scratch")
    p.add_argument("--lr", type=float, default=_PEAK_LR, help="peak learning rate")
    p.add_argument("--seal", type=float, default=_SEAL_LOSS, help="weight of the sealed-lips hinge")
    p.add_argument("--aux", type=float, default=_AUX_LOSS, help="weight of the training-only phone head's loss")
    p.add_argument("--real-repeats", type=int, default=_REAL_REPEATS, help="real recordings' turns an epoch")
    args = p.parse_args()
    print(
        train(
            args.epochs,
            args.seed,
            args.threads,
            lr=args.lr,
            hidden=args.hidden,
            out=args.out,
            init=args.init,
            seal=args.seal,
            aux_loss=args.aux,
            real_repeats=args.real_repeats,
        )
    )


if __name__ == "__main__":
    main()
