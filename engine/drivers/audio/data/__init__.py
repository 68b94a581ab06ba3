"""The speech corpus: engines with exact phone timings, sentence material, real recordings."""
