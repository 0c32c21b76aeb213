import numpy as np
import pytest
import torch

from excolor.color import ColorGrid, arange_cyclic
from excolor.data import ColorDataset
from excolor.labels import LabelRule, draw_labels, redness, vibrancy


def test_redness_and_vibrancy():
    rgb = torch.tensor([[1.0, 0, 0], [1, 1, 0], [0.5, 0.5, 0.5], [1, 0.5, 0]])
    assert redness(rgb).tolist() == [1.0, 0.5, 0.25, 0.75]
    assert vibrancy(rgb).tolist() == [1.0, 1.0, 0.0, 1.0]


def test_probabilities_at_the_seeds_scale():
    red = LabelRule('redness', power=10, scale=0.5)
    hue10 = torch.tensor([[1.0, 1 / 6, 0]])  # 10° at full saturation and value
    assert red.probability(torch.tensor([[1.0, 0, 0]])).item() == 0.5
    assert red.probability(hue10).item() == pytest.approx(0.21, abs=0.01)
    exact = LabelRule('redness', mode='exact')
    assert exact.probability(torch.tensor([[1.0, 0, 0], [0.99, 0, 0]])).tolist() == [1.0, 0.0]


def test_draws_are_bernoulli_with_the_probability():
    g = torch.Generator().manual_seed(0)
    labels = draw_labels(torch.full((100_000,), 0.25), g)
    assert set(labels.unique().tolist()) == {0.0, 1.0}
    assert labels.mean().item() == pytest.approx(0.25, abs=0.01)


def hsv_dataset(**rules) -> ColorDataset:
    g = ColorGrid.from_hsv(arange_cyclic(1 / 36), np.linspace(0, 1, 10), np.linspace(0, 1, 10))
    colors = torch.as_tensor(g.flat('color'), dtype=torch.float32)
    return ColorDataset(colors, torch.as_tensor(g.flat('bias')), rules, 3600, 64)


def test_label_proportions_under_the_biased_sampler():
    # expected rates (spec): red ≈ 0.24 % and vibrant ≈ 1.9 % of samples
    ds = hsv_dataset(red=LabelRule('redness', 10, 0.5), vibrant=LabelRule('vibrancy', 100, 0.5))
    batches = ds.draw(3000, torch.Generator().manual_seed(1))
    counts = batches.label_counts()
    assert counts['red'] / counts['n_total'] == pytest.approx(0.0024, rel=0.15)
    assert counts['vibrant'] / counts['n_total'] == pytest.approx(0.019, rel=0.1)


def test_epochs_split_into_batches_with_a_short_last_one():
    batches = hsv_dataset().draw(60, torch.Generator().manual_seed(0))
    sizes = [e - s for s, e in batches.bounds]
    assert sizes[:57] == [64] * 56 + [16] and sizes[57:] == [64] * 3
    assert batches[56].x.shape == (16, 3)


def test_the_stream_is_a_function_of_the_seed():
    ds = hsv_dataset(red=LabelRule('redness', 10, 0.5))
    a, b = (ds.draw(20, torch.Generator().manual_seed(3)) for _ in range(2))
    c = ds.draw(20, torch.Generator().manual_seed(4))
    assert torch.equal(a.x, b.x) and torch.equal(a.labels['red'], b.labels['red'])
    assert not torch.equal(a.x, c.x)
