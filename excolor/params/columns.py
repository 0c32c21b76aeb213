"""Which schedule columns weight which regularizers, checked before anything trains.

A regularizer's weight comes from the schedule column of the same name. A column nobody reads,
or a regularizer without a column, silently changes the science: the regularizer then runs at
`training.unscheduled_weight` for every step. That is one of upstream's quirks (ex-2.2's
`reg-planar` is scheduled by a column misspelt `reg-polar`), so it stays possible, but only
where the params file asks for it by writing `unscheduled_weight:` itself; the default is not
consent. Every other case is an error naming the closest column. What is intended is still
reported: `notes()` gives the lines the runner prints and keeps in `provenance.json`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from excolor.params.schedule import KeyframeSchedule

TRAINING_COLUMNS = ('lr',)  # columns that training reads itself, not through a regularizer


@dataclass(frozen=True)
class ColumnUse:
    """The mismatches between an experiment's regularizers and its schedule's columns."""

    source: str  # the schedule CSV
    unscheduled: tuple[str, ...]  # regularizers with no column
    unused: tuple[str, ...]  # columns that neither training nor any regularizer reads
    weight: float | None  # what an unscheduled regularizer runs at (None: refused)
    asked: bool  # the params file writes `unscheduled_weight` itself

    def lookalike(self, regularizer: str) -> str | None:
        """The unused column that looks like a misspelling of `regularizer`, if any."""
        close = difflib.get_close_matches(regularizer, self.unused, n=1)
        return close[0] if close else None


def column_use(schedule: KeyframeSchedule, regularizers: Sequence[str], weight: float | None, asked: bool) -> ColumnUse:
    """How `regularizers` (names) and `schedule`'s columns meet; `weight` is `training.unscheduled_weight`, and `asked` says
    whether the params file wrote it itself (`Experiment.column_use` gathers these)."""
    return ColumnUse(
        source=str(schedule.source),
        unscheduled=tuple(n for n in regularizers if n not in schedule.tracks),
        unused=tuple(c for c in schedule.names if c not in regularizers and c not in TRAINING_COLUMNS),
        weight=weight,
        asked=asked,
    )


def problems(sched: KeyframeSchedule, use: ColumnUse) -> Iterator[str]:
    """A missing learning-rate column, a negative rate or weight, and regularizers that would run unscheduled unasked."""
    for column in TRAINING_COLUMNS:
        if column not in sched.tracks:
            close = [n for n in sched.names if n.lower() == column] or difflib.get_close_matches(column, sched.names, n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            yield f'{sched.source} has no {column!r} column: training reads its learning rate from it{hint}'
    for track in sched.tracks.values():
        for step, value in track.keys:
            if value < 0:
                what = 'a learning rate' if track.name in TRAINING_COLUMNS else 'a weight'
                yield f'{sched.source}: column {track.name!r} at step {step} is {value:g}: {what} must be ≥ 0'
    for name in use.unscheduled:
        close = use.lookalike(name)
        hint = f'; did you mean {close!r}, an unused column?' if close else ''
        if use.weight is None:
            yield f'{use.source} has no column for regularizer {name!r}{hint}'
        elif not use.asked:
            yield (f'{use.source} has no column for regularizer {name!r}{hint} Without one it would run at weight {use.weight:g} '
                   f'for every step; if that is meant, write `unscheduled_weight: {use.weight:g}` under `training:`')


def notes(experiment: str, use: ColumnUse) -> list[str]:
    """One line per intended fallback and per unused column: shown before a sweep runs, kept in provenance."""
    out = []
    explained = set()
    for name in use.unscheduled:
        close = use.lookalike(name)
        explained.add(close)
        looks = f" (the unused column {close!r} looks like its name)" if close else ''
        out.append(f'{experiment}: regularizer {name!r} has no schedule column{looks}; it runs at weight {use.weight:g} for every step, '
                   'as training.unscheduled_weight asks')
    out += [f'{experiment}: schedule column {c!r} of {use.source} is unused: no regularizer is named {c!r}'
            for c in use.unused if c not in explained]
    return out
