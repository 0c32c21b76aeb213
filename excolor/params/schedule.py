"""Keyframe schedules: a CSV "dopesheet" of weights and learning rate, resolved to a value per step.

Rows are keyframes; `STEP` is absolute (`1000`), relative to the neighbouring absolute rows
(`+10`, `-10`) or a fraction of the gap between them (`+0.5`, rounded half-to-even). Each
column eases from one filled cell to the next (minimum jerk by default); blank cells are skipped.
The whole schedule is resolved up front into arrays, so training looks values up by index.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
import numpy as np

RESERVED = ('STEP', 'PHASE', 'ACTION')
EASINGS = ('minjerk', 'linear', 'step', 'step-end')
SPACES = ('linear', 'log')
_ANCHOR = re.compile(r'^\d+$')
_OFFSET = re.compile(r'^([+-])([1-9]\d*)$')
_FRACTION = re.compile(r'^([+-])(0?\.\d+)$')


class ScheduleError(ValueError):
    """A schedule that cannot be used, located by file, line and column."""

    def __init__(self, source: str, message: str, line: int | None = None, column: str | None = None):
        where = source + (f', line {line}' if line else '') + (f', column {column!r}' if column else '')
        super().__init__(f'{where}: {message}')
        self.source, self.line, self.column = source, line, column


def minimum_jerk(tau: np.ndarray) -> np.ndarray:
    """Quintic ease from rest to rest: zero velocity and acceleration at both ends."""
    return tau**3 * (10 - 15 * tau + 6 * tau**2)


def _ease(kind: str, tau: np.ndarray) -> np.ndarray:
    if kind == 'minjerk':
        return minimum_jerk(tau)
    if kind == 'linear':
        return tau
    return (tau >= 1).astype(np.float64)  # step / step-end: jump at the end


@dataclass(frozen=True)
class Track:
    """One scheduled property: its filled keyframes `(step, value)` in order, and how to ease between them."""

    name: str
    keys: tuple[tuple[int, float], ...]
    easing: str = 'minjerk'
    space: str = 'linear'

    def resolve(self, length: int) -> np.ndarray:
        """The value at every step `0 … length − 1`."""
        out = np.empty(length, dtype=np.float64)
        if not self.keys:
            out[:] = 0.0
            return out
        fwd = (lambda v: math.log(max(v, 1e-10))) if self.space == 'log' else (lambda v: v)
        inv = np.exp if self.space == 'log' else (lambda v: v)
        current = self.keys[0][1]  # a column's first filled cell holds from step 0
        out[: self.keys[0][0] + 1] = current
        for (t0, _), (t1, target) in zip(self.keys, self.keys[1:]):
            if abs(current - target) <= 1e-8 + 1e-5 * abs(target):  # np.isclose, as upstream
                out[t0 : t1 + 1] = current  # already there: no transition (upstream holds)
                continue
            if t1 > t0:
                tau = (np.arange(t0, t1 + 1) - t0) / (t1 - t0)
                y0, y1 = fwd(current), fwd(target)
                out[t0 : t1 + 1] = inv(y0 + (y1 - y0) * _ease(self.easing, tau))
            out[t1] = target
            current = target
        out[self.keys[-1][0] :] = current
        return out


@dataclass(frozen=True)
class KeyframeSchedule:
    """A parsed dopesheet: tracks by name and the number of steps (last keyframe step + 1)."""

    source: str
    tracks: dict[str, Track]
    length: int
    steps: tuple[int, ...]  # resolved STEP of each row, in file order

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.tracks)

    def values(self, name: str) -> np.ndarray:
        """Value of one property at every step."""
        return self.tracks[name].resolve(self.length)

    def at(self, name: str, step: int) -> float:
        return float(self.values(name)[step])

    def per_batch(self, name: str, n_batches: int, *, offset_quirk: bool = True) -> np.ndarray:
        """Value used by each training batch.

        With `offset_quirk` (upstream behaviour, the default) batch j uses step `min(j, length − 2)`:
        the schedule advances after Lightning has already counted the batch, so the final keyframe
        step is never applied. Without it, batch j uses step `min(j, length − 1)`.
        """
        last = self.length - (2 if offset_quirk else 1)
        idx = np.minimum(np.arange(n_batches), max(last, 0))
        return self.values(name)[idx]

    def table(self) -> dict[str, np.ndarray]:
        return {name: self.values(name) for name in self.tracks}

    def keyframes(self) -> list[dict[str, float | int]]:
        """Filled cells as rows `{STEP, name: value, …}` (for a Markdown table of the schedule)."""
        rows: dict[int, dict[str, float | int]] = {}
        for track in self.tracks.values():
            for step, value in track.keys:
                rows.setdefault(step, {'STEP': step})[track.name] = value
        return [rows[s] for s in sorted(rows)]

    @classmethod
    def from_csv(cls, path: str | Path) -> KeyframeSchedule:
        path = Path(path)
        with path.open(newline='') as f:
            return cls.parse(f.read(), source=str(path))

    @classmethod
    def parse(cls, text: str, source: str = '<schedule>') -> KeyframeSchedule:
        reader = csv.reader(text.splitlines())
        try:
            header = next(reader)
        except StopIteration:
            raise ScheduleError(source, 'the file is empty') from None
        header = [h.strip() for h in header]
        if 'STEP' not in header:
            raise ScheduleError(source, 'no STEP column', line=1)
        props = [(i, *_parse_header(h, source)) for i, h in enumerate(header) if h not in RESERVED]
        names = [p[1] for p in props]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ScheduleError(source, f'duplicate column {sorted(dupes)[0]!r}', line=1)

        rows: list[tuple[int, str, list[str]]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):  # a short row was once padded silently: a lost comma moves every cell after it
                raise ScheduleError(source, f'{len(cells)} cells but {len(header)} columns; give every column a cell (an empty one '
                                            'where there is no keyframe)', line=reader.line_num)
            rows.append((reader.line_num, cells[header.index('STEP')].strip(), cells))
        if not rows:
            raise ScheduleError(source, 'no keyframes')

        steps = _resolve_steps([(line, step) for line, step, _ in rows], source)
        for (line, _, _), prev, step in zip(rows[1:], steps, steps[1:]):
            if step < prev:
                raise ScheduleError(source, f'keyframes run backwards: this row is step {step}, after step {prev}', line=line, column='STEP')

        tracks = {}
        for col, name, space, easing in props:
            keys = []
            for (line, _, cells), step in zip(rows, steps):
                cell = cells[col].strip()
                if not cell:
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    raise ScheduleError(source, f'{cell!r} is not a number', line=line, column=header[col]) from None
                if not math.isfinite(value):
                    raise ScheduleError(source, f'{cell!r} is not finite', line=line, column=header[col])
                keys.append((step, value))
            tracks[name] = Track(name, tuple(keys), easing=easing, space=space)
        return cls(source=source, tracks=tracks, length=max(steps) + 1, steps=tuple(steps))


def _parse_header(h: str, source: str) -> tuple[str, str, str]:
    """`name[:space[:easing]]` with empty parts taking the defaults."""
    parts = h.split(':')
    if len(parts) > 3 or not parts[0]:
        raise ScheduleError(source, f'bad column header {h!r}: expected name[:space[:easing]]', line=1)
    name = parts[0]
    space = (parts[1] if len(parts) > 1 else '') or 'linear'
    easing = (parts[2] if len(parts) > 2 else '') or 'minjerk'
    if space not in SPACES:
        raise ScheduleError(source, f'unknown space {space!r} (expected one of {SPACES})', line=1, column=h)
    if easing not in EASINGS:
        raise ScheduleError(source, f'unknown easing {easing!r} (expected one of {EASINGS})', line=1, column=h)
    return name, space, easing


def _resolve_steps(rows: list[tuple[int, str]], source: str) -> list[int]:
    """Absolute steps of each row; relative rows refer to the nearest absolute rows in file order."""
    anchors = [int(s) if _ANCHOR.match(s) else None for _, s in rows]
    steps = []
    for i, (line, text) in enumerate(rows):
        if anchors[i] is not None:
            steps.append(anchors[i])
            continue
        prev = next((a for a in reversed(anchors[:i]) if a is not None), None)
        nxt = next((a for a in anchors[i + 1 :] if a is not None), None)
        if m := _OFFSET.match(text):
            sign, n = m.group(1), int(m.group(2))
            base = prev if sign == '+' else nxt
            if base is None:
                raise ScheduleError(source, f'{text!r} needs an absolute step {"above" if sign == "+" else "below"} it', line=line, column='STEP')
            step = base + n if sign == '+' else base - n
        elif m := _FRACTION.match(text):
            sign, f = m.group(1), float(m.group(2))
            if prev is None or nxt is None or not 0 < f < 1:
                raise ScheduleError(source, f'{text!r} needs absolute steps above and below it and 0 < fraction < 1', line=line, column='STEP')
            step = round(prev + f * (nxt - prev)) if sign == '+' else round(nxt - f * (nxt - prev))
        else:
            raise ScheduleError(source, f'{text!r} is not a step (expected 120, +10, -10 or +0.5)', line=line, column='STEP')
        steps.append(max(step, 0))
    return steps

