"""`python -m engine.drivers.audio.train`: train the speech net on the cached synthetic corpus.

Seeded and deterministic on CPU. Every epoch draws fresh augmentations and pairings of the
training voices; the held-out voices are never seen. Writes the weights (a plain state_dict,
well under 5 MB) and a small JSON record of how they were made.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time

import numpy as np
import torch

from ... import arkit
from .augment import augment
from .data.corpus import load as load_corpus
from .features import features
from .model import DELAY, WEIGHTS, SpeechNet
from .stream import SILENCE_LOGMEL
from .targets import join, target_curves
from .visemes import DRIVEN

_SMOOTHNESS = 20.0
_CHANNEL_WEIGHT = np.ones(len(DRIVEN), np.float32)
for _name, _w in (("jawOpen", 3.0), ("mouthClose", 3.0), ("mouthPucker", 2.0), ("mouthRollLower", 2.0)):
    _CHANNEL_WEIGHT[list(DRIVEN).index(arkit.INDEX[_name])] = _w


def _aperture_t(y: torch.Tensor) -> torch.Tensor:
    """The eval's aperture on (B, T, driven) tensors (torch twin of visemes.aperture)."""
    d = {arkit.NAMES[c]: y[..., k] for k, c in enumerate(DRIVEN)}
    return (torch.relu(d["jawOpen"] - d["mouthClose"])
            + 0.5 * torch.maximum(d["mouthLowerDownLeft"], d["mouthLowerDownRight"])
            + 0.5 * torch.maximum(d["mouthUpperUpLeft"], d["mouthUpperUpRight"]) + 0.3 * d["mouthFunnel"])


def _examples(utts, rng: random.Random, nprng: np.random.Generator):
    """One epoch's (log-mel with DELAY silent frames appended, target) pairs."""
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
        target = target_curves(*clip)[:, list(DRIVEN)]
        logmel = features(augment(clip[0], nprng))[0][: len(target)]
        logmel = np.concatenate([logmel, np.repeat(SILENCE_LOGMEL[None], DELAY, axis=0)])
        out.append((logmel, target[: len(logmel) - DELAY]))
    return out


def _batches(examples, size: int, rng: random.Random):
    examples = sorted(examples, key=lambda e: len(e[1]))
    groups = [examples[i:i + size] for i in range(0, len(examples), size)]
    rng.shuffle(groups)
    for group in groups:
        t = max(len(tgt) for _, tgt in group)
        x = np.repeat(SILENCE_LOGMEL[None, None], len(group), 0).repeat(t + DELAY, 1)
        y = np.zeros((len(group), t, len(DRIVEN)), np.float32)
        mask = np.zeros((len(group), t), np.float32)
        for i, (lm, tgt) in enumerate(group):
            x[i, : len(lm)] = lm
            y[i, : len(tgt)] = tgt
            mask[i, : len(tgt)] = 1
        yield torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(mask)


def train(epochs: int, seed: int, threads: int, batch: int = 16, lr: float = 3e-3) -> dict:
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    rng, nprng = random.Random(seed), np.random.default_rng(seed)
    utts = load_corpus("train")
    net = SpeechNet()
    stats = np.concatenate([features(u.audio)[0] for u in utts[::4]])
    net.mean.copy_(torch.from_numpy(stats.mean(0)))
    net.std.copy_(torch.from_numpy(stats.std(0) + 1e-3))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(utts) * 0.8) // batch + 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=int(steps) + 10, pct_start=0.1)
    cw = torch.from_numpy(_CHANNEL_WEIGHT)
    start = time.time()
    for epoch in range(epochs):
        total, count = 0.0, 0
        for x, y, mask in _batches(_examples(utts, rng, nprng), batch, rng):
            pred = net(x)[0][:, DELAY:]
            m = mask[..., None]
            loss = ((pred - y) ** 2 * cw * m).sum() / (m.sum() * len(DRIVEN))
            loss = loss + ((_aperture_t(pred) - _aperture_t(y)).abs() * mask).sum() / mask.sum()
            # motion like the targets': no more frame-to-frame jitter, no less crispness
            curvature = (pred.diff(n=2, dim=1) - y.diff(n=2, dim=1)) ** 2 * m[:, 2:]
            loss = loss + _SMOOTHNESS * curvature.sum() / (m[:, 2:].sum() * len(DRIVEN))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            total, count = total + loss.item(), count + 1
        print(f"epoch {epoch + 1}/{epochs}: loss {total / count:.4f} ({time.time() - start:.0f} s)", flush=True)
    WEIGHTS.parent.mkdir(exist_ok=True)
    torch.save(net.state_dict(), WEIGHTS)
    record = {"epochs": epochs, "seed": seed, "threads": threads, "utterances": len(utts),
              "seconds": round(time.time() - start), "machine": f"{platform.node()} {platform.processor() or platform.machine()}, CPU",
              "torch": torch.__version__}
    WEIGHTS.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    print(train(args.epochs, args.seed, args.threads))


if __name__ == "__main__":
    main()
