"""Training and judging the speech net; never imported by the runtime.

data/             the corpus: flite, festival, espeak-ng (Mandarin via pinyin), piper, Kokoro and
                  real speech aligned with pocketsphinx; cached outside git
                  (python -m engine.speech_training.data)
augment.py targets.py train.py    python -m engine.speech_training.train (its targets: the
                  runtime's speech/coarticulation.py over each utterance's timed visemes)
channel.py        rooms, noises and codecs made in code, for tests and the eval's degraded group
metrics.py baselines.py eval.py   python -m engine.speech_training.eval (Rhubarb and two baselines)
"""
