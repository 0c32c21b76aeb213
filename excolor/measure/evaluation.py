"""Evaluation: per-colour reconstruction error under each condition, and how it tracks similarity to red.

One `evaluate(model, spec)` call applies every condition (no intervention, ablation, pruning,
suppression, repulsion) to a trained model and runs each edited model over the loss grid, the
slice grid, the latent grid and the named colours, in large batches. The result carries
the grids (for figures), a named-colour DataFrame (for tables) and flat metrics (for sweeps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy import stats
from torch import nn

from excolor.train import floating_point
from excolor.data.color import ColorGrid, named_colors, similarity_to
from excolor.params.schema import ConditionSpec, EvaluationSpec, RepelSpec, SuppressSpec, SurgerySpec
from excolor.model.interventions import BezierMapper, BoundedFalloff, LinearMapper, Repulsion, Suppression, intervene
from excolor.model.autoencoders import latent_layer
from excolor.model.surgery import ablate, prune


@torch.inference_mode()
def reconstruct(model: nn.Module, rgb: np.ndarray, capture: str | None = None, chunk: int = 1 << 17) -> tuple[np.ndarray, np.ndarray | None]:
    """Eval-mode reconstructions `[N, 3]` and the (post-intervention) output of `capture` `[N, K]`."""
    model.eval()
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(rgb).reshape(-1, 3), dtype=torch.float32, device=device)
    captured: list[torch.Tensor] = []
    handle = model.get_submodule(capture).register_forward_hook(lambda _m, _i, out: captured.append(out)) if capture else None
    try:
        recon = torch.cat([model(part) for part in x.split(chunk)]).cpu().numpy()
    finally:
        if handle:
            handle.remove()
    latents = torch.cat(captured).cpu().numpy() if captured else None
    return recon, latents


def per_color_mse(true_rgb: np.ndarray, recon: np.ndarray) -> np.ndarray:
    """Mean over the RGB channels of the squared error, per colour."""
    return ((np.asarray(recon, dtype=np.float64) - np.asarray(true_rgb, dtype=np.float64)) ** 2).mean(axis=-1)


def evaluate_grid(model: nn.Module, grid: ColorGrid, capture: str | None = None) -> ColorGrid:
    """The grid with `recon`, `MSE` and (if captured) `latents` added per cell."""
    recon, latents = reconstruct(model, grid.flat('color'), capture)
    extra = {'recon': recon, 'MSE': per_color_mse(grid.flat('color'), recon)}
    if latents is not None:
        extra['latents'] = latents
    return grid.assign(**extra)


def lower_median(x: np.ndarray) -> float:
    """Median as torch computes it (the lower of the two middle values), as the seeds printed it."""
    flat = np.sort(np.asarray(x).ravel())
    return float(flat[(len(flat) - 1) // 2])


@dataclass(frozen=True)
class Correlation:
    """Pearson correlation between per-colour error and similarity to the anchor colour (raised to `power`)."""

    r: float
    r2: float
    p: float
    power: float
    slope: float
    intercept: float


def error_correlation(grid: ColorGrid, anchor_hsv: tuple[float, float, float], power: float) -> Correlation:
    sim = similarity_to(grid.flat('color'), anchor_hsv) ** power
    mse = grid.flat('MSE')
    r, p = stats.pearsonr(sim, mse)
    fit = stats.linregress(sim, mse)
    return Correlation(float(r), float(r) ** 2, float(p), float(power), float(fit.slope), float(fit.intercept))


def condition_model(model: nn.Module, spec: ConditionSpec) -> nn.Module:
    """The trained model as seen under one condition (always a copy when anything changes)."""
    layer = getattr(spec, 'layer', None) or latent_layer(model)
    if spec.kind == 'none':
        return model
    if isinstance(spec, SurgerySpec):
        return (ablate if spec.kind == 'ablate' else prune)(model, layer, spec.dims)
    if isinstance(spec, SuppressSpec):
        f = spec.falloff
        return intervene(model, Suppression(spec.concept, BoundedFalloff(f.a, f.b, f.power)), layer)
    if isinstance(spec, RepelSpec):
        mapper = (BezierMapper if spec.mapper.kind == 'bezier' else LinearMapper)(spec.mapper.a, spec.mapper.b)
        return intervene(model, Repulsion(spec.concept, mapper), layer)
    raise ValueError(f'unknown condition kind {spec.kind!r}')


@dataclass
class ConditionResult:
    """One condition's edited model and its evaluated grids."""

    name: str
    spec: ConditionSpec
    model: nn.Module
    loss_grid: ColorGrid
    slice_grid: ColorGrid
    latent_grid: ColorGrid
    named_mse: np.ndarray
    correlation: Correlation | None = None

    @property
    def max_mse(self) -> float:
        return float(self.loss_grid['MSE'].max())

    @property
    def median_mse(self) -> float:
        return lower_median(self.loss_grid['MSE'])

    @property
    def tag(self) -> str:
        return slug(self.name)


@dataclass
class Evaluation:
    """All conditions of one trained model."""

    variant: str
    conditions: dict[str, ConditionResult] = field(default_factory=dict)
    score: str | None = None

    def __getitem__(self, name: str) -> ConditionResult:
        return self.conditions[name]

    def metrics(self, prefix: str = '') -> dict[str, float]:
        """Flat numbers for `metrics.json`: `<condition>_max_mse`, `<condition>_r`, …"""
        out: dict[str, float] = {}
        for c in self.conditions.values():
            key = prefix + metric_key(c.name)
            out[f'{key}_max_mse'] = c.max_mse
            out[f'{key}_median_mse'] = c.median_mse
            for name, mse in zip(NAMED, c.named_mse):
                out[f'{key}_mse_{metric_key(name)}'] = float(mse)
            if c.correlation:
                k = c.correlation
                out.update({f'{key}_r': k.r, f'{key}_r2': k.r2, f'{key}_p': k.p, f'{key}_power': k.power, f'{key}_abs': abs(k.r)})
        if self.score:
            out[f'{prefix}score'] = abs(self.conditions[self.score].correlation.r)
        return out

    def named_table(self) -> pd.DataFrame:
        """17 named colours × conditions: baseline MSE, then each condition's MSE and its change."""
        rows = pd.DataFrame([{'name': n, 'rgb': rgb, 'hsv': hsv} for n, hsv, rgb in named_colors()])
        results = list(self.conditions.values())
        base = results[0]
        rows[base.name] = base.named_mse
        for c in results[1:]:
            rows[c.name] = c.named_mse
            rows[f'{c.name}-delta'] = c.named_mse - base.named_mse
        return rows


NAMED = [n for n, _, _ in named_colors()]


def slug(text: str) -> str:
    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')


def metric_key(text: str) -> str:
    return slug(text).replace('-', '_')


def evaluate(model: nn.Module, spec: EvaluationSpec, variant: str = 'main') -> Evaluation:
    """Every condition that applies to `variant`, on every grid of the spec."""
    floating_point.require()
    grids = {'loss': spec.loss_grid.build(), 'slice': spec.slice_grid.build(), 'latent': spec.latent_grid.build()}
    named_rgb = np.array([rgb for _, _, rgb in named_colors()])
    out = Evaluation(variant, score=spec.score)
    for cond in spec.conditions:
        if cond.variants is not None and variant not in cond.variants:
            continue
        edited = condition_model(model, cond)
        layer = latent_layer(edited)
        named_recon, _ = reconstruct(edited, named_rgb)
        res = ConditionResult(
            name=cond.name,
            spec=cond,
            model=edited,
            loss_grid=evaluate_grid(edited, grids['loss']),
            slice_grid=evaluate_grid(edited, grids['slice']),
            latent_grid=evaluate_grid(edited, grids['latent'], capture=layer),
            named_mse=per_color_mse(named_rgb, named_recon),
        )
        if cond.name in spec.correlations:
            res.correlation = error_correlation(res.latent_grid, spec.anchor_hsv, spec.correlations[cond.name])
        out.conditions[cond.name] = res
    if spec.score and spec.score not in out.conditions:
        out.score = None
    return out
