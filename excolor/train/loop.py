"""What both trainers share: the device, chunks of steps for Lightning, an in-memory logger, a quiet Lightning.

Each item Lightning hands a trainer's `training_step` is a *chunk* of consecutive optimizer
steps (manual optimization): a tiny model's step costs about as much as Lightning's per-batch
hooks, so amortising them over a chunk keeps Lightning within reach of a plain torch loop.
Results do not depend on the chunk size.
"""

from __future__ import annotations

import contextlib
import logging
import warnings

import pandas as pd
import torch
from lightning.pytorch.loggers import Logger
from lightning.pytorch.utilities import rank_zero_only

CHUNK = 50  # optimizer steps per Lightning batch


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


@contextlib.contextmanager
def quiet_lightning(quiet: bool):
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
