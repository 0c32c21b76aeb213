"""Surgery on a copy of a model: `ablate` zeroes the weights around latent dimensions, `prune` removes them.

Both find the Linear layer that produces `layer`'s input (the nearest Linear before it) and the
one that consumes its output (the nearest after). In the normalised models the L2 norm sits
between the two, so an ablated and a pruned model reconstruct identically; only the width of
their latents differs.
"""

from __future__ import annotations

import copy
from typing import Sequence

import torch
from torch import nn


def _producer_consumer(model: nn.Module, layer: str) -> tuple[str, str]:
    names = [name for name, _ in model.named_modules()]
    if layer not in names:
        raise AttributeError(f'{type(model).__name__} has no layer {layer!r}')
    at = names.index(layer)
    linears = {name for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    before = [n for n in names[: at + 1] if n in linears and not n.startswith(layer + '.')]
    after = [n for n in names[at:] if n in linears and n != layer]
    if layer in linears:  # a Linear layer produces its own output
        before = [layer]
    if not before or not after:
        raise RuntimeError(f'no Linear on both sides of {layer!r}')
    producer, consumer = before[-1], after[0]
    p, c = model.get_submodule(producer), model.get_submodule(consumer)
    if p.out_features != c.in_features:
        raise RuntimeError(f'{producer} gives {p.out_features} features but {consumer} takes {c.in_features}')
    return producer, consumer


def _dims(dims: Sequence[int], k: int) -> list[int]:
    out = sorted(set(int(d) for d in dims))
    for d in out:
        if not 0 <= d < k:
            raise IndexError(f'dimension {d} out of range for a {k}-dimensional latent')
    return out


@torch.no_grad()
def ablate(model: nn.Module, layer: str, dims: Sequence[int]) -> nn.Module:
    """Copy with the producer's rows and bias and the consumer's columns for `dims` set to zero."""
    edited = copy.deepcopy(model)
    producer, consumer = _producer_consumer(edited, layer)
    p, c = edited.get_submodule(producer), edited.get_submodule(consumer)
    idx = _dims(dims, p.out_features)
    p.weight[idx] = 0
    if p.bias is not None:
        p.bias[idx] = 0
    c.weight[:, idx] = 0
    return edited


@torch.no_grad()
def prune(model: nn.Module, layer: str, dims: Sequence[int]) -> nn.Module:
    """Copy with `dims` removed: the producer loses those outputs and the consumer those inputs."""
    edited = copy.deepcopy(model)
    producer, consumer = _producer_consumer(edited, layer)
    p, c = edited.get_submodule(producer), edited.get_submodule(consumer)
    drop = _dims(dims, p.out_features)
    keep = [d for d in range(p.out_features) if d not in drop]
    if not keep:
        raise ValueError('cannot prune every dimension')
    new_p = nn.Linear(p.in_features, len(keep), bias=p.bias is not None, device=p.weight.device, dtype=p.weight.dtype)
    new_p.weight.copy_(p.weight[keep])
    if p.bias is not None:
        new_p.bias.copy_(p.bias[keep])
    new_c = nn.Linear(len(keep), c.out_features, bias=c.bias is not None, device=c.weight.device, dtype=c.weight.dtype)
    new_c.weight.copy_(c.weight[:, keep])
    if c.bias is not None:
        new_c.bias.copy_(c.bias)
    edited.set_submodule(producer, new_p)
    edited.set_submodule(consumer, new_c)
    if hasattr(edited, 'k_bottleneck'):
        edited.k_bottleneck = len(keep)
    return edited
