"""Face tracking with MediaPipe's Face Landmarker: a webcam, a video file or an image folder
drives the avatar's 52 ARKit weights, head and gaze.

One concept per module: `landmarker` (MediaPipe, the shipped model), `mapping` (its output in
the engine's names and axes), `mirror` (the selfie view), `tracker` (a picture in, a FaceFrame
out, with this source's filters), `media` and `camera` (where pictures come from) and `sources`
(the pipeline's Source protocol, offline and live). The URIs are registered in
`engine/drivers/webcam.py`, which imports this package only when such a source is opened.
"""
