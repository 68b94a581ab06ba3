"""The speech net at run time: the trained SpeechNet exported to ONNX and run by ONNX Runtime on
one thread, its state (the convolutions' last inputs, the GRU's hidden vector) carried from one
push to the next.

ONNX Runtime steps the GRU about four times faster than torch, which dispatches every step's
few small ops one by one; that is what lets a clip run at hundreds of times real time on one
core. Its curves agree with torch's to about 1e-4. Torch (model.py) is imported only to
export training's weights, so running the shipped net never pays its import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .features import FRAME_RATE

if TYPE_CHECKING:
    from .model import SpeechNet

DELAY = 7  # frames of 10 ms the net's output lags its newest input
LOOKAHEAD_S = (DELAY + 1) / FRAME_RATE
WEIGHTS = Path(__file__).with_name("weights") / "speech_net.pt"  # what training writes
ONNX_WEIGHTS = WEIGHTS.with_suffix(".onnx")  # its export, what the engine runs


class SpeechRuntime:
    """One loaded net. `run` is pure: the state goes in and comes out, so any number of streams
    share one runtime."""

    def __init__(self, model: bytes | Path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are not the user's
        source = model if isinstance(model, bytes) else str(model)
        self._session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        shapes = {i.name: i.shape for i in self._session.get_inputs()}
        self._state_shapes = [tuple(shapes[k]) for k in ("conv1", "conv2", "gru")]

    @classmethod
    def from_torch(cls, net: SpeechNet) -> SpeechRuntime:
        from .model import to_onnx

        return cls(to_onnx(net))

    def initial_state(self) -> tuple[np.ndarray, ...]:
        """Silence before the first frame."""
        return tuple(np.zeros(shape, np.float32) for shape in self._state_shapes)

    def run(self, x: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """x: (T, N_INPUT) net input frames -> (T, driven channels) in [0, 1], and the next state."""
        y, *after = self._session.run(
            None, {"x": x[None].astype(np.float32, copy=False), **dict(zip(("conv1", "conv2", "gru"), state))}
        )
        return y[0], tuple(after)


def load(path: Path = ONNX_WEIGHTS) -> SpeechRuntime:
    """The shipped net, or another: an .onnx export, or training's .pt weights (exported here)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no speech net weights; train them: python -m engine.speech_training.train")
    if path.suffix == ".pt":
        from .model import load as load_trained

        return SpeechRuntime.from_torch(load_trained(path))
    return SpeechRuntime(path)
