import numpy as np
import pytest
import torch

from excolor.data import Batches
from excolor.objective import Objective
from excolor.regularizers import Anchor, AngularAnchor, AntiAnchor, AxisAlignedSubspace, Planarity, Regularizer, Separate, Unitarity

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


def test_fused_objective_equals_the_sum_of_terms():
    torch.manual_seed(0)
    z = torch.randn(64, 5, requires_grad=True)
    zn = z / z.norm(dim=-1, keepdim=True)
    x, y = torch.rand(64, 3), torch.rand(64, 3)
    labels = {'red': (torch.rand(64) < 0.1).float()}
    regs = [
        Regularizer('separate', Separate(100, True), 'b'),
        Regularizer('anchor', AngularAnchor([1, 0, 0, 0, 0]), 'b', {'red': 1.0}),
        Regularizer('anti', AntiAnchor([-1, 0, 0, 0, 0]), 'b'),
        Regularizer('sub', AxisAlignedSubspace([0], invert=True), 'b'),
        Regularizer('unit', Unitarity(), 'e'),
    ]
    w = np.array([[0.01, 0.1, 0.05, 0.25, 0.0]])
    objective = Objective(regs, w, Batches(x, labels, ((0, 64),)))
    loss, recon, terms = objective(y, x, {'b': zn, 'e': z}, 0, terms=True)
    expected = torch.nn.functional.mse_loss(y, x) + sum(wi * r.loss(zn, labels) for wi, r in zip(w[0], regs) if wi)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert set(terms) == {'separate', 'anchor', 'anti', 'sub'}  # zero weight: not computed, not logged
    assert terms['anchor'].item() == pytest.approx(regs[1].loss(zn, labels).item(), rel=1e-6)


def test_the_plan_follows_each_batch_labels_and_size():
    """Per-sample coefficients are the batch's own: 1/B for every sample, a_i/Σa for labelled ones."""
    x = torch.rand(10, 3)
    red = torch.tensor([0, 0, 0, 0, 1, 1, 0, 0, 0, 0.0])  # batches: [0, 4) none, [4, 8) two, [8, 10) none
    regs = [Regularizer('unit', Unitarity(), 'e'), Regularizer('anchor', Anchor([1, 0]), 'e', {'red': 1.0})]
    objective = Objective(regs, np.array([[2.0, 3.0]] * 3), Batches(x, {'red': red}, ((0, 4), (4, 8), (8, 10))))
    first, second, last = objective.plans
    assert first.active == (0,) and first.zero == (1,)
    assert torch.equal(first.coef, torch.full((1, 4), 2.0 / 4))
    assert second.active == (0, 1)
    assert torch.allclose(second.coef[1], torch.tensor([1.5, 1.5, 0, 0]))
    assert torch.equal(last.coef, torch.full((1, 2), 2.0 / 2))
    z = torch.randn(2, 2)
    _, recon, terms = objective(torch.zeros(2, 3), x[8:], {'e': z}, 2, terms=True)
    assert terms['anchor'].item() == 0.0 and terms['unit'].item() == pytest.approx(regs[0].loss(z, {}).item())
