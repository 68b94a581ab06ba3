"""Sources of FaceFrames: speech, webcam, mocap streams, playback."""
