"""`make bench`: how fast training and evaluation run, written to `_build/bench.json`.

Measures, in one process: a plain torch loop (no Lightning) over exactly the same model,
pre-drawn batches, Adam, regularizers and schedule as ex-2.9.1; our Lightning training of the
same; and the wall time per seed of training plus every 2.9.1 evaluation.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import lightning
import torch

from excolor.config import load_experiment
from excolor.evaluation import evaluate
from excolor.files import atomic_write_json
from excolor.models import capture_outputs
from excolor.adam import FusedAdam
from excolor.objective import Objective
from excolor.components import prepare, schedule_tables
from excolor.training import small_tensor_kernels, train

ROOT = Path(__file__).resolve().parent.parent


def plain_steps_per_s(params: Path, seed: int = 0) -> float:
    """Steps/s of a raw torch loop: same model, data, optimizer, regularizers and schedule."""
    exp = load_experiment(params)
    cfg = exp.train_config()
    with small_tensor_kernels(threads=1):
        model, regs, batches, _ = prepare(cfg, seed, torch.device('cpu'))
        weights, lr = schedule_tables(cfg, regs, len(batches))
        t0 = time.perf_counter()
        objective, lrs = Objective(regs, weights, batches), lr.tolist()
        latents: dict = {}
        capture_outputs(model, sorted({r.layer for r in regs}), latents)
        opt = FusedAdam(model.parameters(), lr=1e-8)
        params = opt.params
        model.train()
        for step, x in enumerate(batches.inputs()):
            loss, _, _ = objective(model(x), x, latents, step)
            opt.apply(torch.autograd.grad(loss, params), lrs[step])
        return len(batches) / (time.perf_counter() - t0)


def lightning_steps_per_s(params: Path, seed: int = 0) -> float:
    result = train(load_experiment(params).train_config(), seed, progress=False)
    return result.steps / result.seconds


def seconds_per_seed(params: Path, seed: int) -> tuple[float, dict[str, float]]:
    """Train and run all evaluations of one seed; the wall time and its headline metrics."""
    t0 = time.perf_counter()
    exp = load_experiment(params)
    result = train(exp.train_config(), seed, progress=False)
    metrics = evaluate(result.model, exp.evaluation).metrics()
    return time.perf_counter() - t0, metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--params', type=Path, default=ROOT / 'params' / 'ex-2.9.1.yaml')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--out', type=Path, default=ROOT / '_build' / 'bench.json')
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    lightning_steps_per_s(args.params)  # warm-up: imports, first-call costs
    plain, light = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        plain.append(plain_steps_per_s(args.params))
        light.append(lightning_steps_per_s(args.params))
    per_seed = [seconds_per_seed(args.params, seed) for seed in range(args.repeats)]
    report = {
        'plain_steps_per_s': statistics.median(plain),
        'lightning_steps_per_s': statistics.median(light),
        'lightning_over_plain': statistics.median(light) / statistics.median(plain),
        'seconds_per_seed': statistics.median(t for t, _ in per_seed),
        'seconds_per_seed_all': [t for t, _ in per_seed],
        'seed_metrics': {seed: {k: m[k] for k in ('no_intervention_max_mse', 'ablated_r', 'suppression_r')} for seed, (_, m) in enumerate(per_seed)},
        'plain_steps_per_s_all': plain,
        'lightning_steps_per_s_all': light,
        'threads': torch.get_num_threads(),
        'cpu_count': os.cpu_count(),
        'torch': torch.__version__,
        'lightning': lightning.__version__,
        'python': platform.python_version(),
        'machine': platform.machine(),
    }
    prev = {}
    if args.out.exists():
        import json

        prev = json.loads(args.out.read_text())
    atomic_write_json(args.out, {**prev, 'training': report})
    for k in ('plain_steps_per_s', 'lightning_steps_per_s', 'lightning_over_plain', 'seconds_per_seed'):
        print(f'{k:>24}: {report[k]:.3f}')
    print(f'{"":>24}  wrote {args.out}')


if __name__ == '__main__':
    main()
