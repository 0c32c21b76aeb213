import numpy as np
import pytest
import torch

from excolor.data.color import ColorGrid
from excolor.params.schema import load_experiment
from excolor.measure.evaluation import error_correlation, evaluate, lower_median, per_color_mse
from excolor.model.autoencoders import CNColorMLP
from tests.conftest import PARAMS


def test_per_color_mse_and_lower_median():
    assert per_color_mse([[0, 0, 0], [1, 1, 1]], [[0, 0, 0.3], [1, 1, 1]]).tolist() == pytest.approx([0.03, 0])
    assert lower_median([4, 1, 3, 2]) == 2  # torch semantics: the lower middle value


def test_correlation_of_an_error_that_is_the_similarity():
    g = ColorGrid.from_rgb(*[np.linspace(0, 1, 6)] * 3)
    from excolor.data.color import similarity_to

    g = g.assign(MSE=0.5 * similarity_to(g.flat('color'), (0, 1, 1)) ** 3 + 0.01)
    c = error_correlation(g, (0, 1, 1), power=3)
    assert c.r == pytest.approx(1) and c.r2 == pytest.approx(1) and c.slope == pytest.approx(0.5) and c.power == 3


def test_evaluate_runs_every_condition_on_every_grid():
    exp = load_experiment(PARAMS / 'ex-2.9.1.yaml')
    torch.manual_seed(0)
    ev = evaluate(CNColorMLP(5, 10, 2), exp.evaluation)
    assert list(ev.conditions) == ['no intervention', 'ablated', 'pruned', 'suppression']
    abl, pru = ev['ablated'], ev['pruned']
    assert abl.loss_grid.shape == (150, 24, 24) and abl.slice_grid.shape == (12, 4, 5)
    assert abl.latent_grid['latents'].shape == (20, 20, 20, 5) and pru.latent_grid['latents'].shape == (20, 20, 20, 4)
    assert np.all(abl.latent_grid['latents'][..., 0] == 0)
    np.testing.assert_allclose(abl.loss_grid['MSE'], pru.loss_grid['MSE'], atol=1e-6)
    m = ev.metrics()
    assert {'ablated_r', 'ablated_r2', 'ablated_p', 'ablated_power', 'suppression_r', 'score', 'no_intervention_max_mse', 'ablated_mse_red'} <= set(m)
    assert m['score'] == abs(m['ablated_r'])
    table = ev.named_table()
    assert list(table.columns) == ['name', 'rgb', 'hsv', 'no intervention', 'ablated', 'ablated-delta', 'pruned', 'pruned-delta', 'suppression', 'suppression-delta']
    assert len(table) == 17
