import torch

from excolor.train.adam import FusedAdam


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.GELU(), torch.nn.Linear(8, 3))


def test_apply_is_bit_for_bit_torch_fused_adam():
    ours, ref = _model(), _model()
    opt, ref_opt = FusedAdam(ours.parameters(), lr=1e-8), torch.optim.Adam(ref.parameters(), lr=1e-8, fused=True)
    x = torch.rand(256, 3)
    for step, lr in enumerate([1e-3, 1e-2, 5e-3, 1e-2, 1e-4]):
        xb = x[step * 32:(step + 1) * 32]
        opt.apply(torch.autograd.grad((ours(xb) - xb).pow(2).mean(), opt.params), lr)
        ref_opt.zero_grad()
        (ref(xb) - xb).pow(2).mean().backward()
        for g in ref_opt.param_groups:
            g['lr'] = lr
        ref_opt.step()
    for a, b in zip(ours.parameters(), ref.parameters()):
        assert torch.equal(a, b)
    assert all(float(s['step']) == 5 for s in opt.state.values())


def test_state_round_trips_through_torch_adam():
    model = _model()
    opt = FusedAdam(model.parameters())
    opt.apply([torch.ones_like(p) for p in opt.params], 1e-3)
    restored = FusedAdam(model.parameters())
    restored.load_state_dict(opt.state_dict())
    restored.apply([torch.ones_like(p) for p in restored.params], 1e-3)
    assert all(float(s['step']) == 2 for s in restored.state.values())


def test_step_reads_grads_and_counts_once():
    """`step()` goes through `apply`: the shared step counter moves by one, as in torch's Adam."""
    ours, ref = _model(), _model()
    opt, ref_opt = FusedAdam(ours.parameters(), lr=1e-2), torch.optim.Adam(ref.parameters(), lr=1e-2, fused=True)
    x = torch.rand(32, 3)
    for model, o in ((ours, opt), (ref, ref_opt)):
        for _ in range(3):
            o.zero_grad()
            (model(x) - x).pow(2).mean().backward()
            o.step()
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), ref.parameters()))
    assert all(float(s['step']) == 3 for s in opt.state.values())
