"""Avatar-independent lip-sync metrics on ARKit curves at 60 fps (the issue's definitions)."""

from __future__ import annotations

import numpy as np

from .. import arkit
from ..speech.coarticulation import FPS, Segment
from ..speech.visemes import DRIVEN, VISEME_INDEX, aperture, pose_matrix

CLOSED = 0.1
_JAW = arkit.INDEX["jawOpen"]


def bilabial_closures(curves: np.ndarray, segments: list[Segment], fps: float = FPS) -> tuple[int, int]:
    """(closed, total) p/b/m segments of 30 ms or more whose minimum aperture, over the
    segment +-1 frame, is closed."""
    ap = aperture(curves)
    closed = total = 0
    for s in segments:
        if s.viseme != "PP" or s.end - s.start < 0.03:
            continue
        a = max(0, int(np.floor(s.start * fps)) - 1)
        b = min(len(ap), int(np.ceil(s.end * fps)) + 2)
        if a >= b:
            continue
        total += 1
        closed += bool(ap[a:b].min() <= CLOSED)
    return closed, total


ALVEOLAR_VELAR = frozenset({"DD", "nn", "kk"})  # t d, n l, k g ng: the tongue closes, the lips stay apart


def _shut_frames(curves: np.ndarray, segments: list[Segment], visemes: frozenset[str], fps: float) -> tuple[int, int]:
    """(closed, total) frames inside segments of `visemes` of 30 ms or more, a frame in from
    each end (so a neighbouring p/b/m's closure is not counted against them), whose lips are shut."""
    ap = aperture(curves)
    closed = total = 0
    for s in segments:
        if s.viseme not in visemes or s.end - s.start < 0.03:
            continue
        a, b = int(np.ceil(s.start * fps)) + 1, min(len(ap), int(np.floor(s.end * fps)) - 1)
        if b > a:
            closed += int((ap[a:b] <= CLOSED).sum())
            total += b - a
    return closed, total


def false_closures(curves: np.ndarray, segments: list[Segment], fps: float = FPS) -> tuple[int, int]:
    """(closed, total) n/d/k frames with the lips shut: a mouth that seals on "no" or "dog"
    reads as "mo" and "bog"."""
    return _shut_frames(curves, segments, ALVEOLAR_VELAR, fps)


VOWELS = frozenset({"aa", "E", "I", "O", "U"})


def shut_vowels(curves: np.ndarray, segments: list[Segment], fps: float = FPS) -> tuple[int, int]:
    """(closed, total) vowel frames with the lips shut: a face that stops talking while the
    voice goes on (a gate that takes quiet or noisy speech for silence, a net that hears none)."""
    return _shut_frames(curves, segments, VOWELS, fps)


_TONGUE = arkit.INDEX["tongueOut"]
TONGUE_SHOWN = 0.1


def stray_tongue(curves: np.ndarray, segments: list[Segment], fps: float = FPS, reach: float = 0.1) -> tuple[int, int]:
    """(shown, total) frames farther than `reach` seconds from any th whose tongue is out past
    TONGUE_SHOWN: only th puts the tongue between the teeth, and one out elsewhere lies on the lip."""
    near = np.zeros(len(curves), bool)
    for s in segments:
        if s.viseme == "TH":
            near[max(0, int(np.floor((s.start - reach) * fps))) : int(np.ceil((s.end + reach) * fps))] = True
    shown = curves[~near, _TONGUE] > TONGUE_SHOWN
    return int(shown.sum()), len(shown)


def pauses(segments: list[Segment], duration: float, shortest: float = 0.25) -> list[tuple[float, float]]:
    """Stretches of 250 ms or more with no speech: silence phones, gaps, and the clip's ends (a
    phone an alignment squeezed to nothing is not speech)."""
    speech = sorted((s.start, s.end) for s in segments if s.viseme != "sil" and s.end > s.start)
    out, t = [], 0.0
    for a, b in speech + [(duration, duration)]:
        if a - t >= shortest:
            out.append((t, a))
        t = max(t, b)
    return out


def silence_rest(curves: np.ndarray, segments: list[Segment], duration: float, fps: float = FPS) -> tuple[int, int]:
    """(closed, total) frames from pause start + 150 ms to pause end - 100 ms."""
    ap = aperture(curves)
    closed = total = 0
    for a, b in pauses(segments, duration):
        lo, hi = int(np.ceil((a + 0.15) * fps)), min(len(ap), int(np.floor((b - 0.1) * fps)))
        if hi > lo:
            closed += int((ap[lo:hi] <= CLOSED).sum())
            total += hi - lo
    return closed, total


# how far before and after a phrase's first phone its opening is looked for
_ONSET_BEFORE, _ONSET_AFTER = 0.2, 0.3


def onset_lags(
    curves: np.ndarray, target: np.ndarray, segments: list[Segment], duration: float, fps: float = FPS
) -> list[float]:
    """Seconds by which `curves` part the lips later than `target` at the start of each phrase
    after a pause (a p/b/m start is left out: its lips stay shut); where they never part within
    the window, its end. A mouth late to open is the lag a viewer sees first."""
    ap, want = aperture(curves), aperture(target)
    first = {s.start: s for s in segments if s.viseme != "sil"}
    lags = []
    for _, b in pauses(segments, duration):
        phone = first.get(b)
        if phone is None or phone.viseme == "PP":
            continue
        lo = max(0, int(round((b - _ONSET_BEFORE) * fps)))
        hi = min(len(ap), len(want), int(round((b + _ONSET_AFTER) * fps)))
        wanted = np.flatnonzero(want[lo:hi] > CLOSED)
        if len(wanted):
            got = np.flatnonzero(ap[lo:hi] > CLOSED)
            lags.append(float(((got[0] if len(got) else hi - lo) - wanted[0]) / fps))
    return lags


def open_vowel_jaw(curves: np.ndarray, segments: list[Segment], fps: float = FPS) -> np.ndarray:
    """jawOpen of every frame inside an open vowel."""
    parts = [curves[int(np.ceil(s.start * fps)) : int(np.ceil(s.end * fps)), _JAW] for s in segments if s.open_vowel]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


_POSES = pose_matrix()[:, list(DRIVEN)]


def viseme_classes(curves: np.ndarray) -> np.ndarray:
    """Each frame's nearest viseme pose over the driven channels (mouthClose excluded, as the
    poses leave it to coarticulation): a classifier that treats targets and predictions alike."""
    keep = [k for k, c in enumerate(DRIVEN) if c != arkit.INDEX["mouthClose"]]
    x = curves[:, list(DRIVEN)][:, keep].copy()
    # a sealed bilabial reads as PP whatever the jaw does under it
    sealed = aperture(curves) <= CLOSED
    d = ((x[:, None, :] - _POSES[None][:, :, keep]) ** 2).sum(-1)
    labels = d.argmin(1)
    labels[sealed & (labels != VISEME_INDEX["sil"])] = VISEME_INDEX["PP"]
    return labels


def macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    scores = []
    for c in np.unique(truth):
        tp = np.sum((pred == c) & (truth == c))
        fp, fn = np.sum((pred == c) & (truth != c)), np.sum((pred != c) & (truth == c))
        scores.append(2 * tp / max(1, 2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else float("nan")


def jitter(curves: np.ndarray) -> float:
    """RMS of the second difference of the mouth channels."""
    if len(curves) < 3:
        return 0.0
    return float(np.sqrt(np.mean(np.diff(curves[:, list(arkit.MOUTH)], n=2, axis=0) ** 2)))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() < 1e-9 or b.std() < 1e-9:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
