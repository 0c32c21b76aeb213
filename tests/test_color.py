import numpy as np
import pytest

from excolor.data.color import ColorGrid, arange_cyclic, hsv_similarity, named_colors


def test_cyclic_hues_exclude_the_endpoint():
    assert len(arange_cyclic(10 / 360)) == 36
    assert len(arange_cyclic(1 / 240)) == 240
    assert arange_cyclic(1 / 12)[-1] == pytest.approx(11 / 12)


def test_hsv_training_grid_and_bias():
    g = ColorGrid.from_hsv(arange_cyclic(1 / 36), np.linspace(0, 1, 10), np.linspace(0, 1, 10))
    assert g.shape == (36, 10, 10) and g.size == 3600
    bias = g['bias']
    assert bias[0, -1, -1] == pytest.approx(1.0)  # vibrant
    assert bias[0, 0, -1] == pytest.approx(1 / 36)  # white
    assert bias[0, 0, 0] == pytest.approx(1 / 360)  # black
    assert bias.sum() == pytest.approx(930)
    assert np.allclose(g['color'][0, -1, -1], [1, 0, 0])  # hue 0, full s, v: red


def test_grid_rows_are_c_ordered():
    g = ColorGrid.from_rgb([0, 1], [0, 0.5, 1], [0, 1])
    flat = g.flat('color')
    assert flat.shape == (12, 3)
    assert flat[1].tolist() == [0, 0, 1] and flat[2].tolist() == [0, 0.5, 0]


def test_permute_moves_vector_vars_with_their_axes():
    g = ColorGrid.from_hsv(arange_cyclic(1 / 12), np.linspace(0, 1, 4), np.linspace(0, 1, 5))
    p = g.permute('svh')
    assert p.shape == (4, 5, 12) and p['color'].shape == (4, 5, 12, 3)
    assert np.array_equal(p['color'][3, 4, 0], g['color'][0, 3, 4])


def test_named_colors():
    rows = named_colors()
    assert len(rows) == 17
    assert rows[0][0] == 'red' and rows[0][2] == (1.0, 0.0, 0.0)
    assert rows[4][0] == 'green' and rows[16][0] == 'white'
    assert rows[13][2] == (0.25, 0.25, 0.25)


def test_similarity_to_red():
    hsv = np.array([[0, 1, 1], [0.25, 1, 1], [1 / 8, 1, 1], [0, 0, 1], [0, 0, 0]])
    sim = hsv_similarity(hsv, (0, 1, 1))
    # red itself 1; 90° away 0; 45° away: hue similarity 0.5 at full vibrancy; greys: s = 0 → 0
    assert sim.tolist() == pytest.approx([1, 0, 0.5, 0, 0])
