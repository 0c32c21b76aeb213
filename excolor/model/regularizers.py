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
    """A per-sample loss on latents, computed two ways.

    `forward(z)` is upstream's arithmetic, operation for operation: training with it reproduces
    the earlier codebase's weights bit for bit (`numerics: exact`). `fast(z, u)` is the same
    mathematics arranged for speed (`numerics: fast`): angular terms read `u = unit(z)`, which
    the fast objective computes once per layer and shares.
    """

    angular = False

    def forward(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def fast(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        return self(z)


class Anchor(Term):
    """Squared distance to a point: pulls both direction and norm."""

    def __init__(self, anchor: Sequence[float]):
        super().__init__()
        self.register_buffer('anchor', torch.as_tensor(anchor, dtype=torch.float32))

    def forward(self, z: Tensor) -> Tensor:
        return torch.sum((z - self.anchor) ** 2, dim=-1)


class _Direction(Term):
    """A term around a direction: `anchor` is the unit direction, made as upstream made it."""

    angular = True

    def __init__(self, anchor: Sequence[float]):
        super().__init__()
        a = torch.as_tensor(anchor, dtype=torch.float32)
        self.register_buffer('anchor', a / (a.norm() + 1e-8))

    def cos(self, z: Tensor) -> Tensor:
        return torch.sum(unit(z) * self.anchor, dim=-1)


class AngularAnchor(_Direction):
    """`1 − cos(z, a)`: pulls the direction only."""

    def forward(self, z: Tensor) -> Tensor:
        return 1.0 - self.cos(z)

    def fast(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        return 1 - torch.sum((unit(z) if u is None else u) * self.anchor, dim=-1)


class AntiAnchor(_Direction):
    """Penalises alignment with a direction: `max(cos, 0)` (hemi) or `(cos + 1)/2`."""

    def __init__(self, anchor: Sequence[float], hemi: bool = True):
        super().__init__(anchor)
        self.hemi = hemi

    def forward(self, z: Tensor) -> Tensor:
        return self._shape(self.cos(z))

    def fast(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        return self._shape(torch.sum((unit(z) if u is None else u) * self.anchor, dim=-1))

    def _shape(self, cos: Tensor) -> Tensor:
        return torch.clamp(cos, min=0.0) if self.hemi else (cos + 1.0) / 2.0


class Unitarity(Term):
    """`(‖z‖ − 1)²`: keeps raw latents near the unit sphere."""

    def forward(self, z: Tensor) -> Tensor:
        return (torch.linalg.vector_norm(z, dim=-1) - 1.0) ** 2


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

    def forward(self, z: Tensor) -> Tensor:
        # `z[:, ...]` is a view, but autograd records it: upstream's gradients sum through it.
        e = z[:, ...] if self.channels is None else z[:, self.channels]
        e = e / (torch.norm(e, dim=-1, keepdim=True) + 1e-8)
        cos = torch.matmul(e, e.T)
        cos[torch.isclose(cos, torch.ones_like(cos))] = 0.0
        if self.shift:
            cos = (cos + 1.0) / 2.0
        return torch.sum(cos**self.power, dim=-1)

    def fast(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        if self.channels is not None:
            u = unit(z[..., self.channels])
        elif u is None:
            u = unit(z)
        return _SeparateFast.apply(u, self.power, self.shift)


class _SeparateFast(torch.autograd.Function):
    """`Separate` on unit vectors `[..., B, K]`, with its gradient written out.

    The `[B, B]` cosine matrix (`[S, B, B]` for S seeds trained together) is the largest tensor of a step;
    autograd would make a dozen passes over it and raise it to `power` twice. Here the forward
    keeps `c^(power−1)` and the backward is one product and one matmul: `∂u = (G + Gᵀ) u`.
    """

    @staticmethod
    def forward(ctx, u: Tensor, power: float, shift: bool) -> Tensor:
        cos = u @ u.transpose(-1, -2)
        keep = cos < 1 - (1e-8 + 1e-5)  # |cos − 1| > tol for unit vectors: self-pairs and duplicates are zeroed, before the shift
        cos = torch.where(keep, cos, 0.0)
        if shift:
            cos = (cos + 1) * 0.5
        lower = cos.pow(power - 1)
        ctx.save_for_backward(u, lower, keep)
        ctx.scale = power * (0.5 if shift else 1.0)
        return (lower * cos).sum(dim=-1)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None, None]:
        u, lower, keep = ctx.saved_tensors
        g = torch.where(keep, (grad * ctx.scale).unsqueeze(-1) * lower, 0.0)
        return (g + g.transpose(-1, -2)) @ u, None, None


class AxisAlignedSubspace(Term):
    """Squared magnitude outside the kept dimensions (or, inverted, inside them)."""

    def __init__(self, dims: Sequence[int], invert: bool = False):
        super().__init__()
        dims = sorted(int(d) for d in dims)
        if not dims or len(set(dims)) != len(dims) or dims[0] < 0:
            raise ValueError(f'dims must be non-empty, unique and non-negative, got {dims}')
        self.dims, self.invert = tuple(dims), invert

    def penalised(self, k: int) -> list[int]:
        return [d for d in range(k) if (d in self.dims) == self.invert]

    def forward(self, z: Tensor) -> Tensor:
        k = z.shape[1]
        penalised = self.penalised(k)
        if not penalised:
            return torch.zeros(z.shape[0], device=z.device, dtype=z.dtype)
        mask = torch.zeros(k, dtype=torch.bool, device=z.device)
        mask[penalised] = True
        p = z[:, mask]
        return torch.sum(p * p, dim=tuple(range(1, p.ndim)))

    def fast(self, z: Tensor, u: Tensor | None = None) -> Tensor:
        penalised = self.penalised(z.shape[-1])
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
        """The fast per-sample term (`numerics: fast`)."""
        out = self.term.fast(z, u)
        return out.expand(z.shape[0]) if out.ndim == 0 else out

    def loss(self, z: Tensor, labels: dict[str, Tensor]) -> Tensor | None:
        """The reduced loss of this term on one batch, as upstream reduced it (`None`: skipped).

        Every sample: the plain mean. Labelled: `Σ aᵢ·ℓᵢ / (Σ aᵢ + 1e-8)`, which is exactly 0
        when no sample carries the label (and is still computed, as upstream computed it).
        """
        if self.labels is None:
            return self.term(z).mean()
        present = [labels[k] * v for k, v in self.labels.items() if k in labels]
        if not present:
            return None
        affinity = torch.clamp(torch.stack(present, dim=0).sum(dim=0), 0.0, 1.0)
        per_sample = self.term(z)
        if per_sample.ndim == 0:
            per_sample = per_sample.expand(affinity.shape[0])
        return (per_sample * affinity).sum() / (affinity.sum() + 1e-8)
