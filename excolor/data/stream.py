"""The earlier codebase's data stream, replayed draw for draw in one process.

Upstream trained from PyTorch DataLoaders with worker processes. All of their randomness is
deterministic given the seed, so a run's whole stream can be drawn up front, in the order
upstream drew it, without any worker (see `shared/reference/fidelity/README.md`):

1. per epoch, creating the loader iterator draws a *base seed* from the global generator;
2. the sampler then draws the epoch's indices: a weighted sampler calls `multinomial` on the
   global generator; a uniform sampler with replacement draws one seed from it and makes calls
   of `randint(n, (32,))` on a private generator seeded with that;
3. batch j of the epoch is collated by worker `j % workers`, whose torch generator was seeded
   with `base_seed + worker`; the collate function draws one `rand_like(p)` per label, in the
   labels' order, and a sample carries the label if `U < p`;
4. a validation pass is a loader of its own (steps 1 and 2, exact labels: no further draws);
   it runs after every `every` training steps, before the next epoch's loader when both fall
   at the same step.

`draw_run` returns every training batch and every validation batch of a run as
tensors; training then only takes views. The stream is a pure function of the generator's
state, which the caller sets from the run's seed after initialising the model (as upstream).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple

import torch
from torch import Tensor

Labeller = Callable[[Tensor], dict[str, Tensor]]  # sample indices → label probabilities (float32)


class Batch(NamedTuple):
    x: Tensor  # [B, 3] RGB
    labels: dict[str, Tensor]  # each [B], values in {0, 1}


def draw_seed(generator: torch.Generator) -> int:
    """One int64 draw, as DataLoader draws a base seed and RandomSampler its own seed."""
    return int(torch.empty((), dtype=torch.int64).random_(generator=generator).item())


@dataclass(frozen=True)
class Loader:
    """One of upstream's DataLoaders, reduced to what decides its random draws.

    `probabilities` maps sample indices to each label's probability, in the order upstream's
    collate function drew them; `per_batch` says they must be computed one batch at a time (a
    batch's float32 arithmetic, as the collate function did it), else once per epoch. `exact`
    labels (validation) are those probabilities as they are, with no draw.
    """

    colors: Tensor  # [N, 3] float32, in dataset order
    probabilities: Labeller
    draws: int  # samples per epoch
    batch_size: int
    workers: int
    weights: Tensor | None = None  # float64: WeightedRandomSampler; None: RandomSampler(replacement=True)
    exact: bool = False
    per_batch: bool = True

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.draws / self.batch_size)

    def epoch_indices(self, generator: torch.Generator) -> tuple[int, Tensor]:
        """The base seed and the sample indices of one epoch (what iterating the loader draws first).

        RandomSampler makes calls of `randint(n, (32,))`; the CPU kernel draws element by element,
        so one call for all of them draws the same numbers.
        """
        base_seed = draw_seed(generator)
        n = len(self.colors)
        if self.weights is not None:
            return base_seed, torch.multinomial(self.weights, self.draws, True, generator=generator)
        own = torch.Generator().manual_seed(draw_seed(generator))
        return base_seed, torch.randint(n, (self.draws,), generator=own)

    def epoch(self, generator: torch.Generator, n_batches: int | None = None) -> tuple[int, Batch, list[int]]:
        """One epoch's base seed, its first `n_batches` batches (all by default) as one labelled batch, and their sizes."""
        base_seed, idx = self.epoch_indices(generator)
        sizes = [len(c) for c in idx.split(self.batch_size)][:n_batches]
        idx = idx[: sum(sizes)]
        parts = idx.split(sizes)
        if self.per_batch:
            per_batch = [self.probabilities(part) for part in parts]
            probs = {k: torch.cat([p[k] for p in per_batch]) for k in per_batch[0]} if per_batch else {}
        else:
            probs = self.probabilities(idx)
        if self.exact or not probs:
            return base_seed, Batch(self.colors[idx], probs), sizes
        # Batch j is collated by worker j % workers: one rand_like per label, label after label.
        # A worker's draws for all its batches come from one call (the kernel draws element by element).
        names = list(probs)
        u_by_worker = [torch.rand(len(names) * sum(sizes[k :: self.workers]), generator=torch.Generator().manual_seed(base_seed + k))
                       for k in range(self.workers)]
        pieces, offsets = [], [0] * self.workers
        for j, n in enumerate(sizes):
            k = j % self.workers
            pieces.append(u_by_worker[k][offsets[k] : offsets[k] + len(names) * n].view(len(names), n))
            offsets[k] += len(names) * n
        u = torch.cat(pieces, dim=1)
        labels = {name: (u[i] < probs[name]).float() for i, name in enumerate(names)}
        return base_seed, Batch(self.colors[idx], labels), sizes


@dataclass(frozen=True)
class LoaderSeed:
    """A loader iterator that a run created: which loader (`n` colours), its base seed, and when."""

    n: int
    base_seed: int
    step: int  # index of the last training batch before it (−1: before training)


@dataclass
class Stream:
    """Every batch a run trains and validates on, and the loader seeds it drew."""

    batches: Batches
    validation: list[Batch]
    loaders: list[LoaderSeed]


def draw_run(train: Loader, n_steps: int, generator: torch.Generator, validation: Loader | None = None, every: int = 0) -> Stream:
    """The whole stream of a run of `n_steps` training batches, in upstream's order of draws.

    Validation (if any) runs after every `every` steps; at a step that also ends an epoch it
    draws before the next epoch's loader, as Lightning's loop does.
    """
    per_epoch = train.batches_per_epoch
    val_steps = set(range(every, n_steps + 1, every)) if validation is not None and every else set()
    epochs: list[Batch] = []
    sizes: list[int] = []
    val: list[Batch] = []
    loaders: list[LoaderSeed] = []

    def validate(step: int) -> None:
        seed, batch, _ = validation.epoch(generator, 1)
        val.append(batch)
        loaders.append(LoaderSeed(len(validation.colors), seed, step - 1))

    done = 0
    while done < n_steps:
        seed, epoch, epoch_sizes = train.epoch(generator, min(per_epoch, n_steps - done))
        loaders.append(LoaderSeed(len(train.colors), seed, done - 1))
        epochs.append(epoch)
        sizes += epoch_sizes
        start, done = done, done + len(epoch_sizes)
        # Mid-epoch validation draws after this epoch's loader; one that ends an epoch, before the next.
        for step in sorted(v for v in val_steps if start < v <= done):
            validate(step)
    ends = torch.tensor(sizes).cumsum(0).tolist()
    bounds = tuple(zip([0, *ends[:-1]], ends))
    names = epochs[0].labels.keys() if epochs else ()
    batches = Batches(torch.cat([e.x for e in epochs]), {k: torch.cat([e.labels[k] for e in epochs]) for k in names}, bounds)
    return Stream(batches, val, loaders)


def batch_of(bounds: tuple[tuple[int, int], ...]) -> Tensor:
    """Each sample's batch index `[N]`, for per-batch sums over a whole stream (`index_add_`)."""
    lengths = torch.tensor([e - s for s, e in bounds])
    return torch.repeat_interleave(torch.arange(len(lengths)), lengths)


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
