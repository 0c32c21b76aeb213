"""Regularizer terms on latents: each maps latents `[B, K]` to a per-sample loss `[B]`.

They are what pins a concept to a direction: `Anchor`/`AngularAnchor` pull labelled samples
toward a point or direction, `AntiAnchor` and `AxisAlignedSubspace` keep everything else away,
`Separate` spreads the batch over the sphere, `Unitarity` keeps raw latents near unit norm.
Which samples a term sees and how much it weighs are decided by `Regularizer` (labels, layer,
schedule name), not by the term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor, nn


def unit(z: Tensor) -> Tensor:
    """`z / (‖z‖ + 1e-8)` (upstream adds the epsilon rather than clamping)."""
    return z / (z.norm(dim=-1, keepdim=True) + 1e-8)


class Term(nn.Module):
    """A per-sample loss on latents. Angular terms set `angular` and read `unit(z)`, which the
    training objective computes once per layer and passes in."""

    angular = False

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        raise NotImplementedError


class Anchor(Term):
    """Squared distance to a point: pulls both direction and norm."""

    def __init__(self, anchor: Sequence[float]):
        super().__init__()
        self.register_buffer('anchor', torch.as_tensor(anchor, dtype=torch.float32))

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        return (z - self.anchor).pow(2).sum(dim=-1)


class AngularAnchor(Term):
    """`1 − cos(z, a)`: pulls the direction only."""

    def __init__(self, anchor: Sequence[float]):
        super().__init__()
        self.register_buffer('anchor', unit(torch.as_tensor(anchor, dtype=torch.float32)))

    angular = True

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        return 1 - (unit(z) if u is None else u) @ self.anchor


class AntiAnchor(Term):
    """Penalises alignment with a direction: `max(cos, 0)` (hemi) or `(cos + 1)/2`."""

    def __init__(self, anchor: Sequence[float], hemi: bool = True):
        super().__init__()
        self.hemi = hemi
        self.register_buffer('anchor', unit(torch.as_tensor(anchor, dtype=torch.float32)))

    angular = True

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        cos = (unit(z) if u is None else u) @ self.anchor
        return cos.clamp_min(0) if self.hemi else (cos + 1) / 2


class Unitarity(Term):
    """`(‖z‖ − 1)²`: keeps raw latents near the unit sphere."""

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        return (z.norm(dim=-1) - 1).pow(2)


class Separate(Term):
    """Spreads a batch over the sphere: each sample pays `Σ_j cos(z_i, z_j)^power`.

    Self-pairs and duplicates (cosine ≈ 1; sampling is with replacement) are zeroed *before*
    the optional shift `(cos + 1)/2`, as upstream. The sum grows with the batch size.
    """

    angular = True

    def __init__(self, power: float = 1.0, shift: bool = True, channels: Sequence[int] | None = None):
        super().__init__()
        self.power, self.shift = power, shift
        self.channels = None if channels is None else list(channels)

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        if self.channels is not None:
            u = unit(z[:, self.channels])
        elif u is None:
            u = unit(z)
        cos = u @ u.T
        cos = cos.masked_fill((cos - 1).abs() <= 1e-8 + 1e-5, 0.0)
        if self.shift:
            cos = (cos + 1) / 2
        return cos.pow(self.power).sum(dim=-1)


class AxisAlignedSubspace(Term):
    """Squared magnitude outside the kept dimensions (or, inverted, inside them)."""

    def __init__(self, dims: Sequence[int], invert: bool = False):
        super().__init__()
        dims = sorted(int(d) for d in dims)
        if not dims or len(set(dims)) != len(dims) or dims[0] < 0:
            raise ValueError(f'dims must be non-empty, unique and non-negative, got {dims}')
        self.dims, self.invert = tuple(dims), invert

    def forward(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        k = z.shape[-1]
        penalised = [d for d in range(k) if (d in self.dims) == self.invert]
        if not penalised:
            return z.new_zeros(z.shape[:-1])
        return z[..., penalised].pow(2).sum(dim=-1)


class Planarity(AxisAlignedSubspace):
    """Keeps samples on the plane of two dimensions (default e0–e1)."""

    def __init__(self, dims: Sequence[int] = (0, 1), invert: bool = False):
        super().__init__(dims, invert)


TERMS: dict[str, type[Term]] = {
    cls.__name__: cls for cls in (Anchor, AngularAnchor, AntiAnchor, Unitarity, Separate, AxisAlignedSubspace, Planarity)
}


@dataclass
class Regularizer:
    """A term, where it looks (`layer`), which samples it sees (`labels`) and its schedule column (`name`)."""

    name: str
    term: Term
    layer: str
    labels: dict[str, float] | None = None  # None: every sample
    train: bool = True
    validate: bool = False

    def weights(self, labels: dict[str, Tensor], batch_size: int) -> Tensor | float | None:
        """Per-sample reduction weights: the term's loss is `Σᵢ weightᵢ·ℓᵢ`.

        Without labels that is the plain mean (`1/B`). With labels it is the affinity-weighted
        mean `aᵢ / (Σ aᵢ + 1e-8)`: all zero when no sample carries a label, and then the term is
        exactly 0 (returned as `0.0`, so callers can skip computing it). `None`: none of its
        labels exists in this data, and the term is skipped altogether.
        """
        if self.labels is None:
            return 1.0 / batch_size
        affinity = self.affinity(labels)
        if affinity is None:
            return None
        total = affinity.sum()
        if total.item() == 0:
            return 0.0
        return affinity / (total + 1e-8)

    def affinity(self, labels: dict[str, Tensor]) -> Tensor | None:
        """How much each sample carries this term's labels: `clamp(Σ_k scale_k · label_k, 0, 1)`; `None` if none is drawn."""
        present = [(labels[k], s) for k, s in (self.labels or {}).items() if k in labels]
        if not present:
            return None
        affinity = present[0][0] * present[0][1]
        for lab, s in present[1:]:
            affinity = affinity + lab * s
        return affinity.clamp(0, 1)

    def per_sample(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        out = self.term(z, u)
        return out.expand(z.shape[0]) if out.ndim == 0 else out

    def loss(self, z: Tensor, labels: dict[str, Tensor]) -> Tensor | None:
        """The reduced loss of this term on one batch (`None` if skipped)."""
        w = self.weights(labels, z.shape[0])
        if w is None:
            return None
        if isinstance(w, float) and w == 0.0:
            return z.new_zeros(())
        return (w * self.per_sample(z)).sum()
