"""The stage's WebSocket messages (`run.py serve`): compact binary frames and audio for the
viewer page, which decodes them in engine/stage/web/viewer.js with the same layout.

All little-endian; each starts with a 16-byte header, so the float32 or int16 payload after it
is aligned for a typed-array view in the browser.

- FRAME: kind 1, flags (1: head position, 2: eyes, 4: bones), u16 morphs, u16 nodes, u16 bones,
  f64 t (seconds on the pipeline clock); then float32: the 52 ARKit weights, the head rotation
  (x, y, z, w), the head position (3, zero without one), the eyes (left yaw, pitch, right yaw,
  pitch), the humanoid bones (bones x 4), then what the rig resolved for this avatar: every
  morph weight (all meshes, in order) and the local translation and rotation (7 each) of the
  nodes the rig moves. The page needs no name mapping: it writes those straight into its scene.
- AUDIO: kind 2, u8 stream, u32 sample rate, f64 t (when the chunk starts on the pipeline
  clock); then mono int16 samples. Streams play at once and apart: 0 is `/say`'s speech
  (SAY_STREAM), the others the sources' own sound (an `audio:` file, a microphone).
- CUT: kind 3, u8 stream, f64 t: that stream's audio scheduled from t on is dropped (an
  interrupting `/say`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from .errors import PacketError

FRAME, AUDIO, CUT = 1, 2, 3
SAY_STREAM = 0
_FRAME = struct.Struct("<BBHHHd")
_AUDIO = struct.Struct("<BBxxId")
_CUT = struct.Struct("<BB6xd")
_HEAD_POSITION, _EYES, _BONES = 1, 2, 4
_FIXED = arkit.COUNT + 4 + 3 + 4  # floats before the bones


@dataclass
class StageFrame:
    """A decoded FRAME: the face as mixed, and the rig's answer for the page's avatar."""

    face: FaceFrame
    morphs: np.ndarray  # (morphs,) float32
    nodes: np.ndarray  # (nodes, 7) float32: translation xyz, rotation xyzw


def encode_frame(frame: FaceFrame, morphs: np.ndarray, nodes: np.ndarray) -> bytes:
    flags = (
        (_HEAD_POSITION if frame.head_position is not None else 0)
        | (_EYES if frame.eyes is not None else 0)
        | (_BONES if frame.bones is not None else 0)
    )
    bones = frame.bones if frame.bones is not None else np.zeros((0, 4))
    nodes = np.asarray(nodes, np.float32).reshape(-1, 7)
    header = _FRAME.pack(FRAME, flags, len(morphs), len(nodes), len(bones), frame.t)
    body = np.concatenate(
        [
            frame.weights,
            frame.head_rotation,
            frame.head_position if frame.head_position is not None else np.zeros(3),
            np.ravel(frame.eyes) if frame.eyes is not None else np.zeros(4),
            np.ravel(bones),
            morphs,
            np.ravel(nodes),
        ]
    ).astype("<f4")
    return header + body.tobytes()


class Audio(NamedTuple):
    """A decoded AUDIO message."""

    t: float  # when its first sample is heard, on the pipeline clock
    rate: int
    samples: np.ndarray  # float32 mono
    stream: int


def encode_audio(t: float, sample_rate: int, samples: np.ndarray, stream: int = SAY_STREAM) -> bytes:
    """`samples`: float mono in [-1, 1], sent as int16."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    return _AUDIO.pack(AUDIO, stream, int(sample_rate), float(t)) + pcm.tobytes()


def encode_cut(t: float, stream: int = SAY_STREAM) -> bytes:
    return _CUT.pack(CUT, stream, float(t))


def kind(message: bytes) -> int:
    if not message:
        raise PacketError("stage: empty message")
    return message[0]


def decode_frame(message: bytes) -> StageFrame:
    if len(message) < _FRAME.size or message[0] != FRAME:
        raise PacketError("stage: not a FRAME message")
    _, flags, n_morphs, n_nodes, n_bones, t = _FRAME.unpack_from(message)
    floats = np.frombuffer(message, "<f4", offset=_FRAME.size)
    if len(floats) != _FIXED + 4 * n_bones + n_morphs + 7 * n_nodes:
        raise PacketError(f"stage: FRAME of {len(message)} bytes does not hold what its header counts")
    w, rest = floats[: arkit.COUNT], floats[arkit.COUNT :]
    head, position, eyes, rest = rest[:4], rest[4:7], rest[7:11], rest[11:]
    bone_rows, rest = rest[: 4 * n_bones].reshape(-1, 4), rest[4 * n_bones :]
    face = FaceFrame(
        t,
        w.copy(),
        head_rotation=head.astype(np.float64),
        head_position=position.astype(np.float64) if flags & _HEAD_POSITION else None,
        eyes=eyes.reshape(2, 2).astype(np.float64) if flags & _EYES else None,
        bones=bone_rows.astype(np.float64) if flags & _BONES else None,
    )
    return StageFrame(face, rest[:n_morphs].copy(), rest[n_morphs:].reshape(-1, 7).copy())


def decode_audio(message: bytes) -> Audio:
    if len(message) < _AUDIO.size or message[0] != AUDIO or (len(message) - _AUDIO.size) % 2:
        raise PacketError("stage: not an AUDIO message")
    _, stream, rate, t = _AUDIO.unpack_from(message)
    return Audio(t, rate, np.frombuffer(message, "<i2", offset=_AUDIO.size).astype(np.float32) / 32767.0, stream)


def decode_cut(message: bytes) -> tuple[float, int]:
    """(from when, which stream)."""
    if len(message) != _CUT.size or message[0] != CUT:
        raise PacketError("stage: not a CUT message")
    _, stream, t = _CUT.unpack(message)
    return t, stream
