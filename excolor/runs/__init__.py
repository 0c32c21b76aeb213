"""The sweep runner: every experiment's notebook for every seed of a profile, cached, resumable, on Dask.

    python -m excolor.runs --profile quick          # run what is missing or stale, then the summaries
    python -m excolor.runs check --profile full      # exit 1 if anything is missing or stale

Modules: `layout` (where things live), `keys` (cache keys), `plan` (jobs and their state),
`folders` (locks, atomic publishing), `kernelside`/`kernels`/`engine` (warm kernels and the
`excolor-warm` papermill engine), `task` (one job), `sweep` (Dask), `progress`, `check`,
`aggregate` (summaries over seeds), `sweep_page` (what a summary page shows), `drift` (seeds re-run in other
floating-point environments, beside the pinned ones), `cli`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from excolor.runs.check import Problem, check
    from excolor.runs.plan import Job, Plan, make_plan
    from excolor.runs.sweep import SweepResult, run_sweep

__all__ = ['Job', 'Plan', 'Problem', 'SweepResult', 'check', 'make_plan', 'run_sweep']

_HOMES = {'Problem': 'check', 'check': 'check', 'Job': 'plan', 'Plan': 'plan', 'make_plan': 'plan', 'SweepResult': 'sweep', 'run_sweep': 'sweep'}


def __getattr__(name: str) -> Any:
    """Import on use: `import excolor.runs` (papermill loads our engine through it) must stay light."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f'excolor.runs.{_HOMES[name]}'), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
