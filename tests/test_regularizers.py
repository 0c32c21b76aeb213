import numpy as np
import pytest
import torch

from excolor.data.stream import Batches
from excolor.train.wide import WideObjective, coefficients
from excolor.model.regularizers import Anchor, AngularAnchor, AntiAnchor, AxisAlignedSubspace, Planarity, Regularizer, Separate, Unitarity

Z = torch.tensor([[2.0, 0, 0], [0, 1, 0], [-1, 0, 0]])


def test_anchor_is_squared_distance():
    assert Anchor([1, 0, 0])(Z).tolist() == [1.0, 2.0, 4.0]


def test_angular_anchor_and_anti_anchor():
    assert AngularAnchor([1, 0, 0])(Z).tolist() == pytest.approx([0, 1, 2])
    assert AntiAnchor([-1, 0, 0])(Z).tolist() == pytest.approx([0, 0, 1])  # hemi: only the opposite side pays
    assert AntiAnchor([-1, 0, 0], hemi=False)(Z).tolist() == pytest.approx([0, 0.5, 1])


def test_unitarity():
    assert Unitarity()(Z).tolist() == [1.0, 0.0, 0.0]


def test_subspace_and_planarity():
    z = torch.tensor([[1.0, 2, 3, 4]])
    assert AxisAlignedSubspace([2, 3, 4])(torch.tensor([[1.0, 2, 3, 4, 5]])).item() == 5.0  # z0² + z1²
    assert AxisAlignedSubspace([0], invert=True)(z).item() == 1.0  # z0² only
    assert Planarity()(z).item() == 25.0  # everything off the e0–e1 plane
    with pytest.raises(ValueError):
        AxisAlignedSubspace([1, 1])


def test_separate_zeroes_self_and_duplicates_before_shifting():
    z = torch.tensor([[1.0, 0], [1.0, 0], [0, 1.0]])
    # rows 0 and 1 are duplicates: cos 1 → zeroed, then shifted to 0.5; cos(0, 2) = 0 → 0.5
    assert Separate(power=1, shift=True)(z).tolist() == pytest.approx([1.5, 1.5, 1.5])
    assert Separate(power=2, shift=False)(torch.tensor([[1.0, 0], [-1.0, 0]])).tolist() == pytest.approx([1, 1])


def test_label_weighted_mean():
    reg = Regularizer('anchor', AngularAnchor([1, 0, 0]), 'bottleneck', {'red': 1.0})
    labels = {'red': torch.tensor([1.0, 0, 1])}
    assert reg.loss(Z, labels).item() == pytest.approx((0 + 2) / 2)
    assert reg.loss(Z, {'red': torch.zeros(3)}).item() == 0.0  # no labelled sample: exactly 0
    assert reg.loss(Z, {'vibrant': torch.ones(3)}) is None  # label absent: skipped
    everyone = Regularizer('unit', Unitarity(), 'encoder')
    assert everyone.loss(Z, {}).item() == pytest.approx(1 / 3)


def test_fast_terms_are_the_exact_terms_rearranged():
    torch.manual_seed(0)
    z = torch.randn(64, 5)
    for term in (Separate(100, True), AngularAnchor([1, 0, 0, 0, 0]), AntiAnchor([-1, 0, 0, 0, 0]), AxisAlignedSubspace([0], invert=True), Unitarity()):
        assert torch.allclose(term.fast(z), term(z), rtol=1e-5, atol=1e-6), type(term).__name__
        assert term.fast(z[None].expand(3, 64, 5)).shape == (3, 64)  # works over S seeds at once


def test_wide_objective_equals_each_seeds_sum_of_terms():
    torch.manual_seed(0)
    regs = [
        Regularizer('separate', Separate(100, True), 'b'),
        Regularizer('anchor', AngularAnchor([1, 0, 0, 0, 0]), 'b', {'red': 1.0}),
        Regularizer('anti', AntiAnchor([-1, 0, 0, 0, 0]), 'b'),
        Regularizer('unit', Unitarity(), 'e'),
    ]
    w = np.array([[0.01, 0.1, 0.05, 0.0]])
    red = [(torch.arange(64) < 3).float(), torch.zeros(64)]  # seed 1's batch carries no red label
    streams = [Batches(torch.rand(64, 3), {'red': r}, ((0, 64),)) for r in red]
    objective = WideObjective(regs, w, streams)
    assert objective.active == [(0, 1, 2)]  # zero weight: not computed
    z = torch.randn(2, 64, 5)
    zn = z / z.norm(dim=-1, keepdim=True)
    x, y = torch.stack([s.x for s in streams]), torch.rand(2, 64, 3)
    loss, recon = objective(y, x, {'b': zn, 'e': z}, 0)
    expected = [torch.nn.functional.mse_loss(y[i], x[i]) + sum(wi * r.loss(zn[i], streams[i].labels) for wi, r in zip(w[0], regs) if wi) for i in range(2)]
    assert recon.tolist() == pytest.approx([e.item() for e in [torch.nn.functional.mse_loss(y[i], x[i]) for i in range(2)]], rel=1e-6)
    assert loss.item() == pytest.approx(sum(e.item() for e in expected), rel=1e-5)


def test_coefficients_follow_each_batch_labels_and_size():
    """1/B for every sample, a_i/Σa for labelled ones, all zero in a batch without the label."""
    red = torch.tensor([0, 0, 0, 0, 1, 1, 0, 0, 0, 0.0])  # batches: [0, 4) none, [4, 8) two, [8, 10) none
    bounds = ((0, 4), (4, 8), (8, 10))
    unit = coefficients(Regularizer('unit', Unitarity(), 'e'), {'red': red}, bounds)
    assert torch.equal(unit, torch.tensor([0.25] * 8 + [0.5] * 2))
    anchor = coefficients(Regularizer('anchor', Anchor([1, 0]), 'e', {'red': 1.0}), {'red': torch.stack([red, red.flip(0)])}, bounds)
    assert torch.allclose(anchor[0], torch.tensor([0, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0]))  # each seed's own batches
    assert torch.allclose(anchor[1], torch.tensor([0, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0]))
    assert coefficients(Regularizer('v', Unitarity(), 'e', {'vibrant': 1.0}), {'red': red}, bounds) is None
