"""Numeric drift measured by the build: drift runs set beside the pinned runs of the same seeds."""

import json

import pytest

from excolor.runs.drift import environments, load_drift, metric_drift, per_seed_moves, tolerances


def _run(root, profile, experiment, seed, metrics):
    folder = root / profile / experiment / f'seed-{seed:03d}'
    folder.mkdir(parents=True)
    (folder / 'metrics.json').write_text(json.dumps(metrics))


@pytest.fixture
def runs(tmp_path):
    for seed, r in ((0, 0.92), (1, 0.95), (2, 0.90)):
        _run(tmp_path, 'full', 'ex-2.9.1', seed, {'ablated_r': r, 'labels': 87})
    _run(tmp_path, 'full', 'ex-2.9', 0, {'ablated_max_mse': 0.26})
    moved = {'native': (0.92, 0.93, 0.955), 'mkl-compatible': (0.92, 0.95, 0.9)}
    for env, values in moved.items():
        for seed, r in enumerate(values):
            _run(tmp_path, f'drift@{env}', 'ex-2.9.1', seed, {'ablated_r': r, 'labels': 87, 'note': 'text'})
        _run(tmp_path, f'drift@{env}', 'ex-2.9', 0, {'ablated_max_mse': 0.27})
    _run(tmp_path, 'drift@native', 'ex-2.9.1', 7, {'ablated_r': 0.5})  # no pinned run of seed 7: not compared
    return tmp_path


def test_each_drift_number_is_set_beside_the_pinned_run_of_its_seed(runs):
    assert list(environments(runs, 'drift')) == ['mkl-compatible', 'native']
    drift = load_drift(runs, 'full', 'drift')
    assert set(drift.metric) == {'ablated_r', 'labels', 'ablated_max_mse'}  # numbers only
    assert 7 not in set(drift.seed)
    row = drift[(drift.environment == 'native') & (drift.seed == 2) & (drift.metric == 'ablated_r')].iloc[0]
    assert (row.pinned, row.other) == (0.90, 0.955) and row.delta == pytest.approx(0.055)


def test_the_tolerance_is_the_largest_move_per_experiment_and_metric(runs):
    tol = tolerances(load_drift(runs, 'full', 'drift'))
    assert tol['ex-2.9.1']['ablated_r'] == pytest.approx(0.055)
    assert tol['ex-2.9.1']['labels'] == 0
    assert tol['ex-2.9']['ablated_max_mse'] == pytest.approx(0.01)


def test_a_metrics_drift_counts_seeds_and_says_whether_the_best_seed_changes(runs):
    d = metric_drift(load_drift(runs, 'full', 'drift'), 'ex-2.9.1', 'ablated_r', threshold=0.01)
    assert (d.seeds, d.over, d.identical) == (3, 2, 1)
    assert d.largest == pytest.approx(0.055) and d.median == pytest.approx(0.02)
    assert d.best_pinned == 1 and d.best_elsewhere == {'mkl-compatible': 1, 'native': 2} and d.best_changes
    moves = per_seed_moves(load_drift(runs, 'full', 'drift'), 'ex-2.9.1', 'ablated_r')
    assert list(moves.columns) == ['mkl-compatible', 'native'] and list(moves.index) == [0, 1, 2]
    with pytest.raises(ValueError, match='no drift runs of ex-2.2'):
        metric_drift(load_drift(runs, 'full', 'drift'), 'ex-2.2', 'ablated_r')
