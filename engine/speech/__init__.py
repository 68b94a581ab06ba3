"""The speech net at run time: audio in (audio_file.py decodes and resamples, streaming),
streaming log-mel features (features.py), the voice gate (gate.py), the causal net and its
weights (model.py, weights/), running it in real time or over a file (stream.py), visemes and
their ARKit poses (visemes.py), timed visemes as curves (coarticulation.py: the net's training
targets, and the mouth itself where the phones' times are known), and brow raises on pitch
accents (prosody.py).

Its training lives apart in engine/speech_training/, which nothing here imports.
"""
