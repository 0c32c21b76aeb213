"""Training: a LightningModule for the anchored autoencoder, and `train(config, seed)`.

Fast because the per-step work is only the model and the terms: batches are pre-drawn
tensors (see `excolor.data`), the schedule is a pre-resolved table indexed by step,
Lightning's per-batch hooks run once per chunk of steps, and metrics reach the logger every
`log_every` steps.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.loggers import Logger
from lightning.pytorch.utilities import rank_zero_only
from torch import Tensor, nn

from excolor.components import prepare, schedule_tables
from excolor.config import TrainConfig
from excolor.data import Batch, Batches
from excolor.files import atomic_write_text
from excolor.adam import FusedAdam
from excolor.models import capture_outputs
from excolor.objective import Objective
from excolor.regularizers import Regularizer

log = logging.getLogger(__name__)

CHUNK = 50  # optimizer steps per Lightning batch (see AnchoredAutoencoder)


def pick_device() -> torch.device:
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


class MemoryLogger(Logger):
    """Keeps logged rows in memory; `frame()` gives the log, `write_csv()` saves it (atomically)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    @property
    def name(self) -> str:
        return 'excolor'

    @property
    def version(self) -> int:
        return 0

    @rank_zero_only
    def log_hyperparams(self, params, *args, **kwargs) -> None:
        pass

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.rows.append({'step': step, **metrics})

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows)
        if df.empty:
            return df
        return df.groupby('step', as_index=False).first()  # train and val rows of a step merge


class AnchoredAutoencoder(L.LightningModule):
    """Reconstruction loss plus scheduled, label-selected regularizers on named latent layers.

    Lightning runs the loop (devices, validation schedule, logging, progress), but each item it
    hands to `training_step` is a *chunk* of consecutive optimizer steps, which the module takes
    itself (manual optimization, raw optimizer). A tiny model's step costs about as much as
    Lightning's per-batch hooks, so amortising them over a chunk is what keeps Lightning within
    reach of a plain torch loop. Results do not depend on the chunk size.
    """

    def __init__(self, model: nn.Module, regularizers: list[Regularizer], batches: Batches, weights: np.ndarray, lr: np.ndarray, log_every: int = 50):
        super().__init__()
        self.automatic_optimization = False
        self.model = model
        self.regularizers = regularizers
        self.terms = nn.ModuleList(r.term for r in regularizers)  # buffers follow the device
        self.objective = Objective(regularizers, weights, batches)
        self.inputs = batches.inputs()
        self._lr = lr.tolist()
        self.log_every = log_every
        self.latents: dict[str, Tensor] = {}
        self._hooks: list = []
        self._last = len(self._lr) - 1
        self.steps_done = 0

    def __setattr__(self, name: str, value) -> None:
        # Lightning sets this on every hook call; nn.Module.__setattr__ is slow.
        if name == '_current_fx_name':
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def on_fit_start(self) -> None:
        layers = sorted({r.layer for r in self.regularizers})
        self._hooks = capture_outputs(self.model, layers, self.latents)

    def on_fit_end(self) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks = []

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return FusedAdam(self.model.parameters(), lr=1e-8)  # Adam's maths; see excolor.adam

    def transfer_batch_to_device(self, batch, device: torch.device, dataloader_idx: int):
        return batch  # step ranges, or views of tensors that already live on the device

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)

    def training_step(self, chunk: tuple[int, int], batch_idx: int) -> None:
        opt: FusedAdam = self.optimizers().optimizer  # the raw torch optimizer: no per-step hooks
        params = opt.params
        for step in range(*chunk):
            x = self.inputs[step]
            log_now = (step + 1) % self.log_every == 0 or step == self._last
            loss, recon, terms = self.objective(self.model(x), x, self.latents, step, terms=log_now)
            opt.apply(torch.autograd.grad(loss, params), self._lr[step])
            if log_now:
                if not torch.isfinite(loss):
                    raise FloatingPointError(f'loss is {loss.item()} at step {step}; terms: { {k: v.item() for k, v in terms.items()} }')
                metrics = {'train_loss': loss, 'train_recon': recon, **{f'train_{k}': v for k, v in terms.items()}}
                self.logger.log_metrics({k: v.item() for k, v in metrics.items()} | {'lr': self._lr[step]}, step=step)
        self.steps_done = chunk[1]

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        x, labels = batch
        recon = nn.functional.mse_loss(self.model(x), x)  # eval mode: clamped output
        metrics = {'val_loss': recon, 'val_recon': recon}
        for reg in self.regularizers:
            if reg.validate:
                term = reg.loss(self.latents[reg.layer], labels)
                if term is not None:
                    metrics[f'val_{reg.name}'] = term
        self.logger.log_metrics({k: v.item() for k, v in metrics.items()}, step=self.steps_done - 1)


class StepChunks:
    """`(start, stop)` step ranges that Lightning hands to `training_step` one at a time.

    A class, not a list: Lightning would read a list as several dataloaders.
    """

    def __init__(self, n_steps: int, size: int):
        self.ranges = [(s, min(s + size, n_steps)) for s in range(0, n_steps, size)]

    def __len__(self) -> int:
        return len(self.ranges)

    def __iter__(self):
        return iter(self.ranges)


@dataclass
class TrainingResult:
    """A trained model (eval mode, on the CPU), its training log and what the run saw."""

    model: nn.Module
    log: pd.DataFrame
    label_counts: dict[str, int]
    seconds: float
    steps: int
    seed: int
    config: TrainConfig

    def save_log(self, path: str | Path) -> None:
        atomic_write_text(path, self.log.to_csv(index=False))


def train(config: TrainConfig, seed: int, *, progress: bool | None = None, threads: int | None = 1, device: str | None = None, log_csv: str | Path | None = None) -> TrainingResult:
    """Train one model for one seed; deterministic on the CPU for a given seed and config.

    `threads=1` is fastest for these tiny models (and what the sweep runner uses); `None`
    leaves torch's setting alone. `progress=None` shows a bar only on an interactive terminal.
    `log_csv` also writes the training log there (the log is always in the result).
    """
    t0 = time.perf_counter()
    dev = torch.device(device) if device else pick_device()
    with small_tensor_kernels(threads):
        model, regs, batches, val = prepare(config, seed, dev)
        weights, lr = schedule_tables(config, regs, len(batches))
        module = AnchoredAutoencoder(model, regs, batches, weights, lr, config.training.log_every)
        logger = MemoryLogger()
        show = sys.stderr.isatty() if progress is None else progress
        # Validation every `every` steps must fall on a chunk boundary.
        size = math.gcd(CHUNK, config.training.validation.every) if val else CHUNK
        work = StepChunks(len(batches), size)
        with _quiet_lightning(not show):
            trainer = L.Trainer(
                max_epochs=1,
                accelerator='gpu' if dev.type == 'cuda' else 'cpu',
                devices=1,
                logger=logger,
                log_every_n_steps=1,  # we hand rows to the logger ourselves
                enable_checkpointing=False,
                enable_model_summary=False,
                enable_progress_bar=show,
                num_sanity_val_steps=0,
                val_check_interval=config.training.validation.every // size if val else None,
                check_val_every_n_epoch=None if val else 1,
                limit_val_batches=1 if val else 0,
            )
            trainer.fit(module, train_dataloaders=work, val_dataloaders=val)
    model = module.model.cpu().eval()
    result = TrainingResult(model, logger.frame(), batches.label_counts(), time.perf_counter() - t0, len(batches), seed, config)
    if log_csv:
        result.save_log(log_csv)
    return result


@contextlib.contextmanager
def small_tensor_kernels(threads: int | None = 1):
    """Torch settings for batches of 64 colours: `threads` CPU threads (`None`: unchanged), no oneDNN.

    oneDNN sets up each call: on a `[64, 16]` tensor its GELU costs ~16 µs forward and ~55 µs
    backward against ~5 and ~9 µs for torch's native kernels, which alone makes training ~1.7×
    faster. Deterministic either way; the choice only moves rounding in the last bits.
    """
    old_threads, old_onednn = torch.get_num_threads(), torch.backends.mkldnn.enabled
    if threads:
        torch.set_num_threads(threads)
    torch.backends.mkldnn.enabled = False  # not mkldnn.flags(): it warns about Intel GPUs on every call
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.backends.mkldnn.enabled = old_onednn


@contextlib.contextmanager
def _quiet_lightning(quiet: bool):
    """Silence Lightning's start-up banners and its advice about DataLoader workers (we have none)."""
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(n) for n in ('lightning.pytorch', 'lightning.fabric', 'pytorch_lightning')]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='.*(num_workers|does not have many workers|validation_step.*val_dataloader|LeafSpec).*')
        try:
            yield
        finally:
            for lg, lvl in zip(loggers, levels):
                lg.setLevel(lvl)


def final_metrics(log: pd.DataFrame) -> dict[str, float]:
    """Last logged value of every column (NaN-free), as the seeds' summaries report them."""
    out = {}
    for col in log.columns:
        if col == 'step':
            continue
        s = log[col].dropna()
        if len(s):
            out[col] = float(s.iloc[-1])
    return {k: v for k, v in out.items() if math.isfinite(v)}
