"""The voice-activity gate: the face eases to rest where nobody speaks, whatever the net makes
of the noise there (room tone, line noise, hum, a click, a breath).

It reads the features the net reads (log-mel and level, frame by frame, and the features'
periodicity) and keeps its own state, so streaming and offline give the same gate, frame for frame:

- an absolute floor: frames quieter than FLOOR_DB are never speech (a user raises it, as
  `voice_floor`, over a television or a call's voices that the microphone hears in the room:
  no rule on level alone tells a quiet word of the speaker's from a louder voice behind them);
- a tracked noise floor: each mel band's floor is the lowest (5-frame smoothed) value it took
  over the last FLOOR_SECONDS (from the first whole frame on), so steady noise of any colour
  and level (hiss, hum and its harmonics, a telephone line) sits on its floor and speech stands
  above it. A frame is *active* when the loudest third of its bands between 250 Hz and 4 kHz
  (a voice fills a few formants, not the whole band) stand, on average, ACTIVE_DB above their
  floors and have swung by STEADY_DB or more over the last
  STEADY_SECONDS (a noise that has just begun is steady long before the floor has risen to
  it), and *voiced* when, on top of that, it is periodic like a voice (a breath, a hiss, a click
  and line noise are not) and its 250 Hz-1 kHz bands stand VOICED_DB above their floors (so
  the periodicity is the new sound's, not a hum's under a breath); a voice too low for the
  periodicity (under 80 Hz) counts as voiced where those bands stand far above their floors,
  and above the 1.5-4 kHz ones (a breath's do not);
- a run of active frames is speech once it holds MIN_VOICED voiced frames, counted up to
  LOOK frames ahead: a click (a few frames, not voiced) and a breath (unvoiced) never open it;
- the gate is open from LEAD frames before speech to HOLD frames after it, and eases in and
  out over RAMP frames: rest comes at most (HOLD + RAMP) * 10 ms after speech ends.

All of it fits in the net's own lookahead (runtime.DELAY frames): the gate of face frame k needs
input frames up to k + DELAY, which the net needs anyway.
"""

from __future__ import annotations

import numpy as np

from .features import FRAME_RATE, HOP, N_MELS, WINDOW, mel_band_centres

FLOOR_DB = -60.0  # dBFS of a frame's level below which nothing is speech, unless the user sets another
FLOOR_SECONDS = 1.0  # how far back a band's floor looks
ACTIVE_DB = 10.0  # mean dB above their floors of the loudest third of the 250 Hz-4 kHz bands: active
VOICED, VOICED_DB = 0.6, 8.0  # voiced: this periodicity, with the 250 Hz-1 kHz bands this far above their floors
# ... or, however aperiodic (a voice under 80 Hz, out of the periodicity's reach), those bands this
# far above their floors and TILT_DB further above than the 1.5-4 kHz ones (a breath's are not)
STRONG_DB, TILT_DB = 25.0, 3.0
MIN_VOICED = 3  # voiced frames that make a run of active frames speech
LOOK = 5  # frames ahead a run's voiced frames are counted
LEAD, HOLD, RAMP = 2, 4, 7  # the gate opens LEAD frames before speech, stays HOLD after, eases over RAMP
# 70 ms: where noise shuts the gate within speech and reopens it, easing over 40 ms snapped the
# mouth shut and open, most of the jerk the eval measured in noise (a jitter ratio up to 1.8)
STEADY_SECONDS, STEADY_DB = 0.3, 7.0  # a sound whose bands swing less than this over that long is not speech
_SMOOTH = 5
_STEADY = int(STEADY_SECONDS * FRAME_RATE)
_WINDOW = int(FLOOR_SECONDS * FRAME_RATE)
_DB = 10.0 / np.log(10.0)  # natural-log power to dB
_CENTRES = mel_band_centres()
_SPEECH = (_CENTRES >= 250) & (_CENTRES <= 4000)
_TOP = int(_SPEECH.sum()) // 3
_LOW = _CENTRES[_SPEECH] <= 1000  # among those, where a voice's first harmonics and formant are
_HIGH = _CENTRES[_SPEECH] >= 1500
DECIDED = LOOK + LEAD  # frames after face frame k the gate needs before it can decide k


def _trailing(x: np.ndarray, width: int, extreme: np.ufunc) -> np.ndarray:
    """`extreme` (np.minimum or np.maximum) over each `width` rows of `x` ending at rows
    width-1 onwards: van Herk and Gil-Werman's running extreme, blocks of `width` rows scanned
    forwards and backwards, so a few comparisons a value whatever the width (scipy's filters
    took 10% of the net's whole run)."""
    n, m = len(x), -(-len(x) // width) * width
    fill = np.inf if extreme is np.minimum else -np.inf
    blocks = np.concatenate([x, np.full((m - n, *x.shape[1:]), fill, x.dtype)]).reshape(m // width, width, -1)
    ahead = extreme.accumulate(blocks, axis=1).reshape(m, -1)
    behind = extreme.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(m, -1)
    return extreme(behind[: n - width + 1], ahead[width - 1 : n])


def check_floor(floor_db: float) -> float:
    """A voice floor as dBFS, or ValueError naming it: below digital full scale and above the
    features' own floor (a frame of digital silence reads about -100 dBFS)."""
    floor_db = float(floor_db)
    if not -100.0 <= floor_db < 0.0:
        raise ValueError(f"voice_floor must be dBFS from -100 to below 0 (e.g. -40), got {floor_db}")
    return floor_db


class VoiceGate:
    """Push the features' (frames, 80) log-mel, (frames,) level and (frames,) periodicity
    (`StreamingFeatures.push_voiced`); get the gate, 0 (rest) to 1 (speech), of every face frame
    it can decide: DECIDED frames behind the newest input. `floor_db`: frames quieter than this
    (dBFS) are never speech."""

    def __init__(self, floor_db: float = FLOOR_DB):
        self._floor_db = check_floor(floor_db)
        # before the start: the first whole frame for the floors and the smoothing, nothing for
        # the swings (so a steady noise that opens the clip is steady from its first frames),
        # no activity, no speech
        self._partial = (WINDOW - 1) // HOP  # frames whose window holds the silence before the start
        self._smooth: np.ndarray | None = None
        self._history: np.ndarray | None = None
        self._highs = np.full((_STEADY - 1, int(_SPEECH.sum())), -np.inf, np.float32)
        self._lows = np.full((_STEADY - 1, int(_SPEECH.sum())), np.inf, np.float32)
        self._run_voiced = 0  # voiced frames in the run up to the last frame consumed
        self._flags = np.zeros(0, np.int8)  # per frame not yet decided: 1 active, 2 voiced too
        self._speech = np.zeros(
            HOLD + RAMP - 1, bool
        )  # no speech before frame 0; later, the frames still looked back on

    def push(self, logmel: np.ndarray, level: np.ndarray, periodicity: np.ndarray) -> np.ndarray:
        logmel = np.asarray(logmel, np.float32).reshape(-1, N_MELS)
        level = np.asarray(level, np.float32).reshape(-1)
        periodicity = np.asarray(periodicity, np.float32).reshape(-1)
        if not len(logmel) == len(level) == len(periodicity):
            raise ValueError(
                f"gate: {len(logmel)} log-mel frames, {len(level)} levels and "
                f"{len(periodicity)} periodicities; they must be the same frames"
            )
        if len(level) == 0:
            return np.zeros(0, np.float32)
        self._flags = np.concatenate([self._flags, self._activity(logmel, level, periodicity)])
        speech = self._runs()
        self._speech = np.concatenate([self._speech, speech])
        # open(n) = speech anywhere in n - HOLD .. n + LEAD; the gate is its mean over RAMP frames
        span = HOLD + LEAD + 1
        cs = np.concatenate([[0], np.cumsum(self._speech)])
        opened = (cs[span:] - cs[:-span]) > 0
        cs = np.concatenate([[0], np.cumsum(opened)])
        gate = (cs[RAMP:] - cs[:-RAMP]) / RAMP
        self._speech = self._speech[max(0, len(self._speech) - (span + RAMP - 2)) :]
        return gate.astype(np.float32)

    def _activity(self, logmel: np.ndarray, level: np.ndarray, periodicity: np.ndarray) -> np.ndarray:
        """1 where a frame is active, 2 where voiced too, 0 elsewhere."""
        skip = min(self._partial, len(level))  # the first frames' windows reach back before the start
        self._partial -= skip
        flags = np.zeros(len(level), np.int8)
        logmel, level, periodicity = logmel[skip:], level[skip:], periodicity[skip:]
        if len(level) == 0:
            return flags
        bands = logmel[:, _SPEECH]
        if self._smooth is None:  # the first whole frame stands for the ones before it
            self._smooth = np.repeat(bands[:1], _SMOOTH - 1, axis=0)
            self._history = np.repeat(bands[:1], _WINDOW - 1, axis=0)
        padded = np.concatenate([self._smooth, bands])
        smooth = padded[_SMOOTH - 1 :].copy()
        for k in range(_SMOOTH - 1):
            smooth += padded[k : k + len(bands)]
        smooth /= _SMOOTH
        self._smooth = padded[len(padded) - (_SMOOTH - 1) :]
        seen = np.concatenate([self._history, smooth])
        floor = _trailing(seen, _WINDOW, np.minimum)
        self._history = seen[len(seen) - (_WINDOW - 1) :]
        above = np.maximum(0.0, smooth - floor) * _DB
        highs = np.concatenate([self._highs, smooth])
        lows = np.concatenate([self._lows, smooth])
        self._highs, self._lows = highs[len(highs) - (_STEADY - 1) :], lows[len(lows) - (_STEADY - 1) :]
        swing = (_trailing(highs, _STEADY, np.maximum) - _trailing(lows, _STEADY, np.minimum)).mean(1) * _DB
        loud = (level >= self._floor_db) & (swing >= STEADY_DB)
        top = np.partition(above, -_TOP, axis=1)[:, -_TOP:].mean(1)
        active = loud & (top >= ACTIVE_DB)
        low, high = above[:, _LOW].mean(1), above[:, _HIGH].mean(1)
        voiced = (
            active & (low >= VOICED_DB) & ((periodicity >= VOICED) | ((low >= STRONG_DB) & (low >= high + TILT_DB)))
        )
        flags[skip:] = active.astype(np.int8) + voiced
        return flags

    def _runs(self) -> np.ndarray:
        """Speech or not for each frame whose LOOK frames ahead have come; consumes them.

        Frame i is speech when it is active and its run, from its start up to LOOK frames past
        i (or the run's end, if sooner), holds MIN_VOICED voiced frames."""
        flags = self._flags
        active = flags > 0
        # voiced frames so far in each frame's run (0 where not active), carried across pushes
        count = np.cumsum(flags == 2) + self._run_voiced
        reset = np.maximum.accumulate(np.where(active, 0, count))
        count = np.where(active, count - reset, 0)
        n = max(0, len(flags) - LOOK)
        i = np.arange(n)
        gaps = np.flatnonzero(~active)
        after = np.append(gaps, len(flags))[np.searchsorted(gaps, i + 1)]  # the next inactive frame
        stop = np.minimum(i + LOOK, after - 1)
        speech = active[:n] & (count[stop] >= MIN_VOICED)
        if n:
            self._run_voiced = int(count[n - 1])
        self._flags = flags[n:]
        return speech
