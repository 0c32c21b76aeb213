"""Interventions at the latent: edit activations on the way through, on a copy of the model.

A `Mapper` turns a sample's alignment with the concept (a cosine, `[B]`) into a number;
`Suppression` uses it as a gate on the concept component, `Repulsion` as the cosine to rotate
the latent to. `intervene(model, intervention, layer)` returns a copy whose `layer` output
is replaced by the intervention's output (a forward hook); the original model is untouched.
"""

from __future__ import annotations

import copy
import math
from typing import Sequence

import torch
from torch import Tensor, nn


class BoundedFalloff(nn.Module):
    """Gate `b·((x − a)/(1 − a))^power` above the cosine threshold `a`, 0 at or below it.

    `power = 0` is a hard step (every `x > a` gets `b`). With `a` within 1e-8 of 1 the input
    passes through unchanged (upstream behaviour).
    """

    def __init__(self, a: float, b: float, power: float = 1.0, eps: float = 1e-8):
        super().__init__()
        if not (0 <= a <= 1 and 0 <= b <= 1 and power >= 0):
            raise ValueError(f'need 0 ≤ a ≤ 1, 0 ≤ b ≤ 1, power ≥ 0; got a={a}, b={b}, power={power}')
        self.a, self.b, self.power, self.eps = a, b, power, eps

    def forward(self, x: Tensor) -> Tensor:
        if self.a > 1 - self.eps:
            return x
        ramp = ((x - self.a) / (1 - self.a)).clamp_min(0).pow(self.power) * self.b
        return torch.where(x > self.a, ramp, torch.zeros_like(x))


class LinearMapper(nn.Module):
    """Maps alignment `x > a` linearly onto `[a, b]`; below `a` it is the identity."""

    def __init__(self, a: float, b: float):
        super().__init__()
        if not (0 <= a < b <= 1):
            raise ValueError(f'need 0 ≤ a < b ≤ 1; got a={a}, b={b}')
        self.a, self.b = a, b

    def forward(self, x: Tensor) -> Tensor:
        return torch.where(x > self.a, self.a + (self.b - self.a) * (x - self.a) / (1 - self.a), x)


class BezierMapper(nn.Module):
    """Maps alignment `x ∈ (a, 1]` onto `[a, b]` along a cubic Bézier: slope 1 at `a`, flat at 1.

    The curve is sampled once (1000 points) and interpolated, like upstream's FastBezierMapper.
    """

    def __init__(self, a: float, b: float, *, start_slope: float = 1.0, end_slope: float = 0.0, control_distance: float = 1 / math.sqrt(2), resolution: int = 1000):
        super().__init__()
        if not (0 <= a < 1 and 0 < b <= 1 and a < b):
            raise ValueError(f'need 0 ≤ a < b ≤ 1; got a={a}, b={b}')
        self.a, self.b = a, b
        s1, s2 = start_slope, end_slope
        if abs(s1 - s2) < 1e-8:
            ix, iy = (a + 1) / 2, (a + b) / 2
        else:
            ix = (a * (s1 - 1) + b - s2) / (s1 - s2)
            iy = s1 * (ix - a) + a
        d = control_distance
        p0, p3 = torch.tensor([a, a], dtype=torch.float64), torch.tensor([1.0, b], dtype=torch.float64)
        corner = torch.tensor([ix, iy], dtype=torch.float64)
        p1, p2 = p0 + d * (corner - p0), p3 + d * (corner - p3)
        t = torch.linspace(0, 1, resolution, dtype=torch.float64)[:, None]
        curve = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
        self.register_buffer('xs', curve[:, 0].float())
        self.register_buffer('ys', curve[:, 1].float())
        self.control_points = torch.stack([p0, p1, p2, p3])

    def forward(self, x: Tensor) -> Tensor:
        xs, ys = self.xs.to(x.dtype), self.ys.to(x.dtype)
        i = torch.searchsorted(xs, x.contiguous()).clamp(1, len(xs) - 1)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        y = y0 + (x - x0) * (y1 - y0) / (x1 - x0 + 1e-8)
        return torch.where(x > self.a, y, x)


class Suppression(nn.Module):
    """Removes a gated share of the concept component: `h − gate(x)·⟨h, c⟩·c`, `x = clamp(⟨h, c⟩, 0, 1)`.

    Not renormalised: suppressed latents move inside the unit sphere.
    """

    kind = 'linear'

    def __init__(self, concept: Sequence[float] | Tensor, falloff: nn.Module):
        super().__init__()
        self.register_buffer('concept', torch.as_tensor(concept, dtype=torch.float32))
        self.falloff = falloff

    def dist(self, h: Tensor) -> Tensor:
        return (h @ self.concept.to(h)).clamp(0, 1)

    def forward(self, h: Tensor) -> Tensor:
        c = self.concept.to(h)
        dot = h @ c
        gate = self.falloff(dot.clamp(0, 1))
        return h - (gate * dot)[..., None] * c


class Repulsion(nn.Module):
    """Rotates positively aligned latents, in the plane of `c` and themselves, to cosine `mapper(x)`.

    Rotated latents come out unit-length. An exactly parallel latent has no plane of its own;
    it gets a perpendicular drawn from `generator` (seeded: deterministic, unlike upstream).
    """

    kind = 'rotational'

    def __init__(self, concept: Sequence[float] | Tensor, mapper: nn.Module, eps: float = 1e-8, seed: int = 0):
        super().__init__()
        self.register_buffer('concept', torch.as_tensor(concept, dtype=torch.float32))
        self.mapper, self.eps, self.seed = mapper, eps, seed

    def forward(self, h: Tensor) -> Tensor:
        c = self.concept.to(h)
        raw = h @ c
        x = raw.clamp(0, 1)
        t = self.mapper(x).clamp(-1 + self.eps, 1 - self.eps)
        perp = h - x[..., None] * c
        norm = perp.norm(dim=-1, keepdim=True)
        parallel = norm[..., 0] < self.eps
        if parallel.any():
            g = torch.Generator().manual_seed(self.seed)
            r = torch.randn(int(parallel.sum()), h.shape[-1], generator=g).to(h)
            r = r - (r @ c)[..., None] * c
            perp = perp.clone()
            perp[parallel] = r
            norm = perp.norm(dim=-1, keepdim=True)
        u = perp / norm
        rotated = t[..., None] * c + torch.sqrt(1 - t**2)[..., None] * u
        return torch.where((raw > 0)[..., None], rotated, h)


def intervene(model: nn.Module, intervention: nn.Module, layer: str) -> nn.Module:
    """A copy of `model` whose `layer` output passes through `intervention`."""
    edited = copy.deepcopy(model)
    edited.get_submodule(layer).register_forward_hook(lambda _m, _i, out: intervention(out))
    return edited
