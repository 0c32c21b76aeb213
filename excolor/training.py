"""Training: a LightningModule for the anchored autoencoder, and `train(config, seed)`.

Two numerics, one stream (`excolor.data`: upstream's draws, replayed):

- `exact` (the default, and the book's): upstream's floating-point operations: its loss
  (`excolor.loss`), torch's Adam as upstream configured it, oneDNN on. The final weights are
  bit-identical to the earlier codebase's own runs on the same torch.
- `fast`: the same mathematics, planned per run (`excolor.objective`), Adam's fused kernel
  (`excolor.adam`) and torch's native kernels for tiny tensors. Rounding differs in the last
  bits, so runs drift apart from the exact ones over training.

Either way the per-step work is only the model and the terms: batches are pre-drawn tensors,
the schedule is a pre-resolved table indexed by step, Lightning's per-batch hooks run once
per chunk of steps, and metrics reach the logger every `log_every` steps.
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
from typing import Iterator

import lightning as L
import numpy as np
import pandas as pd
import torch
from lightning.pytorch.loggers import Logger
from lightning.pytorch.utilities import rank_zero_only
from torch import Tensor, nn

from excolor.adam import FusedAdam
from excolor.components import prepare, schedule_tables, torch_threads
from excolor.config import Numerics, TrainConfig
from excolor.data import Batch, Batches
from excolor.files import atomic_write_text
from excolor.loss import ExactLoss
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

    def __init__(self, model: nn.Module, regularizers: list[Regularizer], batches: Batches, weights: np.ndarray, lr: np.ndarray, numerics: Numerics = 'exact', log_every: int = 50):
        super().__init__()
        self.automatic_optimization = False
        self.model = model
        self.regularizers = regularizers
        self.terms = nn.ModuleList(r.term for r in regularizers)  # buffers follow the device
        self.numerics = numerics
        if numerics == 'exact':
            self.exact_loss = ExactLoss(regularizers, weights, batches)
        else:
            self.objective = Objective(regularizers, weights, batches)
        self.batches = batches
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
        if self.batches.x.device != self.device:
            self.batches = self.batches.to(self.device)
            self.inputs = self.batches.inputs()

    def on_fit_end(self) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks = []

    def configure_optimizers(self) -> torch.optim.Optimizer:
        if self.numerics == 'exact':
            return torch.optim.Adam(self.model.parameters(), lr=1e-8)  # as upstream; the schedule sets lr
        return FusedAdam(self.model.parameters(), lr=1e-8)  # Adam's maths; see excolor.adam

    def transfer_batch_to_device(self, batch, device: torch.device, dataloader_idx: int):
        if isinstance(batch, Batch):  # a validation batch
            return Batch(batch.x.to(device), {k: v.to(device) for k, v in batch.labels.items()})
        return batch  # a (start, stop) range of steps over batches already on the device

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)

    def training_step(self, chunk: tuple[int, int], batch_idx: int) -> None:
        opt = self.optimizers().optimizer  # the raw torch optimizer: no per-step hooks
        take = self._exact_step if self.numerics == 'exact' else self._fast_step
        for step in range(*chunk):
            log_now = (step + 1) % self.log_every == 0 or step == self._last
            logged = take(opt, step, log_now)
            if log_now:
                if not math.isfinite(logged['loss']):
                    raise FloatingPointError(f'loss is {logged["loss"]} at step {step}; terms: {logged}')
                self.logger.log_metrics({f'train_{k}': v for k, v in logged.items()} | {'lr': self._lr[step]}, step=step)
        self.steps_done = chunk[1]

    def _exact_step(self, opt: torch.optim.Optimizer, step: int, log: bool) -> dict[str, float]:
        x = self.inputs[step]
        loss, logged = self.exact_loss(self.model(x), x, self.latents, self.batches[step].labels, step, log=log)
        opt.zero_grad()
        loss.backward()
        for group in opt.param_groups:
            group['lr'] = self._lr[step]
        opt.step()
        return logged

    def _fast_step(self, opt: FusedAdam, step: int, log: bool) -> dict[str, float]:
        x = self.inputs[step]
        loss, recon, terms = self.objective(self.model(x), x, self.latents, step, terms=log)
        opt.apply(torch.autograd.grad(loss, opt.params), self._lr[step])
        if not log:
            return {}
        return {'loss': loss.item(), 'recon': recon.item(), **{k: v.item() for k, v in terms.items()}}

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        x, labels = batch
        recon = nn.functional.mse_loss(self.model(x), x).mean()  # eval mode: clamped output
        metrics = {'val_loss': recon, 'val_recon': recon}
        for reg in self.regularizers:
            if reg.validate:
                term = reg.loss(self.latents[reg.layer], labels)
                if term is not None:
                    metrics[f'val_{reg.name}'] = term
        self.logger.log_metrics({k: v.item() for k, v in metrics.items()}, step=self.steps_done - 1)


class ValidationPasses:
    """Hands Lightning the next pre-drawn validation batch on each pass (one batch per pass, as upstream)."""

    def __init__(self, batches: list[Batch]):
        self.batches, self.passes = batches, 0

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[Batch]:
        batch = self.batches[self.passes]
        self.passes += 1
        yield batch


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
    numerics: Numerics = 'exact'

    def save_log(self, path: str | Path) -> None:
        atomic_write_text(path, self.log.to_csv(index=False))


def train(
    config: TrainConfig,
    seed: int,
    *,
    numerics: Numerics | None = None,
    progress: bool | None = None,
    threads: int | None = 1,
    device: str | None = None,
    log_csv: str | Path | None = None,
) -> TrainingResult:
    """Train one model for one seed; deterministic on the CPU for a given seed and config.

    `numerics` overrides the params' `training.numerics` (`exact` or `fast`). `threads=1` is
    fastest for these tiny models (and what the sweep runner uses); `None` leaves torch's
    setting alone. `progress=None` shows a bar only on an interactive terminal. `log_csv` also
    writes the training log there (the log is always in the result).
    """
    t0 = time.perf_counter()
    numerics = numerics or config.training.numerics
    dev = torch.device(device) if device else pick_device()
    kernels = small_tensor_kernels(threads) if numerics == 'fast' else torch_threads(threads)
    with kernels:
        model, regs, stream = prepare(config, seed)
        batches = stream.batches
        weights, lr = schedule_tables(config, regs, len(batches))
        module = AnchoredAutoencoder(model, regs, batches, weights, lr, numerics, config.training.log_every)
        logger = MemoryLogger()
        show = sys.stderr.isatty() if progress is None else progress
        val = config.training.validation
        # Validation every `every` steps must fall on a chunk boundary.
        size = math.gcd(CHUNK, val.every) if val else CHUNK
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
                num_sanity_val_steps=0,  # upstream's sanity check undid its own draws: it changes nothing
                val_check_interval=val.every // size if val else None,
                check_val_every_n_epoch=None if val else 1,
                limit_val_batches=1 if val else 0,
            )
            trainer.fit(module, train_dataloaders=work, val_dataloaders=ValidationPasses(stream.validation) if val else None)
    model = module.model.cpu().eval()
    result = TrainingResult(model, logger.frame(), batches.label_counts(), time.perf_counter() - t0, len(batches), seed, config, numerics)
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
    old_onednn = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False  # not mkldnn.flags(): it warns about Intel GPUs on every call
    try:
        with torch_threads(threads):
            yield
    finally:
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
