"""Many seeds of one experiment variant, trained as one model (`numerics: fast` only).

Tiny models waste the machine one at a time: a step of one ex-2.9.1 model is a few hundred
kernel launches on `[64, 10]` tensors. Stacking S seeds' parameters (`[S, out, in]`) makes each
layer one `baddbmm`, each term one operation over `[S, B, K]` latents, and Adam one fused kernel
over every seed (Adam is elementwise, so each seed's update is its own). Each seed keeps its own
faithful stream (`excolor.data.stream`), its own initial weights and its own label-masked terms: a seed
whose batch carries no red label gets a zero coefficient for the anchor term, as it would alone.

`train_wide(config, seeds)` gives one trained model per seed, as `train` does for one.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from dataclasses import dataclass

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from excolor.train import floating_point
from excolor.train.adam import FlatAdam
from excolor.train.components import prepare, schedule_tables, torch_threads
from excolor.params.schema import TrainConfig
from excolor.data.stream import Batches, batch_of
from excolor.train.loop import CHUNK, MemoryLogger, StepChunks, pick_device, quiet_lightning
from excolor.model.autoencoders import CNColorMLP
from excolor.model.regularizers import Regularizer, unit


@contextlib.contextmanager
def small_tensor_kernels(threads: int | None = 1):
    """Torch settings for batches of 64 colours: `threads` CPU threads (`None`: unchanged), no oneDNN.

    oneDNN sets up each call: on a `[64, 16]` tensor its GELU costs ~16 µs forward and ~55 µs
    backward against ~5 and ~9 µs for torch's native kernels. Deterministic either way; the
    choice only moves rounding in the last bits, which is why exact numerics leave it on.
    """
    old_onednn = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False  # not mkldnn.flags(): it warns about Intel GPUs on every call
    try:
        with torch_threads(threads):
            yield
    finally:
        torch.backends.mkldnn.enabled = old_onednn


class _WideAffine(torch.autograd.Function):
    """`y = x @ Wᵀ + b` per seed, with a weight gradient that does not depend on the seed's position.

    The forward `baddbmm` and the input gradient `bmm` give each seed the same bits whatever
    the stack. The weight gradient `xᵀ @ ∂y` as a `bmm` does not: its BLAS kernel rounds by the
    alignment of each seed's slice, so odd and even seeds would train differently alone and
    stacked. As a sum of outer products over the batch, each element is the same sequential
    sum of the same products wherever it sits.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
        ctx.save_for_backward(x, weight)
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x, weight = ctx.saved_tensors
        grad_weight = (grad.unsqueeze(-1) * x.unsqueeze(-2)).sum(dim=1)  # [S, out, in]
        return torch.bmm(grad, weight), grad_weight, grad.sum(dim=1)


class WideLinear(nn.Module):
    """S `nn.Linear` layers of one shape: `y[s] = x[s] @ W[s]ᵀ + b[s]` in one `baddbmm`."""

    def __init__(self, layers: list[nn.Linear]):
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]))  # [S, out, in]
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]))  # [S, out]

    def forward(self, x: Tensor) -> Tensor:
        return _WideAffine.apply(x, self.weight, self.bias)


def _stack(parts: list[nn.Sequential]) -> nn.Sequential:
    """One Sequential whose Linear layers are stacked over the given copies (the rest hold no weights)."""
    return nn.Sequential(*(WideLinear([p[i] for p in parts]) if isinstance(m, nn.Linear) else copy.deepcopy(m) for i, m in enumerate(parts[0])))


class WideAutoencoder(nn.Module):
    """S autoencoders of one architecture as one module; `forward` returns outputs and named latents `[S, B, K]`."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        self._template = [copy.deepcopy(models[0])]  # a list: not a submodule, its weights are not trained
        self.encoder = _stack([m.encoder for m in models])
        self.normalised = isinstance(models[0], CNColorMLP)
        self.decoder = _stack([m.decoder for m in models])

    def forward(self, x: Tensor, edit: nn.Module | None = None) -> tuple[Tensor, dict[str, Tensor]]:
        """Outputs `[S, B, 3]` and latents by layer name; `edit` replaces the latent interventions act on.

        Eval mode clamps a normalised model's output to valid colours, as `CNColorMLP` does.
        """
        z = self.encoder(x)
        latents = {'encoder': z}
        if self.normalised:
            z = latents['bottleneck'] = nn.functional.normalize(z, dim=-1)
        if edit is not None:
            z = edit(z)
        y = self.decoder(z)
        return (y.clamp(0, 1) if self.normalised and not self.training else y), latents

    @torch.no_grad()
    def unstack(self) -> list[nn.Module]:
        """One ordinary model per seed, with that seed's trained weights (CPU, eval mode)."""
        stacked = dict(self.named_parameters())
        models = []
        for s in range(next(iter(stacked.values())).shape[0]):
            model = copy.deepcopy(self._template[0])
            model.load_state_dict({k: v[s].detach().cpu().clone() for k, v in stacked.items()})
            models.append(model.eval())
        return models


def coefficients(reg: Regularizer, labels: dict[str, Tensor], bounds: tuple[tuple[int, int], ...]) -> Tensor | None:
    """Per-sample weights of a term over whole streams `[..., N]`: `1/B`, or `aᵢ / (Σ_batch a + 1e-8)` for a labelled one.

    `labels` hold each seed's stream `[S, N]` (or one stream `[N]`); an unlabelled term's weights
    are the same for every seed. `None`: none of the term's labels is drawn, so it never runs.
    Worked out once per run, in the float32 arithmetic a per-step computation would use.
    """
    index = batch_of(bounds)
    if reg.labels is None:
        lengths = torch.tensor([e - s for s, e in bounds], dtype=torch.float64)
        return (1.0 / lengths).to(torch.float32)[index]
    affinity = reg.affinity(labels)
    if affinity is None:
        return None
    # Hard labels times a scale: batch totals are small multiples, exact in any summation order.
    totals = torch.zeros(*affinity.shape[:-1], len(bounds), dtype=affinity.dtype).index_add_(-1, index, affinity)
    return affinity / (totals[..., index] + 1e-8)


class WideObjective:
    """`loss_s = MSE(ŷ_s, x_s) + Σ_r Σ_i c_sri · term_r(z_s)_i` for every seed s at once; the total is their sum.

    A term runs at a step when its scheduled weight is non-zero (the schedule is shared); a seed
    whose batch carries none of its labels has zero coefficients there, and so gets exactly the
    gradient it would get alone. The coefficients `[S, R, N]` (label weight × schedule weight)
    are worked out once per run; angular terms share one normalised copy of the latents.
    """

    def __init__(self, regularizers: list[Regularizer], weights: np.ndarray, streams: list[Batches]):
        self.regularizers = regularizers
        self.bounds = streams[0].bounds
        if any(s.bounds != self.bounds for s in streams):
            raise ValueError('seeds trained together must share their batch sizes')
        step_of = batch_of(self.bounds)
        w32 = torch.as_tensor(weights[: len(self.bounds)], dtype=torch.float32)
        labels = {k: torch.stack([s.labels[k] for s in streams]) for k in streams[0].labels}  # [S, N]
        self.terms: list[int] = []
        coefs = []
        for i, reg in enumerate(regularizers):
            c = coefficients(reg, labels, self.bounds)
            if not reg.train or c is None:
                continue
            self.terms.append(i)
            coefs.append((c * w32[step_of, i]).expand(len(streams), -1))  # [S, N]
        self.coef = torch.stack(coefs, dim=1) if coefs else torch.zeros(len(streams), 0, len(step_of))  # [S, R, N]
        scheduled = weights[: len(self.bounds)]
        self.active = [tuple(r for r, i in enumerate(self.terms) if scheduled[step, i] != 0) for step in range(len(self.bounds))]
        self._index = {a: torch.tensor(a, dtype=torch.long) for a in set(self.active)}

    def to(self, device: torch.device) -> WideObjective:
        self.coef = self.coef.to(device)
        self._index = {a: t.to(device) for a, t in self._index.items()}
        return self

    def __call__(self, y: Tensor, x: Tensor, latents: dict[str, Tensor], step: int) -> tuple[Tensor, Tensor]:
        """The summed loss over seeds, and each seed's reconstruction loss `[S]`."""
        recon = ((y - x) ** 2).mean(dim=(-2, -1))
        active = self.active[step]
        if not active:
            return recon.sum(), recon
        s, e = self.bounds[step]
        units: dict[str, Tensor] = {}
        rows = []
        for r in active:
            reg = self.regularizers[self.terms[r]]
            z = latents[reg.layer]
            u = None
            if reg.term.angular:
                u = units.get(reg.layer)
                if u is None:
                    u = units[reg.layer] = unit(z)
            rows.append(reg.per_sample(z, u))
        every = len(active) == len(self.terms)
        coef = self.coef[:, :, s:e] if every else self.coef[:, self._index[active], s:e]  # [S, A, B]; a view when all run
        return recon.sum() + (coef * torch.stack(rows, dim=1)).sum(), recon


class WideTraining(L.LightningModule):
    """The chunked training loop of `AnchoredAutoencoder`, over a wide model."""

    def __init__(self, model: WideAutoencoder, objective: WideObjective, inputs: Tensor, lr: np.ndarray, log_every: int):
        super().__init__()
        self.automatic_optimization = False
        self.model, self.objective = model, objective
        self.terms = nn.ModuleList(objective.regularizers[i].term for i in objective.terms)  # buffers follow the device
        self.inputs = inputs  # [S, N, 3]
        self._lr, self.log_every = lr.tolist(), log_every
        self._last = len(self._lr) - 1

    def on_fit_start(self) -> None:
        self.inputs = self.inputs.to(self.device)
        self.objective.to(self.device)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return FlatAdam(self.model.parameters(), lr=1e-8)  # after Lightning moved the model: the buffer stays put

    def transfer_batch_to_device(self, batch, device: torch.device, dataloader_idx: int):
        return batch

    def training_step(self, chunk: tuple[int, int], batch_idx: int) -> None:
        opt: FlatAdam = self.optimizers().optimizer
        bounds = self.objective.bounds
        for step in range(*chunk):
            s, e = bounds[step]
            x = self.inputs[:, s:e]
            y, latents = self.model(x)
            loss, recon = self.objective(y, x, latents, step)
            opt.apply_views(torch.autograd.grad(loss, opt.views), self._lr[step])
            if (step + 1) % self.log_every == 0 or step == self._last:
                mean = loss.item() / len(recon)
                if not math.isfinite(mean):
                    raise FloatingPointError(f'loss is {mean} at step {step}')
                self.logger.log_metrics({'train_loss': mean, 'train_recon': recon.mean().item(), 'lr': self._lr[step]}, step=step)


@dataclass
class WideResult:
    """One trained model per seed, what each seed's stream held, and the training log (means over seeds)."""

    seeds: list[int]
    models: list[nn.Module]
    label_counts: list[dict[str, int]]
    log: pd.DataFrame
    seconds: float
    steps: int


def train_wide(config: TrainConfig, seeds: list[int], *, threads: int | None = 1, device: str | None = None, progress: bool = False) -> WideResult:
    """Train one model per seed, all at once, in fast numerics; each seed as `train(config, seed, numerics='fast')` would."""
    t0 = time.perf_counter()
    dev = torch.device(device) if device else pick_device()
    floating_point.require(dev.type)
    with small_tensor_kernels(threads):
        prepared = [prepare(config, seed) for seed in seeds]
        regs = prepared[0][1]
        streams = [stream.batches for _, _, stream in prepared]
        weights, lr = schedule_tables(config, regs, len(streams[0]))
        model = WideAutoencoder([m for m, _, _ in prepared])
        objective = WideObjective(regs, weights, streams)
        inputs = torch.stack([s.x for s in streams])
        module = WideTraining(model, objective, inputs, lr, config.training.log_every)
        logger = MemoryLogger()
        with quiet_lightning(not progress):
            trainer = L.Trainer(max_epochs=1, accelerator='gpu' if dev.type == 'cuda' else 'cpu', devices=1, logger=logger,
                                log_every_n_steps=1, enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=progress,
                                num_sanity_val_steps=0, limit_val_batches=0)
            trainer.fit(module, train_dataloaders=StepChunks(len(streams[0]), CHUNK))
    models = module.model.cpu().unstack()
    return WideResult(list(seeds), models, [s.label_counts() for s in streams], logger.frame(), time.perf_counter() - t0, len(streams[0]))
