"""Training: a LightningModule for the anchored autoencoder, and `train(config, seed)`.

Two numerics, one stream (`excolor.data.stream`: upstream's draws, replayed):

- `exact` (the default, and the book's): upstream's floating-point operations: its loss
  (`excolor.train.loss`), torch's Adam as upstream configured it. In the same floating-point
  environment (`excolor.train.floating_point`) the final weights are bit-identical to the earlier
  codebase's own runs on the same torch.
- `fast`: the same mathematics in the wide trainer (`excolor.train.wide`), which trains one
  seed or a thousand at once with the same bits per seed: Adam's fused kernel, torch's native
  kernels for tiny tensors. Rounding differs in the last bits, so runs drift apart from the
  exact ones over training.

Either way the per-step work is only the model and the terms: batches are pre-drawn tensors,
the schedule is a pre-resolved table indexed by step, Lightning's per-batch hooks run once
per chunk of steps (`excolor.train.loop`), and metrics reach the logger every `log_every` steps.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from excolor.train import floating_point
from excolor.train.components import prepare, schedule_tables, torch_threads
from excolor.params.schema import Numerics, TrainConfig
from excolor.data.stream import Batch, Batches
from excolor.files import atomic_write_text
from excolor.train.loop import CHUNK, MemoryLogger, StepChunks, pick_device, quiet_lightning
from excolor.train.loss import ExactLoss
from excolor.model.autoencoders import capture_outputs
from excolor.model.regularizers import Regularizer

log = logging.getLogger(__name__)

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
        self.loss = ExactLoss(regularizers, weights, batches)
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
        return torch.optim.Adam(self.model.parameters(), lr=1e-8)  # as upstream; the schedule sets lr

    def transfer_batch_to_device(self, batch, device: torch.device, dataloader_idx: int):
        if isinstance(batch, Batch):  # a validation batch
            return Batch(batch.x.to(device), {k: v.to(device) for k, v in batch.labels.items()})
        return batch  # a (start, stop) range of steps over batches already on the device

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)

    def training_step(self, chunk: tuple[int, int], batch_idx: int) -> None:
        opt = self.optimizers().optimizer  # the raw torch optimizer: no per-step hooks
        for step in range(*chunk):
            log = (step + 1) % self.log_every == 0 or step == self._last
            x = self.inputs[step]
            loss, logged = self.loss(self.model(x), x, self.latents, self.batches[step].labels, step, log=log)
            opt.zero_grad()
            loss.backward()
            for group in opt.param_groups:
                group['lr'] = self._lr[step]
            opt.step()
            if log:
                if not math.isfinite(logged['loss']):
                    raise FloatingPointError(f'loss is {logged["loss"]} at step {step}; terms: {logged}')
                self.logger.log_metrics({f'train_{k}': v for k, v in logged.items()} | {'lr': self._lr[step]}, step=step)
        self.steps_done = chunk[1]

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

    `numerics` overrides the params' `training.numerics`: `exact` trains here, `fast` in the
    wide trainer (`excolor.train.wide`) with one seed. `threads=1` is fastest for these tiny
    models, and it is what keeps a run the same on any machine: for ex-2.9 and 2.10 two threads
    round the bottleneck layer's weight gradient differently from the first step
    (`tools/upstream-rerun/README.md`). `None` leaves torch's setting alone.
    `progress=None` shows a bar only on an interactive terminal. `log_csv` also writes the
    training log there (the log is always in the result).
    """
    numerics = numerics or config.training.numerics
    show = sys.stderr.isatty() if progress is None else progress
    if numerics == 'fast':
        from excolor.train.wide import train_wide  # the wide trainer builds on this module's pieces

        wide = train_wide(config, [seed], threads=threads, device=device, progress=show)
        result = TrainingResult(wide.models[0], wide.log, wide.label_counts[0], wide.seconds, wide.steps, seed, config, 'fast')
    else:
        result = _train_exact(config, seed, show, threads, device)
    if log_csv:
        result.save_log(log_csv)
    return result


def _train_exact(config: TrainConfig, seed: int, show: bool, threads: int | None, device: str | None) -> TrainingResult:
    t0 = time.perf_counter()
    dev = torch.device(device) if device else pick_device()
    floating_point.require(dev.type)
    with torch_threads(threads):
        model, regs, stream = prepare(config, seed)
        batches = stream.batches
        weights, lr = schedule_tables(config, regs, len(batches))
        module = AnchoredAutoencoder(model, regs, batches, weights, lr, config.training.log_every)
        logger = MemoryLogger()
        val = config.training.validation
        # Validation every `every` steps must fall on a chunk boundary.
        size = math.gcd(CHUNK, val.every) if val else CHUNK
        with quiet_lightning(not show):
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
            passes = ValidationPasses(stream.validation) if val else None
            trainer.fit(module, train_dataloaders=StepChunks(len(batches), size), val_dataloaders=passes)
    model = module.model.cpu().eval()
    return TrainingResult(model, logger.frame(), batches.label_counts(), time.perf_counter() - t0, len(batches), seed, config, 'exact')


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
