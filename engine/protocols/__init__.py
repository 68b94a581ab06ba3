"""Pure encoders and decoders of wire and file formats: bytes in, FaceFrames out, no sockets."""
