"""The training objective: reconstruction error plus the scheduled regularizer terms.

Shared by the Lightning module and the plain-torch benchmark loop, so the two differ only in
the loop around it. Tiny models are bound by per-operation overhead (each op and autograd
node costs more than its arithmetic), so everything that does not depend on the model is
worked out once per run, before training: which terms are active at each step (non-zero
weight, some labelled sample in the batch) and their per-sample coefficients, label weights
times schedule weight. A step then evaluates the active terms and takes one weighted sum over
their stacked `[terms, B]` matrix; angular terms share one normalised copy of the latents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from excolor.data import Batches
from excolor.regularizers import Regularizer, unit


@dataclass(frozen=True)
class StepPlan:
    """What one step evaluates: the active regularizers and their weighted coefficients `[active, B]`."""

    active: tuple[int, ...]
    coef: Tensor | None  # label weight × schedule weight, one row per active regularizer
    zero: tuple[int, ...]  # scheduled, but no sample carries the label: exactly 0, logged as such


class Objective:
    """`loss(step) = MSE(ŷ, x) + Σ_r w_r(step) · Σ_i c_ri · term_r(z_i)`, planned for a whole run.

    `c_ri` is `1/B` for a term on every sample and the affinity-weighted mean
    `a_i / (Σ a + 1e-8)` for a labelled one (see `Regularizer.weights`). Both depend only on
    the pre-drawn batches, so they are computed here once for all steps, in the same float32
    arithmetic a per-step computation would use.
    """

    def __init__(self, regularizers: list[Regularizer], weights: np.ndarray, batches: Batches):
        if len(weights) < len(batches):
            raise ValueError(f'{len(weights)} rows of schedule weights for {len(batches)} batches')
        self.regularizers = regularizers
        self.names = [r.name for r in regularizers]
        device, dtype = batches.x.device, batches.x.dtype
        lengths = torch.tensor([e - s for s, e in batches.bounds])
        batch_of = torch.repeat_interleave(torch.arange(len(lengths)), lengths).to(device)  # [N]: each sample's batch
        # Per-sample coefficients of every regularizer over the whole stream (None: its labels are not drawn).
        self._coef: list[Tensor | None] = [self._coefficients(r, batches, lengths, batch_of) for r in regularizers]
        has_label = [self._batches_with_weight(c, batch_of, len(lengths)) for c in self._coef]
        scheduled = weights[: len(batches)]
        plans = []
        for step, (s, e) in enumerate(batches.bounds):
            active, zero = {}, []  # active: regularizer index → its schedule weight at this step
            for i, (reg, w) in enumerate(zip(regularizers, scheduled[step])):
                if w == 0 or not reg.train or self._coef[i] is None:
                    continue  # exactly zero weight: not computed, not logged (as upstream)
                if has_label[i][step]:
                    active[i] = float(w)
                else:
                    zero.append(i)
            coef = None
            if active:
                c = torch.stack([self._coef[i][s:e] for i in active])
                coef = c * torch.tensor(list(active.values()), dtype=dtype, device=device)[:, None]
            plans.append(StepPlan(tuple(active), coef, tuple(zero)))
        self.plans = plans
        self._bounds = batches.bounds

    @staticmethod
    def _coefficients(reg: Regularizer, batches: Batches, lengths: Tensor, batch_of: Tensor) -> Tensor | None:
        if reg.labels is None:
            per_batch = torch.tensor([1.0 / int(b) for b in lengths], dtype=batches.x.dtype)
            return per_batch.to(batch_of.device)[batch_of]
        affinity = reg.affinity(batches.labels)
        if affinity is None:
            return None
        # Hard labels times a scale: batch totals are small multiples, exact in any summation order.
        totals = torch.zeros(len(lengths), dtype=affinity.dtype, device=affinity.device).index_add_(0, batch_of, affinity)
        return affinity / (totals[batch_of] + 1e-8)

    @staticmethod
    def _batches_with_weight(coef: Tensor | None, batch_of: Tensor, n_batches: int) -> list[bool]:
        if coef is None:
            return []
        counts = torch.zeros(n_batches, device=coef.device).index_add_(0, batch_of, (coef != 0).float())
        return (counts > 0).tolist()

    def __call__(self, y: Tensor, x: Tensor, latents: dict[str, Tensor], step: int, *, terms: bool = False) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        """Total loss, reconstruction loss and (if `terms`) each scheduled term's unweighted value."""
        recon = ((y - x) ** 2).mean(dim=(-2, -1))  # as the stacked objective computes it per seed
        plan = self.plans[step]
        if not plan.active:
            return recon, recon, self._zeros(recon, plan) if terms else {}
        units: dict[str, Tensor] = {}
        rows = []
        for i in plan.active:
            reg = self.regularizers[i]
            z = latents[reg.layer]
            u = None
            if reg.term.angular:
                u = units.get(reg.layer)
                if u is None:
                    u = units[reg.layer] = unit(z)
            rows.append(reg.per_sample(z, u))
        stacked = torch.stack(rows)
        loss = recon + (plan.coef * stacked).sum()
        values: dict[str, Tensor] = {}
        if terms:
            s, e = self._bounds[step]
            with torch.no_grad():
                for row, i in zip(stacked, plan.active):
                    values[self.names[i]] = (self._coef[i][s:e] * row).sum()
            values |= self._zeros(recon, plan)
        return loss, recon, values

    def _zeros(self, recon: Tensor, plan: StepPlan) -> dict[str, Tensor]:
        return {self.names[i]: recon.new_zeros(()) for i in plan.zero}
