import pytest

from excolor.measure.reproduction import (
    DIFFERS,
    DRIFT,
    IDENTICAL,
    NOT_RUN,
    compare_all,
    judge,
    load_published,
    load_reruns,
    rows_for,
    significant_digits,
    statistic,
    tally,
    welch,
)
from tests.conftest import ROOT

PUBLISHED = ROOT / 'book' / 'data' / 'published.yaml'
RERUN = ROOT / 'book' / 'data' / 'upstream-ex-2.9.1-pinned-per-seed.csv'
SEED0 = ROOT / 'book' / 'data' / 'upstream-seed0-pinned.csv'


def test_printed_digits_are_the_literal_significant_digits():
    assert [significant_digits(v) for v in (0.014, 0.921529, 6.3e-05, 0.00019, 0.26)] == [2, 6, 2, 2, 2]


def test_identical_at_the_printed_digits():
    assert judge(0.014, 0.01449, 'no_intervention_max_mse') == IDENTICAL
    assert judge(0.014, 0.01451, 'no_intervention_max_mse') == DIFFERS  # no measured drift for MSE
    assert judge(0.921529, 0.9215294, 'ablated_r') == IDENTICAL


def test_within_the_drift_the_build_measured():
    drift = {'ablated_r': 0.009351}
    assert judge(0.905823, 0.896823, 'ablated_r', drift) == DRIFT
    assert judge(0.905823, 0.8958, 'ablated_r', drift) == DIFFERS
    assert judge(0.014, 0.0149, 'no_intervention_max_mse', drift) == DIFFERS  # no drift measured for this metric
    assert judge(0.9, None, 'ablated_r', drift) == NOT_RUN


def test_drift_is_looked_up_per_experiment():
    entry = {'experiment': 'ex-2.9', 'metric': 'ablated_max_mse', 'quantity': 'max', 'value': 0.26, 'seed': 0}
    ours = {'ex-2.9': {0: {'ablated_max_mse': 0.268}}}
    assert [r.verdict for r in compare_all([entry], ours, {}, {'ex-2.9': {'ablated_max_mse': 0.01}})] == [DRIFT]
    assert [r.verdict for r in compare_all([entry], ours, {}, {'ex-2.10': {'ablated_max_mse': 0.01}})] == [DIFFERS]


def test_statistics_over_the_same_seeds_and_welch():
    entry = {'experiment': 'e', 'metric': 'ablated_r', 'quantity': 'q', 'mean': 0.5, 'sd': 0.1, 'min': 0.4, 'max': 0.6, 'n': 3}
    ours = {0: {'ablated_r': 0.4}, 1: {'ablated_r': 0.5}, 2: {'ablated_r': 0.6}}
    rows = rows_for(entry, ours, {})
    assert [r.quantity for r in rows] == ['q: mean', 'q: sd', 'q: min', 'q: max']
    assert [r.verdict for r in rows] == [IDENTICAL] * 4
    assert rows[0].note.startswith('Welch 2 SE: consistent')
    assert [r.verdict for r in rows_for(entry, {0: {'ablated_r': 0.4}}, {})] == [NOT_RUN] * 4  # not the same seeds
    assert statistic('sd', [1.0]) is None and welch(0.5, 0.1, 3, [0.5]) is None


def test_best_seed_and_rerun_column():
    entry = {'experiment': 'e', 'metric': 'ablated_r', 'quantity': 'best', 'best_seed': 47, 'n': 2}
    (row,) = rows_for(entry, {46: {'ablated_r': 0.9}, 47: {'ablated_r': -0.95}}, {46: {'ablated_r': 0.9}, 47: {'ablated_r': 0.95}})
    assert (row.ours, row.verdict, row.rerun) == (47, IDENTICAL, 47)
    (row,) = rows_for(entry, {47: {'ablated_r': 0.95}}, {})
    assert row.verdict == NOT_RUN  # the best of other seeds is not the printed best seed
    single = {'experiment': 'e', 'metric': 'ablated_r', 'quantity': 'r', 'value': 0.921529, 'seed': 0}
    (row,) = rows_for(single, {0: {'ablated_r': 0.9215024776}}, {0: {'ablated_r': 0.9215024759}}, {'ablated_r': 0.01})
    assert row.verdict == DRIFT and row.matches_rerun and row.difference == pytest.approx(-2.65e-5, abs=1e-7)


def test_the_reruns_load():
    reruns = load_reruns(RERUN, SEED0)
    assert {e for e in reruns} == {'ex-2.9.1', 'ex-2.2', 'ex-2.3', 'ex-2.9', 'ex-2.10'}
    assert all(0 in per_seed for per_seed in reruns.values())


def test_an_error_matches_its_rerun_to_float32_precision():
    entry = {'experiment': 'e', 'metric': 'linear_no_intervention_median_mse', 'quantity': 'median', 'value': 1.6e-05, 'seed': 0}
    (row,) = rows_for(entry, {0: {entry['metric']: 1.6244722174000223e-05}}, {0: {entry['metric']: 1.6244615835603327e-05}})
    assert row.matches_rerun and row.verdict == IDENTICAL
    (row,) = rows_for(entry, {0: {entry['metric']: 1.63e-05}}, {0: {entry['metric']: 1.6244615835603327e-05}})
    assert not row.matches_rerun  # 0.3 % off: another run, however close in absolute terms


def test_the_published_data_loads_and_every_entry_gets_rows():
    pub = load_published(PUBLISHED)
    rerun = load_reruns(RERUN)
    assert sorted(rerun['ex-2.9.1']) == list(range(100))
    rows = compare_all(pub['values'], {}, rerun)
    assert tally(rows)[NOT_RUN] == len(rows)  # no runs, no verdicts
    assert {r.experiment for r in rows} == set(pub['notebooks'])
    seeds = {r.seeds for r in rows if r.experiment == 'ex-2.9.1'}
    assert {'seed 0', 'seed 4', 'seed 95', 'seed 98', '100 seeds'} <= seeds


def test_published_entries_are_checked(tmp_path):
    bad = tmp_path / 'p.yaml'
    bad.write_text('notebooks: {e: n.ipynb}\nvalues:\n  - {experiment: e, metric: m, quantity: q, value: 1}\n')
    with pytest.raises(ValueError, match='needs value and seed'):
        load_published(bad)
