"""The training loss as the earlier codebase computed it, operation for operation (`numerics: exact`).

`MSE(ŷ, x)`, then each training regularizer in list order, skipped when its scheduled weight
is exactly 0 or its labels are not drawn, added in place as `term · weight`. Labelled terms
are computed even when no sample in the batch carries the label (they are then exactly 0),
and every term uses upstream's own arithmetic (`Term.forward`). Summing in another order, or
building a term differently, changes the weights after a few steps; see
`shared/reference/fidelity/README.md`.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor, nn

from excolor.regularizers import Regularizer


class ExactLoss:
    """`loss(step)` for one run: its regularizers and their scheduled weights `[steps, R]`."""

    def __init__(self, regularizers: list[Regularizer], weights: np.ndarray):
        self.regularizers = regularizers
        self.weights: list[list[float]] = weights.tolist()

    def __call__(self, y: Tensor, x: Tensor, latents: dict[str, Tensor], labels: dict[str, Tensor], step: int, *, log: bool = False) -> tuple[Tensor, dict[str, float]]:
        """The total loss, and (if `log`) the reconstruction and each term's value, unweighted."""
        total = nn.functional.mse_loss(y, x).mean()
        logged = {'recon': total.item()} if log else {}
        for reg, weight in zip(self.regularizers, self.weights[step]):
            if not reg.train or weight == 0:
                continue
            term = reg.loss(latents[reg.layer], labels)
            if term is None:
                continue
            if log:
                logged[reg.name] = term.item()
            total += term * weight  # in place on the reconstruction loss, as upstream
        if log:
            logged['loss'] = total.item()
        return total, logged
