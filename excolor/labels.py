"""Concept labels (`red`, `vibrant`, `desaturated`, …) as probabilities, and hard labels drawn from them.

A label's probability is a colour quantity raised to a power and scaled (`redness(x)^10 · 0.5`);
a hard label is one Bernoulli draw per sample. Labels are rare on purpose: most batches carry no
`red` sample at all, which is what makes anchoring by label a weak, realistic signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

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

    def probability(self, rgb: Tensor) -> Tensor:
        q = QUANTITIES[self.quantity](rgb)
        if self.mode == 'exact':
            return (q == 1).to(rgb.dtype)
        return q.pow(self.power) * self.scale


def label_probabilities(rgb: Tensor, rules: dict[str, LabelRule]) -> dict[str, Tensor]:
    """Per-sample probabilities `[N]` of each label; a label with scale 0 does not exist at all."""
    return {name: rule.probability(rgb) for name, rule in rules.items() if rule.scale != 0}


def draw_labels(probs: Tensor, generator: torch.Generator) -> Tensor:
    """Hard labels `1[U < p]` with `U ~ Uniform[0, 1)` from the run's own generator."""
    u = torch.rand(probs.shape, generator=generator, dtype=probs.dtype, device=probs.device)
    return (u < probs).to(probs.dtype)
