import numpy as np
import pytest
import torch

from excolor.train.components import build_loader
from excolor.params.schema import DataSpec
from excolor.data.stream import Loader, draw_run
from excolor.data.labels import LabelRule, batch_probabilities, grid_probabilities, hsv_vibrancy, redness, vibrancy


def test_redness_and_vibrancy():
    rgb = torch.tensor([[1.0, 0, 0], [1, 1, 0], [0.5, 0.5, 0.5], [1, 0.5, 0]])
    assert redness(rgb).tolist() == [1.0, 0.5, 0.25, 0.75]
    assert vibrancy(rgb).tolist() == [1.0, 1.0, 0.0, 1.0]


def test_probabilities_at_the_seeds_scale():
    red = {'red': LabelRule('redness', power=10, scale=0.5)}
    hue10 = torch.tensor([[1.0, 1 / 6, 0]])  # 10° at full saturation and value
    no_vibrancy = torch.zeros(1)
    assert batch_probabilities(torch.tensor([[1.0, 0, 0]]), no_vibrancy, red)['red'].item() == 0.5
    assert batch_probabilities(hue10, no_vibrancy, red)['red'].item() == pytest.approx(0.21, abs=0.01)
    exact = grid_probabilities(np.array([[1.0, 0, 0], [0.99, 0, 0]]), {'red': LabelRule('redness', mode='exact')})
    assert exact['red'].tolist() == [1.0, 0.0]
    assert batch_probabilities(hue10, torch.tensor([0.5]), {'d': LabelRule('desaturation', 10, 0.5)})['d'].item() == pytest.approx(0.5**11)


def hsv_loader(**labels) -> Loader:
    spec = DataSpec(grid={'space': 'hsv', 'h': 36, 's': 10, 'v': 10}, sampling='bias', workers=2, probabilities='batch', labels=labels)
    return build_loader(spec)


def test_label_proportions_under_the_biased_sampler():
    # expected rates (spec): red ≈ 0.24 % and vibrant ≈ 1.9 % of samples
    loader = hsv_loader(red={'quantity': 'redness', 'power': 10, 'scale': 0.5}, vibrant={'quantity': 'vibrancy', 'power': 100, 'scale': 0.5})
    counts = draw_run(loader, 3000, torch.Generator().manual_seed(1)).batches.label_counts()
    assert counts['red'] / counts['n_total'] == pytest.approx(0.0024, rel=0.15)
    assert counts['vibrant'] / counts['n_total'] == pytest.approx(0.019, rel=0.1)


def test_epochs_split_into_batches_with_a_short_last_one():
    batches = draw_run(hsv_loader(), 60, torch.Generator().manual_seed(0)).batches
    sizes = [e - s for s, e in batches.bounds]
    assert sizes[:57] == [64] * 56 + [16] and sizes[57:] == [64] * 3
    assert batches[56].x.shape == (16, 3)


def test_the_stream_is_a_function_of_the_generator():
    loader = hsv_loader(red={'quantity': 'redness', 'power': 10, 'scale': 0.5})
    a, b = (draw_run(loader, 20, torch.Generator().manual_seed(3)).batches for _ in range(2))
    c = draw_run(loader, 20, torch.Generator().manual_seed(4)).batches
    assert torch.equal(a.x, b.x) and torch.equal(a.labels['red'], b.labels['red'])
    assert not torch.equal(a.x, c.x)


def test_vibrancy_is_s_times_v_through_hsv():
    rgb = np.array([[1.0, 0, 0], [0.5, 0.5, 0.5], [0, 0, 0], [0.3, 0.6, 0.9]])
    delta = 0.9 - 0.3
    assert hsv_vibrancy(rgb).tolist() == [1.0, 0.0, 0.0, (delta / 0.9) * 0.9]
