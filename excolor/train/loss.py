"""The training loss as the earlier codebase computed it, operation for operation (`numerics: exact`).

`MSE(ŷ, x)`, then each training regularizer in list order, skipped when its scheduled weight
is exactly 0 or its labels are not drawn, added in place as `term · weight`; every term uses
upstream's own arithmetic (`Term.forward`). Summing in another order, or building a term
differently, changes the weights after a few steps (`shared/reference/fidelity/README.md`).

One liberty, which changes no bit: upstream also computed a labelled term when no sample of
the batch carried its label (red is ~0.1 % of samples). Such a term is exactly 0 and so is
its gradient, and adding +0 leaves every float as it was; we skip it (~10 % faster). The
recorded runs pin this: loss at every step and final weights stay `torch.equal`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from excolor.data.stream import Batches, batch_of
from excolor.model.regularizers import Regularizer


class ExactLoss:
    """`loss(step)` for one run: its regularizers and their scheduled weights `[steps, R]`."""

    def __init__(self, regularizers: list[Regularizer], weights: np.ndarray, batches: Batches):
        self.regularizers = regularizers
        self.weights: list[list[float]] = weights.tolist()
        self.labelled = [self._labelled_batches(r, batches) for r in regularizers]

    @staticmethod
    def _labelled_batches(reg: Regularizer, batches: Batches) -> list[bool] | None:
        """Per batch, whether any sample carries one of the term's labels (`None`: a term on every sample)."""
        if reg.labels is None:
            return None
        present = [batches.labels[k] for k in reg.labels if k in batches.labels]
        if not present:
            return [True] * len(batches)  # its labels are not drawn: `Regularizer.loss` skips it
        carried = (sum(present) > 0).float()
        return (torch.zeros(len(batches)).index_add_(0, batch_of(batches.bounds), carried) > 0).tolist()

    def __call__(self, y: Tensor, x: Tensor, latents: dict[str, Tensor], labels: dict[str, Tensor], step: int, *, log: bool = False) -> tuple[Tensor, dict[str, float]]:
        """The total loss, and (if `log`) the reconstruction and each term's value, unweighted."""
        total = nn.functional.mse_loss(y, x).mean()
        logged = {'recon': total.item()} if log else {}
        for reg, weight, labelled in zip(self.regularizers, self.weights[step], self.labelled):
            if not reg.train or weight == 0:
                continue
            if labelled is not None and not labelled[step]:
                if log:
                    logged[reg.name] = 0.0  # what upstream computed and logged
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
