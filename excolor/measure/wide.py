"""What a wide sweep needs from each of S seeds, measured for all of them at once.

The per-seed `evaluate` draws every grid and condition for figures; a 1,000-seed sweep needs
only each seed's error-vs-similarity correlations (and the score that ranks seeds). Here the
trained models are stacked again (`excolor.train.wide`) and every correlation condition runs over
the latent grid for all seeds in one pass. The numbers are `evaluate`'s: the same grid, the
same conditions (surgery on each seed's copy, interventions on the stacked latents), the same
per-colour float64 error and the same Pearson r.
"""

from __future__ import annotations

import torch
from scipy import stats
from torch import nn

from excolor.train import floating_point
from excolor.train.wide import WideAutoencoder
from excolor.data.color import similarity_to
from excolor.params.schema import ConditionSpec, EvaluationSpec, SurgerySpec
from excolor.measure.evaluation import condition_model, metric_key, per_color_mse
from excolor.model.interventions import BezierMapper, BoundedFalloff, LinearMapper, Repulsion, Suppression


def latent_edit(spec: ConditionSpec) -> nn.Module | None:
    """The intervention a condition applies to the latent (None: none, or surgery on the weights)."""
    if spec.kind == 'suppress':
        f = spec.falloff
        return Suppression(spec.concept, BoundedFalloff(f.a, f.b, f.power))
    if spec.kind == 'repel':
        mapper = (BezierMapper if spec.mapper.kind == 'bezier' else LinearMapper)(spec.mapper.a, spec.mapper.b)
        return Repulsion(spec.concept, mapper)
    return None


@torch.inference_mode()
def wide_correlations(models: list[nn.Module], spec: EvaluationSpec, variant: str = 'main', prefix: str = '') -> list[dict[str, float]]:
    """Per seed: `<condition>_r`, `_r2`, `_p`, `_power`, `_abs` for every correlated condition, and `score`."""
    floating_point.require()
    rgb = spec.latent_grid.build().flat('color')
    x = torch.as_tensor(rgb, dtype=torch.float32)
    sim = similarity_to(rgb, spec.anchor_hsv)
    out: list[dict[str, float]] = [{} for _ in models]
    for cond in spec.conditions:
        if cond.name not in spec.correlations or (cond.variants is not None and variant not in cond.variants):
            continue
        edited = [condition_model(m, cond) for m in models] if isinstance(cond, SurgerySpec) else models
        wide = WideAutoencoder(edited).eval()
        recon, _ = wide(x.expand(len(models), *x.shape), edit=latent_edit(cond))
        mse = per_color_mse(rgb, recon.numpy())  # [S, N]
        power = spec.correlations[cond.name]
        key = prefix + metric_key(cond.name)
        for metrics, errors in zip(out, mse):
            r, p = stats.pearsonr(sim**power, errors)
            metrics.update({f'{key}_r': float(r), f'{key}_r2': float(r) ** 2, f'{key}_p': float(p), f'{key}_power': float(power), f'{key}_abs': abs(float(r))})
    if spec.score:
        for metrics in out:
            if f'{prefix}{metric_key(spec.score)}_abs' in metrics:
                metrics[f'{prefix}score'] = metrics[f'{prefix}{metric_key(spec.score)}_abs']
    return out
