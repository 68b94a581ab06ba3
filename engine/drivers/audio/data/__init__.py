"""The speech corpus: engines with exact phone timings, sentence material, real recordings."""

from importlib import import_module


def importable(*modules: str) -> bool:
    """Whether every named module imports: an engine's optional packages are all there."""
    try:
        for name in modules:
            import_module(name)
    except ImportError:
        return False
    return True


def spans_from_ends(ends) -> list[tuple[str, float, float]]:
    """[(phone, start s, end s)] from (phone, end s) pairs, for engines that print only where each
    phone ends: each starts where the one before ended, the first at 0."""
    spans, start = [], 0.0
    for phone, end in ends:
        spans.append((phone, start, end))
        start = end
    return spans
