import math

import pytest
import torch

from excolor.model.interventions import BezierMapper, BoundedFalloff, LinearMapper, Repulsion, Suppression, intervene
from excolor.model.autoencoders import CNColorMLP


def test_suppression_of_known_vectors():
    s = Suppression([1, 0, 0], BoundedFalloff(0, 1, 2))
    h = torch.tensor([[1.0, 0, 0], [0.6, 0.8, 0], [-0.6, 0.8, 0]])
    # gate = x², so h0 becomes 0.6 − 0.36·0.6 = 0.384; the negative side is untouched
    torch.testing.assert_close(s(h), torch.tensor([[0, 0, 0], [0.384, 0.8, 0], [-0.6, 0.8, 0]]))


def test_hard_gate_removes_the_whole_positive_component():
    s = Suppression(torch.tensor([1, 0, 0]), BoundedFalloff(math.cos(math.pi / 2), 1.0, 0.0))  # int concept is cast
    h = torch.tensor([[0.6, 0.8, 0], [-0.6, 0.8, 0]])
    torch.testing.assert_close(s(h), torch.tensor([[0, 0.8, 0], [-0.6, 0.8, 0]]))


def test_falloff_quirk_and_validation():
    x = torch.tensor([0.5])
    assert BoundedFalloff(1.0, 0.3)(x).item() == 0.5  # a ≈ 1: identity (upstream behaviour)
    with pytest.raises(ValueError):
        BoundedFalloff(1.5, 0.3)


def test_bezier_mapper_check_values():
    m = BezierMapper(0, 0.5)
    got = m(torch.tensor([0.1, 0.3, 0.5, 0.8, 1.0]))
    assert got.tolist() == pytest.approx([0.0959, 0.2603, 0.3826, 0.4830, 0.5], abs=1e-3)
    assert m.control_points[1].tolist() == pytest.approx([0.3536, 0.3536], abs=1e-4)
    assert LinearMapper(0.2, 0.6)(torch.tensor([0.1, 1.0])).tolist() == pytest.approx([0.1, 0.6])


def test_repulsion_rotates_to_the_mapped_cosine_and_unit_length():
    r = Repulsion([1, 0, 0], BezierMapper(0, 0.5))
    h = torch.tensor([[1.0, 0, 0], [0.6, 0.8, 0], [-0.6, 0.8, 0]])
    out = r(h)
    assert out[0, 0].item() == pytest.approx(0.5, abs=1e-6)  # fully aligned → 60° away
    assert out[:2].norm(dim=-1).tolist() == pytest.approx([1, 1])
    assert out[2].tolist() == pytest.approx([-0.6, 0.8, 0])
    assert torch.equal(r(h), out)  # the perpendicular for exactly parallel input is seeded


def test_intervene_edits_a_copy():
    torch.manual_seed(0)
    m = CNColorMLP(3).train()  # unclamped outputs
    x = torch.rand(10, 3)
    before = m(x)
    concept = m.bottleneck(m.encoder(x[:1]))[0].detach()  # aligned with at least one input
    edited = intervene(m, Suppression(concept, BoundedFalloff(0, 1, 0)), 'bottleneck')
    assert torch.equal(m(x), before)
    assert not torch.allclose(edited(x), before)
