"""Concept labels (`red`, `vibrant`, `desaturated`, …) as probabilities, computed as upstream computed them.

A label's probability is a colour quantity raised to a power and scaled (`redness(x)^10 · 0.5`);
a hard label is one Bernoulli draw per sample, made by the data stream (`excolor.data.stream`) in the
order upstream's loader workers made them. Labels are rare on purpose: most batches carry no
`red` sample at all, which is what makes anchoring by label a weak, realistic signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import torch
from torch import Tensor


def redness(rgb: Tensor) -> Tensor:
    """`r·(1 − g/2 − b/2)`: 1 for pure red, 0 for anything without red or with full green/blue."""
    return rgb[..., 0] * (1 - rgb[..., 1] / 2 - rgb[..., 2] / 2)


def greenness(rgb: Tensor) -> Tensor:
    return rgb[..., 1] * (1 - rgb[..., 0] / 2 - rgb[..., 2] / 2)


def blueness(rgb: Tensor) -> Tensor:
    return rgb[..., 2] * (1 - rgb[..., 0] / 2 - rgb[..., 1] / 2)


def vibrancy(rgb: Tensor) -> Tensor:
    """HSV saturation × value, which is simply `max − min` of the RGB channels."""
    return rgb.amax(dim=-1) - rgb.amin(dim=-1)


def desaturation(rgb: Tensor) -> Tensor:
    return 1 - vibrancy(rgb)


QUANTITIES: dict[str, Callable[[Tensor], Tensor]] = {
    'redness': redness,
    'greenness': greenness,
    'blueness': blueness,
    'vibrancy': vibrancy,
    'desaturation': desaturation,
}


@dataclass(frozen=True)
class LabelRule:
    """How one label is assigned: `scale · quantity^power` (stochastic) or `quantity == 1` (exact)."""

    quantity: str
    power: float = 1.0
    scale: float = 1.0
    mode: Literal['stochastic', 'exact'] = 'stochastic'


def grid_probabilities(grid_rgb: np.ndarray, rules: dict[str, LabelRule]) -> dict[str, Tensor]:
    """Probabilities of every grid colour, flat `[N]` float32, as upstream's ex-2.9.1 dataset made them.

    The quantity and its power are taken in float64 NumPy on the grid-shaped array, then stored
    as float32 (`CubeDataset`); doing it in float32, or in torch, can move the last bit of `p`.
    """
    rgb = torch.from_numpy(np.ascontiguousarray(grid_rgb, dtype=np.float64))
    out = {}
    for name, rule in rules.items():
        if rule.scale == 0:
            continue
        q = QUANTITIES[rule.quantity](rgb).numpy()
        p = (q == 1) if rule.mode == 'exact' else q**rule.power * rule.scale
        out[name] = torch.tensor(p.reshape(-1), dtype=torch.float32)
    return out


def batch_probabilities(rgb: Tensor, vibrancy_: Tensor, rules: dict[str, LabelRule]) -> dict[str, Tensor]:
    """Probabilities of one batch, in float32, as upstream's collate function made them (ex-2.2–2.10).

    Redness comes from the batch's float32 colours; vibrancy (and desaturation, `1 − vibrancy`)
    from the dataset's precomputed float32 `S·V`, not from the colours. Computed per batch,
    because a vectorised `pow` can round differently from the scalar loop that ends a tensor.
    """
    out = {}
    for name, rule in rules.items():
        if rule.scale == 0:
            continue
        if rule.quantity == 'vibrancy':
            q = vibrancy_
        elif rule.quantity == 'desaturation':
            q = 1 - vibrancy_
        else:
            q = QUANTITIES[rule.quantity](rgb)
        out[name] = (q == 1).to(rgb.dtype) if rule.mode == 'exact' else q**rule.power * rule.scale
    return out


def hsv_vibrancy(rgb: np.ndarray) -> np.ndarray:
    """`S·V` of RGB colours through scikit-image's RGB→HSV arithmetic: `S = (max − min)/max`, then `S·V`.

    Not simply `max − min`: the division and product round, and upstream's labels used this.
    """
    v = rgb.max(axis=-1)
    delta = np.ptp(rgb, axis=-1)
    s = np.divide(delta, v, out=np.zeros_like(delta), where=delta != 0)
    return s * v
