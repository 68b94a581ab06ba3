"""The webcam/video driver: its cost over bare MediaPipe, its smoothing, and its live latency.

1. Per frame, on the talking-face video: bare MediaPipe (colour conversion and Face Landmarker,
   nothing else) against the whole driver (the same, then names, head pose, confidence,
   smoothing and gaze), run alternately on the same frames; the ratio of their medians.
2. Smoothing, on real pictures: jitter on a still face (a photograph with camera-like noise
   and a half-pixel shake), raw and smoothed; how far the smoothed mouth lags the raw scores on
   the talking videos; how many frames a jaw step takes to get half and 80% of the way.
3. Latency at 640x480 on loopback: a stand-in camera (the talking face, letterboxed) switches
   between a neutral and a smiling picture every half second; the time from handing the first
   smiling picture to the source to the first Live Link packet in which mouthSmileLeft is past
   half way, with the default smoothing and without.

    python -m bench.webcam [--seconds 8]      (or: python run.py bench webcam -- --seconds 8)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np
import skimage.data
from mediapipe.tasks.python import BaseOptions, vision

from engine import arkit
from engine.drivers.face_tracking.camera import Camera
from engine.drivers.face_tracking.landmarker import MODEL_PATH, Landmarker
from engine.drivers.face_tracking.sources import FADE, STALE_AFTER, CameraSource
from engine.drivers.face_tracking.tracker import SMOOTH, FaceTracker
from engine.filters import Smooth
from engine.frame import FaceFrame
from engine.mixer import LayerRule
from engine.pipeline import Pipeline, RealtimeClock
from engine.registry import open_sink
from engine.rig import MASCOT
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from engine.rig.transforms import quat_to_euler
from engine.sinks.render import RenderSettings

from .loopback import LoopbackReceiver

FACES = Path(__file__).resolve().parents[1] / "tests" / "data" / "faces"
ENGINE_DEFAULTS = {"min_cutoff": 0.5, "beta": 2.0, "head_min_cutoff": 0.8, "head_beta": 0.6}


def _video(path: Path) -> tuple[list[np.ndarray], float]:
    cap = cv2.VideoCapture(str(path))
    pictures = []
    while (got := cap.read())[0]:
        pictures.append(got[1])
    return pictures, cap.get(cv2.CAP_PROP_FPS)


# -- 1. cost over bare MediaPipe --------------------------------------------------------------


def _bare_landmarker():
    return vision.FaceLandmarker.create_from_options(
        vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(MODEL_PATH)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
    )


def per_frame(rounds: int = 3) -> dict:
    pictures, fps = _video(FACES / "single_face.mp4")
    bare, full = [], []
    for r in range(rounds):
        task, tracker = _bare_landmarker(), FaceTracker(Landmarker(), "bench")
        for k, bgr in enumerate(pictures):
            ms = int((r * len(pictures) + k) * 1000 / fps)
            t0 = time.perf_counter()
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            task.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ms)
            t1 = time.perf_counter()
            tracker.track(bgr, ms / 1000)
            t2 = time.perf_counter()
            bare.append(t1 - t0)
            full.append(t2 - t1)
        task.close()
        tracker.close()
    bare_ms, full_ms = np.array(bare) * 1000, np.array(full) * 1000
    return {"frames": len(bare), "size": pictures[0].shape[1::-1], "bare": bare_ms, "full": full_ms}


# -- 2. smoothing -----------------------------------------------------------------------------


def _raw(pictures, fps) -> list[FaceFrame]:
    tracker = FaceTracker(Landmarker(), "bench", smooth=None)
    frames = [tracker.track(p, k / fps) for k, p in enumerate(pictures)]
    tracker.close()
    return [f for f in frames if f is not None]


def _still_face(count: int = 90) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    photo = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    h, w = photo.shape[:2]
    out = []
    for _ in range(count):
        shake = np.float32([[1, 0, rng.normal(0, 0.5)], [0, 1, rng.normal(0, 0.5)]])
        moved = cv2.warpAffine(photo, shake, (w, h), borderMode=cv2.BORDER_REFLECT)
        out.append(np.clip(moved + rng.normal(0, 10, moved.shape), 0, 255).astype(np.uint8))
    return out


def _jitter(frames) -> tuple[float, float]:
    """Worst channel's and worst head angle's RMS departure from a centred 5-frame mean."""

    def worst(x):
        kernel = np.ones(5) / 5
        mean = np.stack([np.convolve(x[:, i], kernel, "valid") for i in range(x.shape[1])], 1)
        return float(np.sqrt(((x[2:-2] - mean) ** 2).mean(0)).max())

    weights = np.array([f.weights for f in frames], float)
    head = np.degrees([quat_to_euler(f.head_rotation) for f in frames])
    return worst(weights), worst(head)


def _lag_ms(raw: np.ndarray, smooth: np.ndarray, fps: float) -> float:
    """Delay of `smooth` behind `raw` at the cross-correlation peak, interpolated."""
    a, b = raw - raw.mean(), smooth - smooth.mean()
    lags = np.arange(-4, 5)
    c = np.array([np.dot(a[max(0, -k) : len(a) - max(0, k)], b[max(0, k) : len(b) - max(0, -k)]) for k in lags])
    i = int(np.clip(np.argmax(c), 1, len(c) - 2))
    shift = (c[i - 1] - c[i + 1]) / (2 * (c[i - 1] - 2 * c[i] + c[i + 1]))
    return float((lags[i] + shift) * 1000 / fps)


def _mouth_lag(raw, settings, fps) -> float:
    smooth = Smooth(**settings)
    smoothed = np.array([smooth(f).weights for f in raw], float)
    weights = np.array([f.weights for f in raw], float)
    moving = [i for i in arkit.MOUTH if weights[:, i].std() > 0.01]
    return float(np.median([_lag_ms(weights[:, i], smoothed[:, i], fps) for i in moving]))


def _step(settings, size: float, fps: float = 30.0) -> list[int]:
    smooth = Smooth(**settings)
    jaw = np.array(
        [
            smooth(FaceFrame.from_named(k / fps, {"jawOpen": size if k >= 10 else 0.0})).weight("jawOpen")
            for k in range(30)
        ]
    )[10:]
    return [int(np.argmax(jaw >= share * size)) for share in (0.5, 0.8)]


def smoothing() -> list[tuple[str, str]]:
    still = _raw(_still_face(), 30.0)
    talking = []
    for name in ("single_face.mp4", "head_turns.mp4"):
        pictures, fps = _video(FACES / name)
        talking.append((_raw(pictures, fps), fps))
    raw_w, raw_h = _jitter(still)
    rows = [("raw", f"still-face jitter: worst weight {raw_w:.4f}, worst head angle {raw_h:.3f} deg")]
    for label, settings in (("driver default", SMOOTH), ("engine default", ENGINE_DEFAULTS)):
        w, h = _jitter(list(map(Smooth(**settings), still)))
        lags = ", ".join(f"{_mouth_lag(raw, settings, fps):.0f}" for raw, fps in talking)
        rows.append(
            (
                f"{label} {settings['min_cutoff']:g}/{settings['beta']:g}",
                f"still-face jitter: worst weight {w:.4f} ({raw_w / w:.1f}x less), head {h:.3f} deg "
                f"({raw_h / h:.1f}x less); mouth lag on the talking videos {lags} ms; a 0.3 jaw step "
                f"takes {_step(settings, 0.3)} frames to 50%/80% at 30 fps",
            )
        )
    return rows


# -- 3. live latency --------------------------------------------------------------------------


class _SteppingCamera:
    """A 640x480 stand-in camera at 30 fps: neutral and smiling pictures by turns, each held for
    `hold` seconds; remembers when each smiling run was handed over."""

    def __init__(self, neutral: np.ndarray, smiling: np.ndarray, hold: float = 0.5, fps: float = 30.0):
        self.pictures = (self._letterbox(neutral), self._letterbox(smiling))
        self.hold, self.period = hold, 1.0 / fps
        self.began: float | None = None
        self.smiles_handed: list[float] = []
        self._last_smiling_run = -1

    @staticmethod
    def _letterbox(bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        scale = 640 / w
        resized = cv2.resize(bgr, (640, int(round(h * scale))))
        top = (480 - resized.shape[0]) // 2
        out = np.zeros((480, 640, 3), np.uint8)
        out[top : top + resized.shape[0]] = resized
        return out

    def read(self):
        time.sleep(self.period)
        now = time.perf_counter()
        self.began = self.began or now
        run = int((now - self.began) / self.hold)
        smiling = run % 2
        if smiling and run != self._last_smiling_run:
            self._last_smiling_run = run
            self.smiles_handed.append(now)
        return True, self.pictures[smiling]

    def release(self):
        pass


class _RenderProbe:
    """A sink that draws each frame at 640x480 (MSAA 4) and notes when each drawing finished,
    with the smile it showed: the camera-to-rendered-frame half of the latency."""

    needs_pose = True
    name = "render-probe"

    def __init__(self):
        self.smiles: list[tuple[float, float]] = []

    def open(self, run) -> None:
        self._renderer = RenderSettings((640, 480)).renderer(run)

    def write(self, frame, pose) -> None:
        self._renderer.render(pose)
        self.smiles.append((time.perf_counter(), frame.weight("mouthSmileLeft")))

    def close(self) -> None:
        self._renderer.close()


def _delays(handed: list[float], arrivals: list[tuple[float, float]]) -> np.ndarray:
    """ms from each smiling picture handed over to the first output past half the smile."""
    arrivals = np.array(arrivals)
    delays = []
    for t in handed[1:]:  # the first is still settling
        after = arrivals[(arrivals[:, 0] >= t) & (arrivals[:, 1] >= 0.43)]
        if len(after):
            delays.append(after[0, 0] - t)
    return np.array(delays or [np.nan]) * 1000


def latency(seconds: float, smooth: dict | None) -> dict:
    pictures, _ = _video(FACES / "single_face.mp4")
    camera = _SteppingCamera(pictures[0], pictures[40])
    rx = LoopbackReceiver()
    rule = LayerRule("webcam:bench", priority=10, stale_after=STALE_AFTER, fade=FADE)
    source = CameraSource(Camera(camera, "stand-in 640x480"), FaceTracker(Landmarker(), rule.name, smooth=smooth), rule)
    probe = _RenderProbe()
    sinks = [open_sink(f"livelink://127.0.0.1:{rx.port}"), probe]
    stats = Pipeline([source], sinks, Rig(load_avatar(MASCOT))).run(RealtimeClock(60, seconds))
    rx.close()
    smiles = [(t, p.values[arkit.INDEX["mouthSmileLeft"]]) for t, p in rx.packets if p.values is not None]
    packet, drawn = _delays(camera.smiles_handed, smiles), _delays(camera.smiles_handed, probe.smiles)
    return {
        "steps": int(np.isfinite(packet).sum()),
        "p50": np.nanpercentile(packet, 50),
        "max": np.nanmax(packet),
        "render_p50": np.nanpercentile(drawn, 50),
        "render_max": np.nanmax(drawn),
        "ticks_dropped": stats.dropped_ticks,
        "tick_p50": stats.percentile_ms(50),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each live latency run")
    args = ap.parse_args(argv)

    r = per_frame()
    bare, full = np.median(r["bare"]), np.median(r["full"])
    print(f"per frame, {r['frames']} frames of single_face.mp4 at {r['size'][0]}x{r['size'][1]}:")
    print(f"  bare MediaPipe  p50 {bare:.2f} ms  p90 {np.percentile(r['bare'], 90):.2f} ms")
    print(f"  full driver     p50 {full:.2f} ms  p90 {np.percentile(r['full'], 90):.2f} ms")
    print(f"  driver / bare = {full / bare:.3f}x (medians), {r['full'].mean() / r['bare'].mean():.3f}x (means)")

    print("smoothing (One Euro on MediaPipe's output):")
    for label, text in smoothing():
        print(f"  {label:22s} {text}")

    print(
        f"latency, stand-in camera 640x480 at 30 fps -> CameraSource -> pipeline at 60 fps -> "
        f"livelink:// on loopback, {args.seconds:g} s each:"
    )
    for label, settings in (("default smoothing", SMOOTH), ("no smoothing", None)):
        lat = latency(args.seconds, settings)
        print(
            f"  {label:18s} picture handed -> packet past half way: p50 {lat['p50']:.1f} ms, "
            f"max {lat['max']:.1f} ms over {lat['steps']} steps; -> rendered 640x480 frame: "
            f"p50 {lat['render_p50']:.1f} ms, max {lat['render_max']:.1f} ms; tick p50 {lat['tick_p50']:.2f} ms, "
            f"{lat['ticks_dropped']} ticks dropped"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
