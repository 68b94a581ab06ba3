"""The speech net: log-mel and its speaker-centred twin -> causal convolutions -> GRU -> the driven ARKit channels.

Everything is causal, so the net runs chunk by chunk with its state (the convolutions' last
input frames and the GRU's hidden vector) and gives the same curves as one offline pass. Its
output for input frame n is the face at frame n - DELAY (runtime.py, which the engine runs
without torch): that, plus the feature window reaching 10 ms past its frame's time, is the whole
lookahead, 80 ms.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch
from torch import nn

from .features import N_INPUT
from .runtime import WEIGHTS
from .visemes import DRIVEN


class CausalConv(nn.Module):
    """A 1-D convolution that only looks back; its state is the last (kernel - 1) * dilation inputs."""

    def __init__(self, cin: int, cout: int, kernel: int, dilation: int = 1):
        super().__init__()
        self.history = (kernel - 1) * dilation
        self.conv = nn.Conv1d(cin, cout, kernel, dilation=dilation)

    def forward(self, x: torch.Tensor, past: torch.Tensor | None):
        """x: (B, C, T); past: (B, C, history) or None for silence before the start."""
        if past is None:
            past = x.new_zeros(x.shape[0], x.shape[1], self.history)
        full = torch.cat([past, x], dim=2)
        return self.conv(full), full[:, :, full.shape[2] - self.history :]


class SpeechNet(nn.Module):
    # the input's normalisation: buffers, saved with the weights but never trained
    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, hidden: int = 128):
        super().__init__()
        self.register_buffer("mean", torch.zeros(N_INPUT))
        self.register_buffer("std", torch.ones(N_INPUT))
        self.conv1 = CausalConv(N_INPUT, hidden, 3)
        self.conv2 = CausalConv(hidden, hidden, 3, dilation=2)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, len(DRIVEN))

    def encode(self, inputs: torch.Tensor, state=None):
        """inputs: (B, T, N_INPUT) from features.net_input -> the GRU's features (B, T, hidden),
        and the state to continue from."""
        c1, c2, h = state if state is not None else (None, None, None)
        x = ((inputs - self.mean) / self.std).transpose(1, 2)
        x, c1 = self.conv1(x, c1)
        x, c2 = self.conv2(torch.relu(x), c2)
        y, h = self.gru(torch.relu(x).transpose(1, 2), h)
        return y, (c1, c2, h)

    def forward(self, inputs: torch.Tensor, state=None):
        """inputs: (B, T, N_INPUT) -> (B, T, driven channels) in [0, 1], and the state to continue from."""
        y, state = self.encode(inputs, state)
        return torch.sigmoid(self.out(y)), state


def load(path: Path = WEIGHTS) -> SpeechNet:
    """A trained net from its weights, a plain state_dict loaded with weights_only=True (what
    training writes; the engine runs the ONNX export of it, runtime.py)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no speech net weights; train them: python -m engine.speech_training.train")
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = SpeechNet(hidden=state["gru.weight_hh_l0"].shape[1])
    net.load_state_dict(state)
    return net.eval()


class _Stepper(nn.Module):
    """The net with its state as plain tensors in and out, the form ONNX exports."""

    def __init__(self, net: SpeechNet):
        super().__init__()
        self.net = net

    def forward(self, x, conv1, conv2, gru):
        y, (conv1, conv2, gru) = self.net(x, (conv1, conv2, gru))
        return y, conv1, conv2, gru


def to_onnx(net: SpeechNet) -> bytes:
    """The net as an ONNX model (needs the onnx package): inputs `x` (1, T, N_INPUT) and the
    state `conv1`, `conv2`, `gru` (zeros before the first frame); outputs `y` and the state after."""
    hidden = net.gru.hidden_size
    example = (
        torch.zeros(1, 4, N_INPUT),
        torch.zeros(1, N_INPUT, net.conv1.history),
        torch.zeros(1, hidden, net.conv2.history),
        torch.zeros(1, 1, hidden),
    )
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shape checks that one fixed batch of 1 makes moot
        torch.onnx.export(
            _Stepper(net.eval()),
            example,
            out,  # type: ignore[arg-type]  # the TorchScript exporter writes to any binary file object
            input_names=["x", "conv1", "conv2", "gru"],
            output_names=["y", "conv1_out", "conv2_out", "gru_out"],
            dynamic_axes={"x": {1: "frames"}, "y": {1: "frames"}},
            opset_version=17,
            dynamo=False,
        )
    return out.getvalue()
