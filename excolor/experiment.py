"""One experiment for one seed: train every variant, evaluate every condition, collect the numbers.

This is what an experiment notebook calls; the sweep runner calls the notebook once per seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from excolor.config import Experiment, load_experiment
from excolor.evaluation import Evaluation, evaluate, metric_key
from excolor.training import TrainingResult, final_metrics, train

ROOT = Path(__file__).resolve().parent.parent
PARAMS_DIR = ROOT / 'params'


def params_path(experiment: str, params_dir: str | Path | None = None) -> Path:
    """`params/<experiment>.yaml` (or under another params folder)."""
    return Path(params_dir or PARAMS_DIR) / f'{experiment}.yaml'


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


def run_experiment(experiment: Experiment | str | Path, seed: int, *, progress: bool | None = None) -> ExperimentRun:
    """Train and evaluate every variant of an experiment with one seed (each variant re-seeded)."""
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    variants = {}
    for name in exp.variants:
        result = train(exp.train_config(name), seed, progress=progress)
        variants[name] = VariantRun(name, result, evaluate(result.model, exp.evaluation, name))
    return ExperimentRun(exp, seed, variants)
