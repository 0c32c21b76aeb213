"""`make bench`: how fast training and evaluation run, written to `_build/bench.json`.

Measures ex-2.9.1 in one process, for both numerics (`exact`, the book's, and `fast`):

- a plain torch loop (no Lightning) over exactly the same model, stream, optimizer, loss and
  schedule, against our Lightning training of the same;
- the wall time per seed of training plus every ex-2.9.1 evaluation, and the same in exact
  numerics in a fresh process for the pinned floating-point environment and for torch's native one;
- the earlier codebase's way of training the same run: torch DataLoaders with worker processes
  re-spawned every epoch, Lightning's automatic optimization, one step per Lightning batch
  (`--upstream-steps` steps of it, scaled to a whole run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from excolor.train import floating_point
from excolor.train.adam import FlatAdam
from excolor.train.wide import WideAutoencoder, WideObjective, small_tensor_kernels
from excolor.train.components import build_loader, prepare, schedule_tables, torch_threads
from excolor.params.schema import Numerics, TrainConfig, load_experiment
from excolor.measure.evaluation import evaluate
from excolor.files import atomic_write_json
from excolor.train.loss import ExactLoss
from excolor.model.autoencoders import capture_outputs
from excolor.train.trainer import train

ROOT = Path(__file__).resolve().parents[2]  # the repository
NUMERICS: tuple[Numerics, ...] = ('exact', 'fast')


def _config(params: Path) -> TrainConfig:
    exp = load_experiment(params)
    return exp.train_config(next(iter(exp.variants)))


def plain_steps_per_s(params: Path, numerics: Numerics, seed: int = 0) -> float:
    """Steps/s of a raw torch loop: same model, stream, optimizer, loss and schedule; no Lightning."""
    cfg = _config(params)
    with small_tensor_kernels(1) if numerics == 'fast' else torch_threads(1):
        model, regs, stream = prepare(cfg, seed)
        batches = stream.batches
        weights, lr = schedule_tables(cfg, regs, len(batches))
        latents: dict = {}
        capture_outputs(model, sorted({r.layer for r in regs}), latents)
        lrs, inputs = lr.tolist(), batches.inputs()
        model.train()
        t0 = time.perf_counter()
        if numerics == 'exact':
            loss_fn, opt = ExactLoss(regs, weights, batches), torch.optim.Adam(model.parameters(), lr=1e-8)
            for step, x in enumerate(inputs):
                loss, _ = loss_fn(model(x), x, latents, batches[step].labels, step)
                opt.zero_grad()
                loss.backward()
                opt.param_groups[0]['lr'] = lrs[step]
                opt.step()
        else:
            wide, objective = WideAutoencoder([model]), WideObjective(regs, weights, [batches])
            flat = FlatAdam(wide.parameters(), lr=1e-8)
            for step, x in enumerate(inputs):
                y, lat = wide(x[None])
                loss, _ = objective(y, x[None], lat, step)
                flat.apply_views(torch.autograd.grad(loss, flat.views), lrs[step])
        return len(batches) / (time.perf_counter() - t0)


def wide_seed_steps_per_s(params: Path, seeds: int, steps: int = 100, start: int = 300) -> float:
    """Seed-steps/s of the wide trainer's step (fast numerics) with `seeds` seeds at once.

    Timed over `steps` steps from `start` (all terms active), without Lightning and without
    drawing the streams, so it is the step's own throughput.
    """
    cfg = _config(params)
    with small_tensor_kernels(1):
        prepared = [prepare(cfg, s) for s in range(seeds)]
        regs = prepared[0][1]
        streams = [stream.batches for _, _, stream in prepared]
        weights, lr = schedule_tables(cfg, regs, len(streams[0]))
        model, objective = WideAutoencoder([m for m, _, _ in prepared]), WideObjective(regs, weights, streams)
        inputs = torch.stack([s.x for s in streams])
        del prepared, streams
        opt, lrs = FlatAdam(model.parameters(), lr=1e-8), lr.tolist()

        def run(first: int, last: int) -> None:
            for step in range(first, last):
                s, e = objective.bounds[step]
                x = inputs[:, s:e]
                y, latents = model(x)
                loss, _ = objective(y, x, latents, step)
                opt.apply_views(torch.autograd.grad(loss, opt.views), lrs[step])

        run(0, 5)  # first-call costs
        t0 = time.perf_counter()
        run(start, start + steps)
        return seeds * steps / (time.perf_counter() - t0)


def lightning_steps_per_s(params: Path, numerics: Numerics, seed: int = 0) -> float:
    result = train(_config(params), seed, numerics=numerics, progress=False)
    return result.steps / result.seconds


def seconds_per_seed(params: Path, numerics: Numerics, seed: int) -> tuple[float, dict[str, float]]:
    """Train and run all evaluations of one seed; the wall time and its headline metrics."""
    t0 = time.perf_counter()
    exp = load_experiment(params)
    result = train(_config(params), seed, numerics=numerics, progress=False)
    metrics = evaluate(result.model, exp.evaluation).metrics()
    return time.perf_counter() - t0, metrics


def environment_seconds_per_seed(params: Path, environment: str, repeats: int) -> dict:
    """Exact train + evaluate per seed (median of seeds 0…repeats−1) in a fresh process computing in `environment`:
    its variables must be set before torch loads, so it cannot be measured in this process."""
    code = ('import json, statistics, sys\n'
            'from pathlib import Path\n'
            'from excolor.train import floating_point\n'
            'from excolor.bench.training import seconds_per_seed\n'
            'import torch; torch.set_num_threads(1)\n'
            f'seconds_per_seed(Path({str(params)!r}), "exact", 0)  # warm-up\n'
            f'times = [seconds_per_seed(Path({str(params)!r}), "exact", s)[0] for s in range({repeats})]\n'
            'print(json.dumps({"seconds_per_seed": statistics.median(times), "state": floating_point.state().as_dict()}))\n')
    done = subprocess.run([sys.executable, '-c', code], env=floating_point.process_environment(environment), capture_output=True, text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {'seconds_per_seed': out['seconds_per_seed'], 'pinned': out['state']['pinned'], 'torch_capability': out['state']['torch_capability'],
            'mkl_cbwr': out['state']['mkl_cbwr'], 'onednn': out['state']['onednn']}


class _UpstreamStyle(L.LightningModule):
    """One optimizer step per Lightning batch, automatic optimization, as the earlier codebase trained."""

    def __init__(self, model, regs, weights, lr):
        super().__init__()
        self.model, self.regs, self.lr = model, regs, lr.tolist()
        self.terms = torch.nn.ModuleList(r.term for r in regs)
        self.latents: dict = {}
        self.loss_fn = ExactLoss(regs, weights[: len(self.lr)], _NoBatches(len(self.lr)))
        capture_outputs(model, sorted({r.layer for r in regs}), self.latents)

    def training_step(self, batch, batch_idx):
        x, red = batch
        step = min(self.global_step, len(self.lr) - 1)
        loss, _ = self.loss_fn(self.model(x), x, self.latents, {'red': red}, step)
        self.log('train_loss', loss)
        return loss

    def on_before_optimizer_step(self, optimizer):
        optimizer.param_groups[0]['lr'] = self.lr[min(self.global_step, len(self.lr) - 1)]

    def configure_optimizers(self):
        return torch.optim.Adam(self.model.parameters(), lr=1e-8)


class _NoBatches:
    """Stand-in stream for ExactLoss: every step may carry a label (upstream computed every term)."""

    def __init__(self, n: int):
        self.labels, self.bounds = {}, tuple((0, 0) for _ in range(n))

    def __len__(self) -> int:
        return len(self.bounds)


def _collate_with_labels(items, probs):
    x = torch.stack([c for c, _ in items])
    p = torch.stack([q for _, q in items])
    return x, (torch.rand_like(p) < p).float()


def upstream_seconds_per_seed(params: Path, steps: int, seed: int = 0) -> float:
    """The earlier codebase's training loop (DataLoader workers, automatic optimization), scaled to a whole run."""
    import functools
    import warnings

    cfg = _config(params)
    model, regs, stream = prepare(cfg, seed)
    weights, lr = schedule_tables(cfg, regs, len(stream.batches))
    colors = build_loader(cfg.training.data).colors
    probs = torch.full((len(colors),), 0.001)  # about as rare as red
    data = TensorDataset(colors, probs)
    loader = DataLoader(data, batch_size=64, num_workers=4, sampler=RandomSampler(data, num_samples=len(data), replacement=True),
                        collate_fn=functools.partial(_collate_with_labels, probs=probs))
    module = _UpstreamStyle(model, regs, weights, lr)
    trainer = L.Trainer(max_steps=steps, logger=False, enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=False, num_sanity_val_steps=0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t0 = time.perf_counter()
        trainer.fit(module, loader)
        elapsed = time.perf_counter() - t0
    return elapsed * cfg.schedule.length / steps


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--params', type=Path, default=ROOT / 'params' / 'ex-2.9.1.yaml')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--upstream-steps', type=int, default=400, help='steps of the earlier codebase loop to time (0: skip)')
    ap.add_argument('--wide', type=int, nargs='*', default=[1, 10, 100, 1000], help='seeds trained together to time (fast numerics)')
    ap.add_argument('--out', type=Path, default=ROOT / '_build' / 'bench.json')
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    report: dict = {}
    for numerics in NUMERICS:
        lightning_steps_per_s(args.params, numerics)  # warm-up: imports, first-call costs
        plain, light = [], []
        for _ in range(args.repeats):  # interleaved, so both see the same machine load
            plain.append(plain_steps_per_s(args.params, numerics))
            light.append(lightning_steps_per_s(args.params, numerics))
        per_seed = [seconds_per_seed(args.params, numerics, seed) for seed in range(args.repeats)]
        report[numerics] = {
            'plain_steps_per_s': statistics.median(plain),
            'lightning_steps_per_s': statistics.median(light),
            'lightning_over_plain': statistics.median(light) / statistics.median(plain),
            'seconds_per_seed': statistics.median(t for t, _ in per_seed),
            'seconds_per_seed_all': [t for t, _ in per_seed],
            'seed_metrics': {seed: {k: m[k] for k in ('no_intervention_max_mse', 'ablated_r', 'suppression_r')} for seed, (_, m) in enumerate(per_seed)},
        }
    # The pinned floating-point environment against torch's native one, each in its own process, alternating.
    by_env: dict[str, list[dict]] = {'pinned': [], 'native': []}
    for _ in range(2):
        for env in by_env:
            by_env[env].append(environment_seconds_per_seed(args.params, env, args.repeats))
    report['exact_by_environment'] = {env: {**runs[-1], 'seconds_per_seed': statistics.median(r['seconds_per_seed'] for r in runs)}
                                      for env, runs in by_env.items()}
    if args.upstream_steps:
        upstream = upstream_seconds_per_seed(args.params, args.upstream_steps)
        report['upstream_style_seconds_per_seed'] = upstream
        report['exact_speedup_over_upstream_style'] = upstream / report['exact']['seconds_per_seed']
    if args.wide:
        rates = {str(n): wide_seed_steps_per_s(args.params, n) for n in args.wide}
        report['wide_seed_steps_per_s'] = rates
        if '1' in rates:
            report['wide_speedup_over_one'] = {n: r / rates['1'] for n, r in rates.items()}
    report |= {'threads': torch.get_num_threads(), 'cpu_count': os.cpu_count(), 'torch': torch.__version__, 'lightning': L.__version__,
               'python': platform.python_version(), 'machine': platform.machine()}
    prev = json.loads(args.out.read_text()) if args.out.exists() else {}
    atomic_write_json(args.out, {**prev, 'training': report})
    for numerics in NUMERICS:
        r = report[numerics]
        print(f'{numerics:>6}: plain {r["plain_steps_per_s"]:.0f} steps/s, Lightning {r["lightning_steps_per_s"]:.0f} steps/s '
              f'({r["lightning_over_plain"]:.2f} × plain), train + evaluate {r["seconds_per_seed"]:.2f} s per seed')
    for env, r in report['exact_by_environment'].items():
        print(f'exact, {env} floating point: train + evaluate {r["seconds_per_seed"]:.2f} s per seed '
              f'(ATen {r["torch_capability"]}, MKL {r["mkl_cbwr"]}, oneDNN {"on" if r["onednn"] else "off"})')
    for n, rate in report.get('wide_seed_steps_per_s', {}).items():
        print(f'wide, {n:>4} seeds: {rate:.0f} seed-steps/s ({report["wide_speedup_over_one"].get(n, float("nan")):.1f} × one seed)')
    if args.upstream_steps:
        print(f'upstream-style loop: {report["upstream_style_seconds_per_seed"]:.1f} s per seed (exact is {report["exact_speedup_over_upstream_style"]:.1f} × faster)')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
