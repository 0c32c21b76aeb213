"""The training objective: reconstruction error plus the scheduled regularizer terms.

Shared by the Lightning module and the plain-torch benchmark loop, so the two differ only in
the loop around it. Tiny models are bound by per-operation overhead (autograd nodes cost
more than the arithmetic), so the terms are combined in one weighted sum over a stacked
`[terms, B]` matrix and angular terms share one normalised copy of the latents.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from excolor.regularizers import Regularizer, unit


class Objective:
    """`loss(step) = MSE(ŷ, x) + Σ_r w_r(step) · term_r`, with per-step weights pre-resolved."""

    def __init__(self, regularizers: list[Regularizer], weights: np.ndarray):
        self.regularizers = regularizers
        self.weights = weights.tolist()  # [step][regularizer]: plain floats, cheap to index

    def __call__(self, y: Tensor, x: Tensor, labels: dict[str, Tensor], latents: dict[str, Tensor], step: int, *, terms: bool = False) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        """Total loss, reconstruction loss and (if `terms`) each active term's unweighted value."""
        recon = nn.functional.mse_loss(y, x)
        b = x.shape[0]
        units: dict[str, Tensor] = {}
        rows, cs, ws, names, zero = [], [], [], [], []
        for reg, w in zip(self.regularizers, self.weights[step]):
            if w == 0 or not reg.train:
                continue  # exactly zero weight: not computed, not logged (as upstream)
            c = reg.weights(labels, b)
            if c is None:
                continue
            if isinstance(c, float) and c == 0.0:
                zero.append(reg.name)  # no labelled sample: the term is exactly 0
                continue
            z = latents[reg.layer]
            u = None
            if reg.term.angular:
                u = units.get(reg.layer)
                if u is None:
                    u = units[reg.layer] = unit(z)
            rows.append(reg.per_sample(z, u))
            cs.append(torch.as_tensor(c, dtype=x.dtype, device=x.device).expand(b))
            ws.append(w)
            names.append(reg.name)
        loss = recon
        if rows:
            coef = torch.stack(cs)
            stacked = torch.stack(rows)
            weighted = coef * torch.tensor(ws, dtype=x.dtype, device=x.device)[:, None]
            loss = recon + (weighted * stacked).sum()
        values: dict[str, Tensor] = {}
        if terms:
            with torch.no_grad():
                for i, name in enumerate(names):
                    values[name] = (coef[i] * stacked[i]).sum()
                for name in zero:
                    values[name] = recon.new_zeros(())
        return loss, recon, values
    def _index(self, name: str) -> int:
        return next(i for i, r in enumerate(self.regularizers) if r.name == name)
