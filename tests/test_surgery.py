import pytest
import torch

from excolor.model.autoencoders import CNColorMLP
from excolor.model.surgery import ablate, prune


@pytest.fixture
def model():
    torch.manual_seed(1)
    return CNColorMLP(5, k_codec=10, n_nonlinear=2).train()  # unclamped: untrained outputs are mostly outside [0, 1]


def test_ablation_and_pruning_reconstruct_identically(model):
    x = torch.rand(500, 3)
    a, p = ablate(model, 'bottleneck', [0]), prune(model, 'bottleneck', [0])
    assert torch.allclose(a(x), p(x), atol=1e-6)
    assert not torch.allclose(a(x), model(x))


def test_shapes_and_zeroed_weights(model):
    a, p = ablate(model, 'bottleneck', [0, 0]), prune(model, 'bottleneck', [0])
    assert a.encoder[4].weight.shape == (5, 10) and torch.all(a.encoder[4].weight[0] == 0) and a.encoder[4].bias[0] == 0
    assert torch.all(a.decoder[0].weight[:, 0] == 0)
    assert torch.equal(a.decoder[0].bias, model.decoder[0].bias)  # consumer bias untouched
    assert p.encoder[4].weight.shape == (4, 10) and p.decoder[0].weight.shape == (10, 4)
    assert torch.equal(p.encoder[4].weight, model.encoder[4].weight[1:])


def test_the_original_is_never_mutated(model):
    w = model.encoder[4].weight.clone()
    ablate(model, 'bottleneck', [0])
    prune(model, 'bottleneck', [0])
    assert torch.equal(model.encoder[4].weight, w)


def test_bad_requests(model):
    with pytest.raises(IndexError):
        ablate(model, 'bottleneck', [5])
    with pytest.raises(AttributeError):
        prune(model, 'nowhere', [0])
    with pytest.raises(ValueError):
        prune(model, 'bottleneck', range(5))
