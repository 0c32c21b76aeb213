import torch

from excolor.model.autoencoders import CNColorMLP, ColorMLP, n_parameters


def test_parameter_counts_match_the_seeds():
    assert n_parameters(ColorMLP(4)) == 263
    assert n_parameters(CNColorMLP(4, sigmoid_out=True)) == 263
    assert n_parameters(CNColorMLP(5, k_codec=16, n_nonlinear=2)) == 840
    assert n_parameters(CNColorMLP(5, k_codec=10, n_nonlinear=2)) == 408


def test_bottleneck_is_unit_norm_and_eval_clamps():
    torch.manual_seed(0)
    m = CNColorMLP(5, 10, 2)
    x = torch.rand(256, 3)
    z = m.bottleneck(m.encoder(x))
    assert torch.allclose(z.norm(dim=-1), torch.ones(256))
    with torch.no_grad():
        m.decoder[-1].bias.fill_(5.0)  # push raw outputs far above 1
        assert m.train()(x).max() > 1
        assert m.eval()(x).max() == 1
