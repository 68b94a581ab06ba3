"""Spokesperson scripts: a Markdown file with a TOML front matter and inline cues, turned into a
soundtrack, a performance (expressions, gaze, head rhythm) and a branded video by `run.py speak`."""
