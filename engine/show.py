"""A show: the whole set-up of a run (avatar, sources, sinks, filters, calibration) as one
validated object, read from a TOML show file and/or the command line.

```toml
avatar = "avatars_gltf/mascot.glb"
fps = 60
duration = 30            # seconds; omit to run until Ctrl-C (live) or the media ends
no_idle = false          # with an avatar, idle: (blinks, gaze, breath) is layered beneath
pose = "relaxed"         # a humanoid's body where nothing drives it; "bind": the file's own pose

[[source]]
uri = "idle:"
seed = 3

[[source]]
uri = "expression:happy"
intensity = 0.6
blink = "block"          # layer rules: priority, channels, bones, head, fade, stale_after, blink, look_at, mouth

[[sink]]
uri = "csv:take.csv"

[smooth]                 # One Euro on the mixed face; omit the table for none
min_cutoff = 0.5
beta = 2.0

[calibration]            # a neutral face: either given, or captured from the first frames
neutral = { mouthSmileLeft = 0.1 }
# frames = 30

[gain.jawOpen]           # per-channel curves
gain = 1.2
```
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import arkit
from .errors import FileError, OptionError
from .filters import Calibration, CapturingCalibration, ChannelCurve, Gain, Smooth
from .frame import FaceFrame
from .rig.rig import POSE_MODES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TOP_KEYS = {
    "avatar",
    "fps",
    "duration",
    "source",
    "sink",
    "smooth",
    "calibration",
    "gain",
    "mapping",
    "no_idle",
    "pose",
}


@dataclass
class Show:
    avatar: str | None = None
    mapping: str | None = None
    fps: float = 60.0
    duration: float | None = None
    sources: list[tuple[str, dict]] = field(default_factory=list)  # (uri, options)
    sinks: list[tuple[str, dict]] = field(default_factory=list)
    smooth: dict | None = None
    calibration: dict | None = None
    gain: dict[str, dict] = field(default_factory=dict)
    no_idle: bool = False  # with an avatar, idle: is layered beneath unless this is set
    pose: str = "relaxed"  # a humanoid's undriven body: relaxed, or bind (the file's own pose)

    @classmethod
    def load(cls, path: str | Path) -> Show:
        try:
            data = tomllib.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise FileError(f"{path}: cannot read show file: {exc}") from None
        unknown = set(data) - _TOP_KEYS
        if unknown:
            raise OptionError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected {sorted(_TOP_KEYS)}")

        def entries(key):
            out = []
            for i, entry in enumerate(data.get(key, [])):
                if not isinstance(entry, dict) or "uri" not in entry:
                    raise OptionError(f"{path}: [[{key}]] #{i + 1} needs a uri")
                entry = dict(entry)
                out.append((str(entry.pop("uri")), entry))
            return out

        pose = data.get("pose", "relaxed")
        if pose not in POSE_MODES:
            raise OptionError(f"{path}: pose {pose!r}: expected one of {', '.join(POSE_MODES)}")
        base = Path(path).parent
        avatar = data.get("avatar")
        return cls(
            avatar=str(base / avatar) if avatar else None,
            mapping=str(base / data["mapping"]) if data.get("mapping") else None,
            fps=float(data.get("fps", 60.0)),
            duration=float(data["duration"]) if "duration" in data else None,
            sources=entries("source"),
            sinks=entries("sink"),
            smooth=data.get("smooth"),
            calibration=data.get("calibration"),
            gain=data.get("gain", {}),
            no_idle=bool(data.get("no_idle", False)),
            pose=pose,
        )

    def filters(self) -> list[Callable[[FaceFrame], FaceFrame]]:
        """The filter chain: calibration, then gain curves, then smoothing."""
        chain: list[Callable[[FaceFrame], FaceFrame]] = []
        if self.calibration is not None:
            cal = dict(self.calibration)
            if "neutral" in cal:
                neutral = np.zeros(arkit.COUNT)
                for name, value in cal.pop("neutral").items():
                    c = arkit.canonical(name)
                    if c is None:
                        raise OptionError(f"calibration.neutral: {name!r} is not an ARKit name")
                    neutral[arkit.INDEX[c]] = value
                calibration = Calibration()
                calibration.set_neutral(neutral)
            else:
                calibration = CapturingCalibration(int(cal.pop("frames", 30)))
            if cal:
                raise OptionError(f"calibration: unknown key(s) {', '.join(sorted(cal))}")
            chain.append(calibration)
        if self.gain:
            try:
                chain.append(Gain({name: ChannelCurve(**curve) for name, curve in self.gain.items()}))
            except TypeError as exc:
                raise OptionError(f"gain: {exc}") from None
        if self.smooth is not None:
            try:
                chain.append(Smooth(**self.smooth))
            except TypeError as exc:
                raise OptionError(f"smooth: {exc}") from None
        return chain
