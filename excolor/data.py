"""Training data as in-memory tensors: every batch of a run is drawn up front.

A run's sample indices and hard labels are drawn once from the run's generator (epochs of
`epoch_size` draws with replacement, split into batches, the last one short), then served as
views. No DataLoader workers and no per-step collation: that is most of the speed-up over
the earlier codebase, and it makes the stream a pure function of the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, NamedTuple

import torch
from torch import Tensor

from excolor.labels import LabelRule, draw_labels, label_probabilities


class Batch(NamedTuple):
    x: Tensor  # [B, 3] RGB
    labels: dict[str, Tensor]  # each [B], values in {0, 1}


@dataclass(frozen=True)
class ColorDataset:
    """Colours to sample from, how to weight them, and which labels they carry."""

    colors: Tensor  # [N, 3] float32
    weights: Tensor | None  # [N] sampling weights; None = uniform
    rules: dict[str, LabelRule]
    epoch_size: int
    batch_size: int

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.epoch_size / self.batch_size)

    def probabilities(self) -> dict[str, Tensor]:
        return label_probabilities(self.colors, self.rules)

    def draw_indices(self, n: int, generator: torch.Generator) -> Tensor:
        if self.weights is None:
            return torch.randint(len(self.colors), (n,), generator=generator)
        return torch.multinomial(self.weights, n, replacement=True, generator=generator)

    def draw(self, n_batches: int, generator: torch.Generator) -> Batches:
        """The first `n_batches` batches of an endless sequence of epochs."""
        n_epochs = math.ceil(n_batches / self.batches_per_epoch)
        idx = self.draw_indices(n_epochs * self.epoch_size, generator)
        starts = [e * self.epoch_size + b * self.batch_size for e in range(n_epochs) for b in range(self.batches_per_epoch)]
        ends = [min(s + self.batch_size, (s // self.epoch_size + 1) * self.epoch_size) for s in starts]
        used = ends[n_batches - 1]
        idx = idx[:used]
        labels = {name: draw_labels(p[idx], generator) for name, p in sorted(self.probabilities().items())}
        return Batches(self.colors[idx], labels, tuple(zip(starts[:n_batches], ends[:n_batches])))


@dataclass
class Batches:
    """All samples of a run, concatenated, with the boundaries of each batch."""

    x: Tensor
    labels: dict[str, Tensor]
    bounds: tuple[tuple[int, int], ...]

    def to(self, device: torch.device | str) -> Batches:
        return Batches(self.x.to(device), {k: v.to(device) for k, v in self.labels.items()}, self.bounds)

    def __len__(self) -> int:
        return len(self.bounds)

    def __getitem__(self, j: int) -> Batch:
        s, e = self.bounds[j]
        return Batch(self.x[s:e], {k: v[s:e] for k, v in self.labels.items()})

    def __iter__(self) -> Iterator[Batch]:
        return (self[j] for j in range(len(self)))

    def inputs(self) -> list[Tensor]:
        """Every batch's colours `[B, 3]`, as views (the training loop's only per-step data)."""
        return [self.x[s:e] for s, e in self.bounds]

    def label_counts(self) -> dict[str, int]:
        """How many samples carried each label (the seeds log e.g. 87 red of 96 064)."""
        return {'n_total': len(self.x), **{k: int(v.sum().item()) for k, v in self.labels.items()}}


class ValidationDraws:
    """Each pass over it draws one fresh batch from its own generator (as the seed's sampler did)."""

    def __init__(self, dataset: ColorDataset, generator: torch.Generator, device: torch.device | str = 'cpu'):
        self.dataset, self.generator, self.device = dataset, generator, device

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[Batch]:
        batch = self.dataset.draw(1, self.generator)
        yield batch.to(self.device)[0]
