"""The reproduction report: every printed number beside our run, and every claim of sameness worded by what this build measured.

Nothing here says "bit-identical" unless the build compared the bits: the original code's
re-run (`tools/upstream-rerun`, in the pinned environment) is set beside our runs number by
number, the final weights of the seeds whose training was recorded are compared with the
weights our runs saved, the floating-point environment each run computed in is read from its
folder, and the numeric drift comes from the drift runs of this build (`excolor.runs.drift`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from excolor.train import floating_point
from excolor.runs.drift import MetricDrift, load_drift, metric_drift, tolerances
from excolor.measure.reproduction import DIFFERS, DRIFT, IDENTICAL, NOT_RUN, RERUN_MATCH, Row, compare_all, load_published, load_reruns, load_runs, tally
from excolor.runs.layout import FLOATING_POINT, seed_folder_name

DRIFT_THRESHOLD = 0.01  # a move of r this large would change the paper's second decimal


@dataclass(frozen=True)
class Recorded:
    """The original code's final weights for one seed (`book/data/upstream-ex-2.9.1-pinned-seed<S>.npz`), against ours."""

    seed: int
    equal: bool | None  # None: our profile did not run this seed


def recorded_weights(recordings: list[Path], run_dir: Path) -> list[Recorded]:
    """Each recording's final weights against the weights our run of that seed saved (`models/main.pt`)."""
    out = []
    for path in sorted(recordings):
        seed = int(path.stem.rsplit('seed', 1)[1])
        saved = run_dir / seed_folder_name(seed) / 'models' / 'main.pt'
        if not saved.exists():
            out.append(Recorded(seed, None))
            continue
        ours = torch.load(saved, weights_only=True)
        with np.load(path) as rec:
            theirs = {k.removeprefix('final.'): rec[k] for k in rec.files if k.startswith('final.')}
        out.append(Recorded(seed, set(ours) == set(theirs) and all(np.array_equal(ours[k].numpy(), theirs[k]) for k in ours)))
    return out


def run_environments(profile_dir: Path, folders: Iterable[str] = ()) -> pd.DataFrame:
    """One row per run folder (of `folders` only, if given): whether it computed pinned, why not, and on which CPU (its `floating-point.json`)."""
    rows = []
    keep = set(folders)
    for path in sorted(Path(profile_dir).glob(f'*/*/{FLOATING_POINT}')):
        if keep and path.parent.parent.name not in keep:
            continue
        s = json.loads(path.read_text())
        rows.append({'experiment': path.parent.parent.name, 'run': path.parent.name, 'pinned': bool(s.get('pinned')), 'outside': s.get('outside'),
                     'cpu': f"{s.get('cpu', {}).get('vendor', '')} {s.get('cpu', {}).get('model', '')}".strip(),
                     'capability': s.get('torch_capability'), 'mkl': s.get('mkl_cbwr'), 'onednn': s.get('onednn')})
    return pd.DataFrame(rows, columns=['experiment', 'run', 'pinned', 'outside', 'cpu', 'capability', 'mkl', 'onednn'])


def _count(n: int, of: int, noun: str) -> str:
    return f'all {of} {noun}' if n == of and of > 1 else f'{n} of {of} {noun}'


class ReproductionPage:
    """Loads the printed numbers, our runs, the original code's re-runs and this build's drift runs, and words what they show."""

    def __init__(self, runs_dir: str | Path, profile: str, drift_profile: str, published: str | Path, upstream_rerun: str | Path,
                 upstream_seed0: str | Path, recordings: list[Path]):
        runs_dir = Path(runs_dir)
        self.profile = profile
        self.published = load_published(published)
        self.experiments = list(self.published['notebooks'])
        self.ours = {exp: load_runs(runs_dir / profile, exp) for exp in self.experiments}
        self.rerun = load_reruns(Path(upstream_rerun), Path(upstream_seed0))
        self.drift = load_drift(runs_dir, profile, drift_profile)
        self.tolerances = tolerances(self.drift)
        self.rows: list[Row] = compare_all(self.published['values'], self.ours, self.rerun, self.tolerances)
        self.counts = tally(self.rows)
        self.recorded = recorded_weights(recordings, runs_dir / profile / 'ex-2.9.1')
        self.environments = run_environments(runs_dir / profile)
        r291, ours291 = self.rerun['ex-2.9.1'], self.ours.get('ex-2.9.1', {})
        both = [s for s in ours291 if s in r291]
        self.seeds_compared = len(both)
        self.seeds_equal = sum(1 for s in both if all(abs(ours291[s][k] - v) <= RERUN_MATCH for k, v in r291[s].items()))
        self.same = [r.matches_rerun for r in self.rows if r.matches_rerun is not None]

    # ── what the paper glues ──────────────────────────────────────────────────────────────

    def ablation_drift(self) -> MetricDrift | None:
        try:
            return metric_drift(self.drift, 'ex-2.9.1', 'ablated_r', DRIFT_THRESHOLD)
        except ValueError:
            return None

    def environment_text(self) -> str:
        """Which floating-point environment this build's runs computed in, as measured in each run folder."""
        env = self.environments
        if env.empty:
            return 'No run of this build recorded its floating-point environment.'
        cpus = ', '.join(sorted(set(env.cpu)))
        outside = env[~env.pinned]
        if outside.empty:
            return (f'All {len(env)} runs of this build computed in the pinned floating-point environment '
                    f'({floating_point.ENVIRONMENTS[floating_point.PINNED].description}) on {cpus}.')
        reasons = '; '.join(f'{reason} ({n} runs)' for reason, n in Counter(outside.outside).most_common())
        return (f'{len(outside)} of {len(env)} runs of this build computed outside the pinned floating-point environment, on {cpus}: '
                f'{reasons}. Their numbers are this machine\'s; another machine may give other ones.')

    def fidelity_text(self) -> str:
        """How far our runs are the original code's own, in the words the comparison earned."""
        parts = []
        if self.seeds_compared:
            parts.append(f"Ex 2.9.1's ablation and suppression r equal the original code's re-run to six decimals for "
                         f'{_count(self.seeds_equal, self.seeds_compared, "seeds both ran")}')
        compared = [r for r in self.recorded if r.equal is not None]
        if compared:
            equal = [r.seed for r in compared if r.equal]
            seeds = ' and '.join(str(r.seed) for r in compared)
            if len(equal) == len(compared):
                parts.append(f'the final weights are bit-identical to the original run for the recorded seed{"s" if len(compared) > 1 else ""} {seeds}')
            else:
                parts.append(f'the final weights equal the original run bit for bit for {len(equal)} of the {len(compared)} recorded seeds ({seeds})')
        if self.same:
            parts.append(f'of the printed numbers whose notebook was re-run, {_count(sum(self.same), len(self.same), "equal ours")}')
        return '; '.join(parts) + '.' if parts else 'The original code was not re-run for any seed of this build.'

    def drift_text(self) -> str:
        """How far floating point alone moved ablation r in this build's drift runs."""
        d = self.ablation_drift()
        if d is None:
            return 'This build measured no drift runs of Ex 2.9.1.'
        envs = ' and '.join(d.environments)
        best = (f'the best of these seeds stays seed {d.best_pinned}' if not d.best_changes else
                'the best of these seeds changes (seed ' + ', '.join(f'{s} in {e}' for e, s in d.best_elsewhere.items()) + f', not {d.best_pinned})')
        return (f'Re-run in the {envs} floating-point environment{"s" if len(d.environments) > 1 else ""} of this machine, Ex 2.9.1\'s ablation r '
                f'moved by up to {d.largest:.3g} (median {d.median:.2g}) over {d.seeds} seeds; {d.over} of {d.seeds} moved by more than '
                f'{d.threshold:g}, {d.identical} not at all, and {best}.')

    def glue(self) -> None:
        from myst_nb import glue

        numbers = {'compared_count': len(self.rows), 'identical_count': self.counts[IDENTICAL], 'drift_count': self.counts[DRIFT],
                   'differs_count': self.counts[DIFFERS], 'not_run_count': self.counts[NOT_RUN], 'rerun_equal_count': sum(self.same),
                   'rerun_compared_count': len(self.same), 'rerun_seeds_equal': self.seeds_equal, 'rerun_seeds_run': self.seeds_compared,
                   'fidelity_text': self.fidelity_text(), 'environment_text': self.environment_text(), 'drift_text': self.drift_text()}
        for metric, tol in self.tolerances.get('ex-2.9.1', {}).items():
            numbers[f'drift_{metric}'] = tol
        for key, value in numbers.items():
            glue(key, value, display=False)

    def summary(self) -> str:
        per_exp = '; '.join(f'{exp}: ' + ', '.join(f'{n} {v}' for v, n in tally(self.rows, exp).items() if n)
                            for exp in self.experiments if tally(self.rows, exp)[NOT_RUN] < sum(r.experiment == exp for r in self.rows))
        return (f'Of {len(self.rows)} printed numbers, **{self.counts[IDENTICAL]} are identical** at the printed digits, '
                f'{self.counts[DRIFT]} are within numeric drift and {self.counts[DIFFERS]} differ; {self.counts[NOT_RUN]} concern seeds '
                f'the `{self.profile}` profile did not run. Per experiment: {per_exp}. {self.fidelity_text()} {self.environment_text()}')

    def drift_table(self) -> pd.DataFrame:
        """Per experiment and metric a printed number uses: seeds, the largest and median move (the verdicts' tolerance is the largest)."""
        judged = {(e['experiment'], e['metric']) for e in self.published['values']}
        d = self.drift[[(e, m) in judged for e, m in zip(self.drift.experiment, self.drift.metric)]]
        if d.empty:
            return pd.DataFrame()
        order = {exp: i for i, exp in enumerate(self.experiments)}
        d = d.assign(move=d.delta.abs(), order=d.experiment.map(order)).sort_values(['order', 'metric'])
        per_seed = d.groupby(['order', 'experiment', 'metric', 'seed'])['move'].max().reset_index()
        out = per_seed.groupby(['order', 'experiment', 'metric']).agg(seeds=('seed', 'nunique'), largest=('move', 'max'), median=('move', 'median'),
                                                            unmoved=('move', lambda m: int((m == 0).sum())))
        return out.reset_index().drop(columns='order')
