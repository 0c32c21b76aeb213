"""`make bench` for the runner: results merge into _build/bench.json under "runs", keeping what else is there."""

import json

import pytest

from excolor.bench import sweeps as bench


def test_bench_merges_into_existing_json(tmp_path, monkeypatch):
    out = tmp_path / 'bench.json'
    out.write_text(json.dumps({'training': {'seconds_per_seed': 3.9}, 'runs': {'stale': True}}))
    monkeypatch.setattr(bench, 'overhead', lambda repeats: {'cold_seconds_per_run': 8.0, 'warm_seconds_per_run': 0.5,
                                                             'warm_kernel_start_seconds': 9.0, 'cold_over_warm': 16.0})
    calls = []

    def fake_sweep(profile, workers, runs_dir, experiments=None, limit=None):
        calls.append((profile, workers, experiments, limit))
        return {'profile': profile, 'workers': workers, 'runs': limit or 140, 'failed': 0, 'wall_seconds': 120.0 / workers,
                'runs_per_minute': 70.0}

    monkeypatch.setattr(bench, 'sweep_wall', fake_sweep)
    bench.main(['--out', str(out), '--sweep', '--small', '4'])
    data = json.loads(out.read_text())
    assert data['training'] == {'seconds_per_seed': 3.9}  # other keys kept
    runs = data['runs']
    assert 'stale' not in runs and runs['overhead']['warm_seconds_per_run'] == 0.5
    assert runs['sweep']['speedup_2_over_1'] == pytest.approx(2.0)
    assert calls[1:] == [('full', 1, ['ex-2.9.1'], 4), ('full', 2, ['ex-2.9.1'], 4)]
    bench.main(['--out', str(out)])  # without --sweep: the overhead only
    assert 'sweep' not in json.loads(out.read_text())['runs']


def test_trivial_notebook_is_parameterised(tmp_path):
    import nbformat

    nb = nbformat.read(bench.trivial_notebook(tmp_path), as_version=4)
    assert nb.cells[0].metadata.tags == ['parameters'] and 'import lightning' in nb.cells[1].source


@pytest.mark.slow
def test_warm_is_much_cheaper_than_cold():
    o = bench.overhead(repeats=1)
    assert o['warm_seconds_per_run'] * 3 < o['cold_seconds_per_run'], o
