"""Outputs: recorders, renderers and network senders, each a pipeline Sink."""
