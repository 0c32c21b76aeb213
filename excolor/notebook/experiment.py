"""One experiment for one seed: train every variant, evaluate every condition, collect the numbers.

This is what an experiment notebook calls; the sweep runner calls the notebook once per seed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import torch
import pandas as pd

from excolor.train.components import build_model
from excolor.params.schema import Experiment, TrainConfig, load_experiment
from excolor.measure.evaluation import Evaluation, evaluate, metric_key
from excolor.files import atomic_write_bytes
from excolor.train.trainer import TrainingResult, final_metrics, train

def params_path(experiment: str, params_dir: str | Path | None = None) -> Path:
    """`params/<experiment>.yaml` (or under another params folder; default `$EXCOLOR_PARAMS`, else the repository's)."""
    from excolor.runs.layout import default_params_dir

    return Path(params_dir or default_params_dir()) / f'{experiment}.yaml'


@dataclass
class VariantRun:
    """One trained model and its evaluation."""

    name: str
    training: TrainingResult
    evaluation: Evaluation


@dataclass
class ExperimentRun:
    """Every variant of one experiment, trained with one seed."""

    experiment: Experiment
    seed: int
    variants: dict[str, VariantRun]

    def __getitem__(self, variant: str) -> VariantRun:
        return self.variants[variant]

    @property
    def main(self) -> VariantRun:
        """The variant the rest of the analysis uses (the last one, as in ex-2.3: the linear model)."""
        return list(self.variants.values())[-1]

    def metrics(self) -> dict[str, float]:
        """Every number a page may cite, flat. Variant names prefix keys when there are several."""
        out: dict[str, float] = {'seed': float(self.seed)}
        many = len(self.variants) > 1
        for v in self.variants.values():
            prefix = f'{metric_key(v.name)}_' if many else ''
            out.update(v.evaluation.metrics(prefix))
            for k, val in final_metrics(v.training.log).items():
                out[f'{prefix}final_{metric_key(k)}'] = val
            for label, n in v.training.label_counts.items():
                out[f'{prefix}labels_{metric_key(label)}'] = float(n)
            out[f'{prefix}train_seconds'] = v.training.seconds
        return out


def run_experiment(experiment: Experiment | str | Path, seed: int, *, progress: bool | None = None, trained: str | Path | None = None) -> ExperimentRun:
    """Train and evaluate every variant of an experiment with one seed (each variant re-seeded).

    `trained`: a run folder of this experiment and seed whose saved models (`models/`), training
    logs and label counts to take instead of training again (the showcase re-run of a seed the
    sweep already trained); the evaluation, and so every metric, is the same.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    variants = {}
    for name in exp.variants:
        cfg = exp.train_config(name)
        result = load_trained(cfg, seed, Path(trained), name, len(exp.variants) > 1) if trained else train(cfg, seed, progress=progress)
        variants[name] = VariantRun(name, result, evaluate(result.model, exp.evaluation, name))
    return ExperimentRun(exp, seed, variants)


def save_trained(run: ExperimentRun, folder: Path) -> None:
    """Each variant's weights as `models/<variant>.pt` (a few kB): a later run can evaluate them without training."""
    for v in run.variants.values():
        buffer = io.BytesIO()
        torch.save(v.training.model.state_dict(), buffer)
        atomic_write_bytes(folder / 'models' / f'{v.name}.pt', buffer.getvalue())


def load_trained(config: TrainConfig, seed: int, folder: Path, variant: str, prefixed: bool) -> TrainingResult:
    """A variant's training as a run folder recorded it: weights, log, label counts and time."""
    model = build_model(config.model)
    model.load_state_dict(torch.load(folder / 'models' / f'{variant}.pt', weights_only=True))
    log = pd.read_csv(folder / 'logs' / f'{variant}.csv')
    metrics = json.loads((folder / 'metrics.json').read_text())
    prefix = f'{metric_key(variant)}_' if prefixed else ''
    counts = {k.removeprefix(f'{prefix}labels_'): int(v) for k, v in metrics.items() if k.startswith(f'{prefix}labels_')}
    return TrainingResult(model.eval(), log, counts, metrics[f'{prefix}train_seconds'], config.schedule.length, seed, config, config.training.numerics)
