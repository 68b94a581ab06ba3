"""Training: the same seed on the same corpus gives the same weights, which load as the net; a
finishing stage trained on from them is seeded too, and records what it started from."""

import shutil

import pytest
import torch

pytestmark = pytest.mark.skipif(shutil.which("flite") is None or shutil.which("espeak-ng") is None,
                                reason="flite and espeak-ng build the corpus")


def test_training_is_seeded_and_reproducible(tmp_path):
    pytest.importorskip("pypinyin")
    from engine.speech_training.data.corpus import build
    from engine.speech.model import load
    from engine.speech.runtime import load as load_runtime
    from engine.speech_training.train import train

    corpus = build(tmp_path / "corpus", scale=0.002, real_speech=False)
    runs = [train(1, seed=3, threads=1, hidden=16, corpus=corpus, out=tmp_path / f"{k}.pt") for k in "ab"]
    assert runs[0]["utterances"] > 10 and (tmp_path / "a.json").exists()
    a, b = (torch.load(tmp_path / f"{k}.pt", weights_only=True) for k in "ab")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    other = train(1, seed=4, threads=1, hidden=16, corpus=corpus, out=tmp_path / "c.pt")
    c = torch.load(tmp_path / "c.pt", weights_only=True)
    assert other["seed"] == 4 and not torch.equal(a["out.weight"], c["out.weight"])
    net = load(tmp_path / "a.pt")
    assert net.gru.hidden_size == 16
    runtime = load_runtime(tmp_path / "a.onnx")  # what the engine runs, written beside the weights
    assert runtime.initial_state()[2].shape == (1, 1, 16)
    # the finishing stage: on from a.pt, its width, at its own rate and seal weight
    more = [
        train(1, seed=5, threads=1, corpus=corpus, out=tmp_path / f"more_{k}.pt", init=tmp_path / "a.pt", lr=1e-3, seal=20.0)
        for k in "ab"
    ]
    m, n = (torch.load(tmp_path / f"more_{k}.pt", weights_only=True) for k in "ab")
    assert all(torch.equal(m[k], n[k]) for k in m) and not torch.equal(m["out.weight"], a["out.weight"])
    assert more[0]["hidden"] == 16 and more[0]["seal_loss"] == 20.0 and more[0]["lr"] == 1e-3
    assert more[0]["continued_from"]["seed"] == 3 and more[0]["continued_from"]["epochs"] == 1
