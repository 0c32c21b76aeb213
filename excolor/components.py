"""The pieces of one run, built from its config: model, regularizers, the pre-drawn data stream, schedule tables.

Everything random is drawn here, in a fixed order, from the run's seed: the model's initial
weights (torch's global RNG, as upstream), then the data stream (the run's own generator).
"""

from __future__ import annotations

import logging
import random

import numpy as np
import torch
from torch import nn

from excolor.config import DataSpec, ModelSpec, RgbGrid, TrainConfig
from excolor.data import Batches, ColorDataset, ValidationDraws
from excolor.models import CNColorMLP, ColorMLP
from excolor.regularizers import TERMS, Regularizer

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


def build_dataset(spec: DataSpec) -> ColorDataset:
    grid = spec.grid.build()
    rgb = grid.flat('color')
    weights = grid.flat('bias') if spec.sampling == 'bias' else None
    if isinstance(spec.grid, RgbGrid) and spec.grid.extra_points:
        rgb = np.concatenate([rgb, np.asarray(spec.grid.extra_points)])
        weights = None if weights is None else np.concatenate([weights, np.ones(len(spec.grid.extra_points))])
    colors = torch.as_tensor(rgb, dtype=torch.float32)
    w = None if weights is None else torch.as_tensor(weights, dtype=torch.float64)
    rules = {name: lab.rule() for name, lab in spec.labels.items()}
    return ColorDataset(colors, w, rules, spec.epoch_size or len(colors), spec.batch_size)


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


def prepare(config: TrainConfig, seed: int, device: torch.device) -> tuple[nn.Module, list[Regularizer], Batches, ValidationDraws | None]:
    """Seeded model, regularizers and the whole pre-drawn data stream of one run."""
    seed_everything(seed)
    model = build_model(config.model)  # draws from the global RNG: first, as upstream
    regs = build_regularizers(config.regularizers)
    gen = torch.Generator().manual_seed(seed)
    n = config.schedule.length
    batches = build_dataset(config.training.data).draw(n, gen).to(device)
    val = None
    if config.training.validation:
        val_gen = torch.Generator().manual_seed(seed + 1_000_003)
        val = ValidationDraws(build_dataset(config.training.validation.data), val_gen, device)
    return model, regs, batches, val


