import math

import pytest
import yaml

from excolor.reproduction import (
    MISSING,
    NOT_ENOUGH_SEEDS,
    NOT_REPRODUCED,
    REPRODUCED,
    Ours,
    compare_all,
    compare_mean,
    compare_single,
    judge,
    load_published,
    prediction_interval,
    tally,
    welch_margin,
)
from tests.conftest import ROOT

PUBLISHED = ROOT / 'book' / 'data' / 'published.yaml'


def test_welch_margin_is_two_standard_errors_of_the_difference():
    assert welch_margin(0.3, 100, 0.4, 4) == pytest.approx(2 * math.sqrt(0.09 / 100 + 0.16 / 4))


def test_mean_over_seeds_inside_and_outside_the_welch_margin():
    ours = Ours(mean=0.93, std=0.03, n=9)  # margin = 2 * sqrt(0.034²/100 + 0.03²/9) ≈ 0.0212
    assert compare_mean(0.931, 0.034, 100, ours).verdict == REPRODUCED
    assert compare_mean(0.96, 0.034, 100, ours).verdict == NOT_REPRODUCED
    v = compare_mean(0.96, 0.034, 100, ours)
    assert v.rule == 'welch' and (v.high - v.low) / 2 == pytest.approx(welch_margin(0.034, 100, 0.03, 9))


def test_prediction_interval_uses_student_t_and_the_new_seed_term():
    lo, hi = prediction_interval(Ours(mean=1.0, std=0.5, n=5))
    half = 2.7764451051977987 * 0.5 * math.sqrt(1 + 1 / 5)  # t(0.975, 4)
    assert (lo, hi) == pytest.approx((1 - half, 1 + half))


def test_single_run_judged_by_the_prediction_interval():
    ours = Ours(mean=0.2, std=0.01, n=10)
    assert compare_single(0.21, ours).verdict == REPRODUCED
    assert compare_single(0.28, ours).verdict == NOT_REPRODUCED
    lo, hi = prediction_interval(ours)
    assert compare_single(0.28, ours).low == pytest.approx(lo) and compare_single(0.28, ours).high == pytest.approx(hi)


@pytest.mark.parametrize('ours', [Ours(0.9, math.nan, 1), Ours(0.9, 0.0, 1)])
def test_one_seed_is_not_enough_for_either_rule(ours):
    assert compare_single(0.9, ours).verdict == NOT_ENOUGH_SEEDS
    assert compare_mean(0.9, 0.03, 100, ours).verdict == NOT_ENOUGH_SEEDS
    with pytest.raises(ValueError):
        prediction_interval(ours)


def test_judge_picks_the_rule_from_the_entry_and_reports_missing_metrics():
    ours = Ours(0.93, 0.03, 9)
    assert judge({'mean': 0.931, 'sd': 0.034, 'n': 100}, ours).rule == 'welch'
    assert judge({'value': 0.92}, ours).rule == 'prediction interval'
    assert judge({'value': 0.92}, None).verdict == MISSING


def test_ours_from_summary_json_entry_with_null_std():
    o = Ours.from_summary({'mean': 0.5, 'std': None, 'min': 0.5, 'max': 0.5, 'ci_low': None, 'ci_high': None, 'n': 1})
    assert o.n == 1 and math.isnan(o.std) and math.isnan(o.ci_low)


def test_compare_all_and_tally():
    summaries = {'ex-2.9.1': {'metrics': {'ablated_r': {'mean': 0.93, 'std': 0.03, 'n': 9, 'ci_low': 0.91, 'ci_high': 0.95}}}}
    values = [
        {'experiment': 'ex-2.9.1', 'metric': 'ablated_r', 'quantity': 'r', 'mean': 0.931, 'sd': 0.034, 'n': 100},
        {'experiment': 'ex-2.9.1', 'metric': 'ablated_r', 'quantity': 'r', 'value': 5.0},
        {'experiment': 'ex-2.9.1', 'metric': 'nope', 'quantity': 'x', 'value': 1.0},
        {'experiment': 'ex-2.2', 'metric': 'ablated_r', 'quantity': 'x', 'value': 1.0},
    ]
    counts = tally([c.verdict for c in compare_all(values, summaries)])
    assert counts == {REPRODUCED: 1, NOT_REPRODUCED: 1, NOT_ENOUGH_SEEDS: 0, MISSING: 2}


def test_published_data_file_is_valid_and_uses_our_metric_keys():
    data = load_published(PUBLISHED)
    assert len(data['values']) >= 25
    sweep = [v for v in data['values'] if 'mean' in v]
    assert {(v['metric'], v['n']) for v in sweep} == {('ablated_r', 100), ('suppression_r', 100)}
    keys = {v['metric'] for v in data['values']}
    suffixes = ('_max_mse', '_median_mse', '_r')
    assert all(k.endswith(suffixes) for k in keys), keys
    assert {'sigmoid_no_intervention_max_mse', 'linear_repulsion_max_mse', 'with_unitarity_ablated_median_mse', 'without_unitarity_ablated_max_mse'} <= keys


def test_load_published_names_the_bad_entry(tmp_path):
    bad = tmp_path / 'p.yaml'
    bad.write_text(yaml.safe_dump({'repository': 'r', 'notebooks': {'ex-2.2': 'nb'}, 'values': [{'experiment': 'ex-2.2', 'metric': 'm', 'quantity': 'q', 'mean': 1.0}]}))
    with pytest.raises(ValueError, match=r'values\[0\].*sd and n'):
        load_published(bad)
    bad.write_text(yaml.safe_dump({'repository': 'r', 'notebooks': {}, 'values': [{'experiment': 'ex-2.2', 'metric': 'm', 'quantity': 'q', 'value': 1.0}]}))
    with pytest.raises(ValueError, match='no seed notebook'):
        load_published(bad)
