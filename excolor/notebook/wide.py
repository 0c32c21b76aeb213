"""One run of a wide sweep: a chunk of seeds of one experiment, trained together and evaluated together.

A wide profile (`wide:` in the params) runs its seeds in chunks, each a papermill run of
`book/experiments/wide.ipynb`: every variant is trained for all the chunk's seeds at once in
fast numerics (`excolor.train.wide`), then each seed's correlations are measured
(`excolor.measure.wide`). The chunk's `metrics.json` keeps every seed's numbers apart,
`{"seeds": {"<seed>": {...}}}`, so a seed stays addressable; the chunk's provenance covers them all.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pandas as pd
from IPython.display import Markdown

from excolor.train import floating_point
from excolor.train.wide import train_wide
from excolor.params.schema import Experiment, load_experiment
from excolor.measure.evaluation import metric_key
from excolor.notebook.experiment import params_path
from excolor.files import atomic_write_json
from excolor.notebook.page import FromParameters, output_folder, write_by_hand_provenance
from excolor.runs.layout import FLOATING_POINT, Layout, point_name
from excolor.measure.wide import wide_correlations


def run_chunk(experiment: Experiment, seeds: list[int]) -> dict[int, dict[str, float]]:
    """Every seed's metrics: correlations and score per variant, label counts, and its share of the time."""
    out: dict[int, dict[str, float]] = {s: {'seed': float(s), 'numerics_fast': 1.0} for s in seeds}
    many = len(experiment.variants) > 1
    for name in experiment.variants:
        prefix = f'{metric_key(name)}_' if many else ''
        t0 = time.perf_counter()
        trained = train_wide(experiment.train_config(name), seeds)
        correlations = wide_correlations(trained.models, experiment.evaluation, name, prefix)
        seconds = (time.perf_counter() - t0) / len(seeds)
        for seed, metrics, counts in zip(seeds, correlations, trained.label_counts):
            out[seed] |= metrics | {f'{prefix}labels_{metric_key(k)}': float(v) for k, v in counts.items()} | {f'{prefix}train_seconds': seconds}
    return out


class ChunkPage(FromParameters):
    """The wide notebook for one chunk of seeds, writing into its run folder (as `RunPage` for one seed)."""

    def __init__(self, experiment: str, profile: str, seeds: list[int], out_dir: str = '', params_dir: str = '',
                 overrides: Mapping[str, Any] | None = None):
        self.experiment = load_experiment(params_path(experiment, params_dir or None), overrides)
        self.profile, self.seeds = profile, [int(s) for s in seeds]
        self.by_hand = not out_dir
        self.out = output_folder(out_dir, Layout.make().by_hand_chunk_dir(profile, point_name(self.experiment), self.seeds))
        self.metrics: dict[int, dict[str, float]] = {}

    def run(self) -> pd.DataFrame:
        """Train and evaluate the chunk; save `metrics.json`; one row per seed."""
        started = datetime.now(timezone.utc)
        self.metrics = run_chunk(self.experiment, self.seeds)
        atomic_write_json(self.out / 'metrics.json', {'seeds': {str(s): m for s, m in self.metrics.items()}})
        atomic_write_json(self.out / FLOATING_POINT, floating_point.state().as_dict())
        if self.by_hand:
            write_by_hand_provenance(self.out, self.experiment, self.profile, self.seeds, started)
        return pd.DataFrame.from_dict(self.metrics, orient='index').set_index('seed')

    def describe(self) -> Markdown:
        e = self.experiment
        return Markdown(f'**{e.title}** (`{e.id}`), seeds {self.seeds[0]}–{self.seeds[-1]} ({len(self.seeds)} trained together, '
                        f'fast numerics), profile `{self.profile}`.')
