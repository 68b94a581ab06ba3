"""The speech corpus: engines with exact phone timings (the voices package's, piper, Kokoro,
espeak-ng), sentence material, real recordings."""

from importlib import import_module


def importable(*modules: str) -> bool:
    """Whether every named module imports: an engine's optional packages are all there."""
    try:
        for name in modules:
            import_module(name)
    except ImportError:
        return False
    return True
