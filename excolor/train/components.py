"""The pieces of one run, built from its config: model, regularizers, the pre-drawn data stream, schedule tables.

Everything random is drawn here, in upstream's order, from the run's seed: the model's initial
weights, then the data stream (see `excolor.data.stream`), all from torch's global generator.
"""

from __future__ import annotations

import contextlib
import logging
import random
from functools import partial

import numpy as np
import torch
from torch import Tensor, nn

from excolor.params.schema import DataSpec, ModelSpec, RgbGrid, TrainConfig
from excolor.data.stream import Loader, Stream, draw_run
from excolor.data.labels import batch_probabilities, grid_probabilities, hsv_vibrancy
from excolor.model.autoencoders import CNColorMLP, ColorMLP
from excolor.model.regularizers import TERMS, Regularizer

log = logging.getLogger(__name__)


def build_model(spec: ModelSpec) -> nn.Module:
    if spec.kind == 'ColorMLP':
        return ColorMLP(spec.latent)
    return CNColorMLP(spec.latent, k_codec=spec.codec, n_nonlinear=spec.nonlinear, sigmoid_out=spec.sigmoid_out)


def build_regularizers(specs: list) -> list[Regularizer]:
    regs = []
    for s in specs:
        params = s.model_dump(exclude={'name', 'layer', 'labels', 'phases', 'term'})
        term = TERMS[s.term](**params)
        labels = None if s.labels is None else {lab: 1.0 for lab in s.labels}
        regs.append(Regularizer(s.name, term, s.layer, labels, train='train' in s.phases, validate='validate' in s.phases))
    return regs


def build_loader(spec: DataSpec) -> Loader:
    """Upstream's DataLoader for this data: its colours, sampler, workers and how labels are made."""
    grid = spec.grid.build()
    rgb = grid['color']
    weights = torch.as_tensor(grid.flat('bias').tolist(), dtype=torch.float64) if spec.sampling == 'bias' else None
    rules = {name: lab.rule() for name, lab in spec.labels.items()}
    if spec.probabilities == 'grid':
        probs = grid_probabilities(rgb, rules)
        if isinstance(spec.grid, RgbGrid) and spec.grid.extra_points:  # a second dataset, concatenated
            extra = np.asarray(spec.grid.extra_points, dtype=np.float64)
            more = grid_probabilities(extra, rules)
            probs = {k: torch.cat([p, more[k]]) for k, p in probs.items()}
            rgb = np.concatenate([grid.flat('color'), extra])
        colors = torch.as_tensor(rgb.reshape(-1, 3), dtype=torch.float32)
        labeller = partial(_index_probabilities, probs)
    else:
        colors = torch.as_tensor(rgb.reshape(-1, 3), dtype=torch.float32)
        vib = torch.as_tensor(hsv_vibrancy(rgb).reshape(-1), dtype=torch.float32)
        labeller = partial(_batch_probabilities, colors, vib, rules)
    draws = spec.epoch_size or len(colors)
    exact = all(lab.mode == 'exact' for lab in spec.labels.values()) and bool(spec.labels)
    return Loader(colors, labeller, draws, spec.batch_size, spec.workers, weights, exact, per_batch=spec.probabilities == 'batch')


def _index_probabilities(probs: dict[str, Tensor], idx: Tensor) -> dict[str, Tensor]:
    return {k: p[idx] for k, p in probs.items()}


def _batch_probabilities(colors: Tensor, vib: Tensor, rules: dict, idx: Tensor) -> dict[str, Tensor]:
    return batch_probabilities(colors[idx], vib[idx], rules)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (model initialisation draws from torch's global RNG)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def schedule_tables(config: TrainConfig, regularizers: list[Regularizer], n_batches: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-batch regularizer weights `[n, R]` and learning rates `[n]`."""
    sched, quirk = config.schedule, config.training.schedule_offset_quirk
    cols = []
    for r in regularizers:
        if r.name in sched.tracks:
            cols.append(sched.per_batch(r.name, n_batches, offset_quirk=quirk))
        else:
            log.warning('%s: regularizer %r has no schedule column; weight %s throughout', config.experiment, r.name, config.training.unscheduled_weight)
            cols.append(np.full(n_batches, config.training.unscheduled_weight, dtype=np.float64))
    weights = np.stack(cols, axis=1) if cols else np.zeros((n_batches, 0))
    lr = sched.per_batch('lr', n_batches, offset_quirk=quirk) if 'lr' in sched.tracks else np.full(n_batches, 1e-8)
    return weights, lr


def prepare(config: TrainConfig, seed: int) -> tuple[nn.Module, list[Regularizer], Stream]:
    """Seeded model, regularizers and the whole data stream of one run, drawn as upstream drew them.

    Seeding, then the model's initial weights, then every loader's draws, all from torch's
    global generator in that order; the global generator is left where the model left it.
    """
    seed_everything(seed)
    model = build_model(config.model)
    regs = build_regularizers(config.regularizers)
    gen = torch.Generator()
    gen.set_state(torch.random.get_rng_state())
    val = config.training.validation
    with torch_threads(1):  # elementwise kernels split work by thread: keep one rounding path
        stream = draw_run(
            build_loader(config.training.data),
            config.schedule.length,
            gen,
            build_loader(val.data) if val else None,
            val.every if val else 0,
        )
    return model, regs, stream


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Run with `n` torch threads (`None`: unchanged)."""
    old = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


