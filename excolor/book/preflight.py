"""Before building: are the runs the book needs there and up to date? Asks the sweep runner.

`excolor.runs.check(profile, experiments)` knows what "stale" means (parameters, templates and
code changed since a run); the book only refuses to build on its answer.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import shlex
from pathlib import Path

from excolor.book.layout import RUNS_DIR


class RunsNotReady(RuntimeError):
    """Runs are missing or stale; the message lists which."""


def runner_available() -> bool:
    return importlib.util.find_spec('excolor.runs') is not None


def problems(profile: str, experiments: list[str], runs_dir: Path = RUNS_DIR, summaries: bool = True, studies: list[str] | None = None) -> list[str] | None:
    """Readable problems from `excolor.runs.check` (empty: all fresh), or None if there is no runner."""
    if not runner_available():
        return None
    check = importlib.import_module('excolor.runs').check
    if inspect.ismodule(check):  # once `excolor.runs.check` is imported, the package attribute is that module
        check = check.check
    kwargs: dict = {} if summaries else {'summaries': False}
    if studies:
        kwargs['studies'] = studies
    params = inspect.signature(check).parameters
    if 'runs_dir' in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs['runs_dir'] = runs_dir
    elif Path(runs_dir).resolve() != RUNS_DIR.resolve():
        raise RunsNotReady(f'excolor.runs.check only knows {RUNS_DIR}; to build from {runs_dir}, pass --skip-check')
    return [str(p) for p in check(profile, experiments, **kwargs)]


def require_fresh_runs(profile: str, experiments: list[str], runs_dir: Path = RUNS_DIR, summaries: bool = True,
                       studies: list[str] | None = None) -> str:
    """Raise `RunsNotReady` listing every missing or stale run (of `experiments`, or of `studies`' points); otherwise say what was checked."""
    found = problems(profile, experiments, runs_dir, summaries, studies)
    if found is None:
        return 'excolor.runs is not installed: not checking for stale runs (only that the files exist)'
    if found:
        if Path(runs_dir).resolve() == RUNS_DIR.resolve():
            hint = f'run `python -m excolor.runs --profile {profile}{"" if summaries else " --no-summary"}` (or `make runs`) first'
        else:  # the same folder the book reads, or the hint fills another one
            hint = f'run `{shlex.join(["python", "-m", "excolor.runs", "--profile", profile, "--runs-dir", str(runs_dir)])}` first'
        raise RunsNotReady(f'{len(found)} run(s) missing or stale for profile {profile!r}; {hint}:\n  ' + '\n  '.join(found))
    return f'runs are fresh for profile {profile!r}: {", ".join(experiments or [f"study {s}" for s in studies or []])}'
