"""The autoencoders: RGB → a K-dimensional latent → RGB.

Submodule names are part of the interface: regularizers and interventions address the
`encoder` output (the raw latent) or the `bottleneck` output (the unit-norm latent) by name.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _mlp(n_in: int, width: int, n_out: int, n_nonlinear: int) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Linear(n_in, width), nn.GELU()]
    for _ in range(n_nonlinear - 1):
        layers += [nn.Linear(width, width), nn.GELU()]
    return layers + [nn.Linear(width, n_out)]


class ColorMLP(nn.Module):
    """The first model (ex-2.2): no normalisation; unit norm is only encouraged by regularizers."""

    def __init__(self, k_bottleneck: int, width: int = 16):
        super().__init__()
        self.k_bottleneck = k_bottleneck
        self.encoder = nn.Sequential(*_mlp(3, width, k_bottleneck, 1))
        self.decoder = nn.Sequential(*_mlp(k_bottleneck, width, 3, 1), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))


class L2Norm(nn.Module):
    """Projects latents onto the unit sphere, so directions are all that can carry meaning."""

    def forward(self, z: Tensor) -> Tensor:
        return nn.functional.normalize(z, dim=-1)


class CNColorMLP(nn.Module):
    """Normalised-latent autoencoder (ex-2.3 on): the decoder sees only unit vectors.

    Training sees the raw output (so the loss has gradient beyond [0, 1]); eval mode clamps the
    output to valid colours. `sigmoid_out` is the variant ex-2.3 compares against.
    """

    def __init__(self, k_bottleneck: int, k_codec: int = 16, n_nonlinear: int = 1, sigmoid_out: bool = False):
        super().__init__()
        self.k_bottleneck = k_bottleneck
        self.encoder = nn.Sequential(*_mlp(3, k_codec, k_bottleneck, n_nonlinear))
        self.bottleneck = L2Norm()
        tail = [nn.Sigmoid()] if sigmoid_out else []
        self.decoder = nn.Sequential(*_mlp(k_bottleneck, k_codec, 3, n_nonlinear), *tail)

    def forward(self, x: Tensor) -> Tensor:
        y = self.decoder(self.bottleneck(self.encoder(x)))
        return y if self.training else y.clamp(0, 1)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def latent_layer(model: nn.Module) -> str:
    """The layer whose output is the model's latent as interventions see it."""
    return 'bottleneck' if isinstance(model, CNColorMLP) else 'encoder'


def capture_outputs(model: nn.Module, layers: list[str], store: dict[str, Tensor]) -> list[torch.utils.hooks.RemovableHandle]:
    """Forward hooks that keep the latest output of each named layer in `store` (with grad)."""
    handles = []
    for name in layers:
        module = model.get_submodule(name)

        def hook(_m: nn.Module, _inp: tuple, out: Tensor, name: str = name) -> None:
            store[name] = out

        handles.append(module.register_forward_hook(hook))
    return handles
