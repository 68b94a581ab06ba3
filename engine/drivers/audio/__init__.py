"""Speech as pipeline sources: `audio:FILE` and `tts:TEXT` (source.py, files stream) and `mic:`
(mic.py, the `mic` extra), each running the speech net (engine/speech/) on the mouth."""
