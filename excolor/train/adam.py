"""Adam for tiny models: the fused kernel, without the per-step bookkeeping around it.

`torch.optim.Adam(fused=True).step()` spends ~200 µs of Python per call (grouping tensors by
device, reading every parameter's `.grad`, checks) around a ~50 µs kernel: for a model of
a few hundred weights that is more than the backward pass of some terms. `FusedAdam.apply`
calls the same kernel with the same state on lists built once, and takes the gradients as a
list (from `torch.autograd.grad`), so no `.grad` needs zeroing or accumulating either.
The result is bit-for-bit that of `torch.optim.Adam(fused=True)` (a test checks it), and the
object is still an `Adam`, so Lightning and `state_dict()` work as usual; `step()` reads
`.grad` and goes through `apply`.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import Tensor


class FusedAdam(torch.optim.Adam):
    """`torch.optim.Adam(fused=True)` with a lean `apply(grads, lr)` for a single parameter group."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr=lr, betas=betas, eps=eps, fused=True)
        if len(self.param_groups) != 1:
            raise ValueError('FusedAdam.apply supports exactly one parameter group')
        self._lists: tuple[list[Tensor], ...] | None = None

    @property
    def params(self) -> list[Tensor]:
        return self.param_groups[0]['params']

    def _state_lists(self) -> tuple[list[Tensor], ...]:
        if self._lists is None:
            params = self.params
            # As Adam initialises its state, except that fresh parameters share one step counter
            # (they always hold the same count): one increment per step instead of one per tensor.
            step = torch.zeros((), dtype=torch.float32, device=params[0].device)
            for p in params:
                state = self.state[p]
                if not state:
                    state['step'] = step if p.device == step.device else torch.zeros((), dtype=torch.float32, device=p.device)
                    state['exp_avg'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state['exp_avg_sq'] = torch.zeros_like(p, memory_format=torch.preserve_format)
            steps = [self.state[p]['step'] for p in params]
            counters = list({id(t): t for t in steps}.values())
            self._lists = ([self.state[p]['exp_avg'] for p in params], [self.state[p]['exp_avg_sq'] for p in params], steps, counters)
        return self._lists

    @torch.no_grad()
    def step(self, closure=None):
        """Adam's usual entry point, through `apply`: every parameter must have a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        missing = [i for i, p in enumerate(self.params) if p.grad is None]
        if missing:
            raise ValueError(f'FusedAdam.step: parameters {missing} have no gradient (every parameter must take part)')
        self.apply([p.grad for p in self.params], self.param_groups[0]['lr'])
        return loss

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._lists = None

    @torch.no_grad()
    def apply(self, grads: list[Tensor], lr: float) -> None:
        """One Adam step with these gradients (one per parameter, in `params` order) at this learning rate."""
        exp_avgs, exp_avg_sqs, steps, counters = self._state_lists()
        # The kernel walks memory in the parameter's order: a transposed gradient (a stacked
        # layer's, `excolor.train.wide`) must be laid out like its parameter first.
        grads = [g if g.is_contiguous() else g.contiguous() for g in grads]
        group = self.param_groups[0]
        group['lr'] = lr
        beta1, beta2 = group['betas']
        for counter in counters:
            counter.add_(1)
        torch._fused_adam_(self.params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False, lr=lr, beta1=beta1, beta2=beta2,
                           weight_decay=group['weight_decay'], eps=group['eps'], maximize=False, grad_scale=None, found_inf=None)


class FlatAdam(FusedAdam):
    """`FusedAdam` over parameters packed into one flat buffer, padded to a whole number of vectors.

    The fused kernel runs SIMD lanes over the body of each tensor and a scalar loop over its
    tail, and the two round differently. Which elements land in the tail depends on a tensor's
    size, so the same seed's update would change with the number of seeds stacked beside it.
    In one buffer whose length is a multiple of `ALIGN` every element takes the vector path:
    a seed's update is the same whether it trains alone or with a thousand others.
    """

    ALIGN = 64  # floats: a whole number of vectors for any SIMD width up to 2048 bits

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.views = list(params)
        total = sum(p.numel() for p in self.views)
        self.pad = -total % self.ALIGN
        first = self.views[0]
        flat = torch.zeros(total + self.pad, dtype=first.dtype, device=first.device)
        offset = 0
        with torch.no_grad():
            for p in self.views:
                n = p.numel()
                flat[offset : offset + n].copy_(p.reshape(-1))
                p.data = flat[offset : offset + n].view_as(p)  # the parameter now lives in the buffer
                offset += n
        super().__init__([torch.nn.Parameter(flat)], lr=lr, betas=betas, eps=eps)
        self._padding = torch.zeros(self.pad, dtype=first.dtype, device=first.device)

    @torch.no_grad()
    def apply_views(self, grads: list[Tensor], lr: float) -> None:
        """One Adam step with one gradient per packed parameter (in the order they were given)."""
        self.apply([torch.cat([g.reshape(-1) for g in grads] + [self._padding])], lr)
