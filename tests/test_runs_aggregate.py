"""Summaries over seeds: statistics, the best and representative seed, and what summary.json holds."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from excolor.files import atomic_write_json
from excolor.measure import spread
from excolor.runs import aggregate
from excolor.measure.spread import bootstrap_ci


def frame(**cols) -> pd.DataFrame:
    df = pd.DataFrame(cols, index=pd.Index(range(len(next(iter(cols.values())))), name='seed'))
    return df


def test_load_metrics_reads_every_seed_folder_in_order(tmp_path):
    for seed, score in ((3, 0.5), (0, 0.9), (12, 0.7)):
        atomic_write_json(tmp_path / f'seed-{seed:03d}' / 'metrics.json', {'seed': float(seed), 'score': score, 'loss': 1.0 + seed})
    (tmp_path / 'seed-004').mkdir()  # a failed run: no metrics
    (tmp_path / 'sweep').mkdir()
    df = aggregate.load_metrics(tmp_path)
    assert list(df.index) == [0, 3, 12] and df.index.name == 'seed'
    assert list(df.columns) == ['loss', 'score']  # as listed in the file (sorted); 'seed' is the index
    assert df.loc[3, 'score'] == 0.5


def test_load_metrics_with_seeds_insists_on_all_of_them(tmp_path):
    atomic_write_json(tmp_path / 'seed-000' / 'metrics.json', {'score': 1.0})
    assert list(aggregate.load_metrics(tmp_path, [0]).index) == [0]
    with pytest.raises(FileNotFoundError, match=r'seed\(s\) \[1\]'):
        aggregate.load_metrics(tmp_path, [0, 1])
    with pytest.raises(FileNotFoundError):
        aggregate.load_metrics(tmp_path / 'nothing')


def test_summary_statistics():
    x = np.array([0.9, 0.8, 0.95, 0.85, 0.7])
    stats = aggregate.summarize(frame(score=x, other=[1.0, np.nan, 3.0, 5.0, 7.0]))
    row = stats.loc['score']
    assert row['mean'] == pytest.approx(x.mean())
    assert row['std'] == pytest.approx(x.std(ddof=1))
    assert (row['min'], row['max'], row['n']) == (0.7, 0.95, 5)
    assert row['ci_low'] < x.mean() < row['ci_high']
    assert x.min() <= row['ci_low'] and row['ci_high'] <= x.max()
    other = stats.loc['other']
    assert other['n'] == 4 and other['mean'] == pytest.approx(4.0)  # NaN left out


def test_bootstrap_is_deterministic_and_narrows_with_more_seeds():
    rng = np.random.default_rng(0)
    small, big = rng.normal(size=10), rng.normal(size=400)
    assert bootstrap_ci(small) == bootstrap_ci(small.copy())
    lo_s, hi_s = bootstrap_ci(small)
    lo_b, hi_b = bootstrap_ci(big)
    assert hi_b - lo_b < hi_s - lo_s
    # ~95 % coverage: for a big sample the interval is about mean ± 1.96 sd/√n
    half = 1.96 * big.std(ddof=1) / np.sqrt(len(big))
    assert (hi_b - lo_b) / 2 == pytest.approx(half, rel=0.15)


def test_one_seed_has_no_spread():
    row = aggregate.summarize(frame(score=[0.5])).loc['score']
    assert row['mean'] == 0.5 and math.isnan(row['std']) and row['ci_low'] == row['ci_high'] == 0.5


def test_best_seed_is_the_highest_score_and_ties_keep_the_earlier_seed():
    df = pd.DataFrame({'score': [0.8, 0.95, 0.7, 0.95]}, index=pd.Index([4, 7, 9, 2], name='seed'))
    assert aggregate.best_seed(df) == 2  # 2 and 7 tie; 2 is the earlier seed
    df.loc[2, 'score'] = np.nan
    assert aggregate.best_seed(df) == 7


def test_representative_seed_is_closest_to_the_median():
    df = frame(score=[0.1, 0.5, 0.52, 0.9, 0.95])  # median 0.52
    assert aggregate.representative_seed(df) == 2
    tie = frame(score=[0.0, 0.4, 0.6, 1.0])  # median 0.5: seeds 1 and 2 are equally close
    assert aggregate.representative_seed(tie) == 1


def test_with_variants_the_last_variant_score_decides():
    df = frame(sigmoid_score=[0.9, 0.1, 0.5], linear_max_mse=[0.3, 0.1, 0.2], linear_score=[0.2, 0.8, 0.3])
    assert aggregate.rank_metric(df) == 'linear_score'
    assert aggregate.best_seed(df, 'linear_score') == 1 and aggregate.representative_seed(df) == 2
    assert 'linear_score' not in aggregate.headline_metrics(df)  # |r| of a correlation shown anyway: no duplicate row


def test_without_a_score_the_first_metric_decides():
    df = frame(max_mse=[0.3, 0.1, 0.2], r=[0.1, 0.2, 0.3])
    assert aggregate.rank_metric(df) == 'max_mse'
    assert aggregate.representative_seed(df) == 2  # 0.2 is the median
    summary = aggregate.summary_json(df, aggregate.summarize(df), experiment='x', profile='quick')
    assert summary['rank_metric'] == 'max_mse' and summary['best_seed'] == 0


def test_summary_json_and_glue_names():
    df = frame(score=[0.9, 0.8, 0.85], ablated_r=[0.9, 0.8, 0.85], broken=[np.nan, np.nan, 1.0])
    summary = aggregate.summary_json(df, aggregate.summarize(df), experiment='ex-x', profile='quick')
    json.dumps(summary, allow_nan=False)  # strict JSON: no NaN
    assert summary['seeds'] == [0, 1, 2] and summary['n_seeds'] == 3
    assert summary['best_seed'] == 0 and summary['representative_seed'] == 2
    assert set(summary['metrics']['score']) == set(aggregate.STATS)
    assert summary['metrics']['broken']['std'] is None and summary['metrics']['score']['n'] == 3
    glued = aggregate.glue_values(summary)
    assert glued['score_mean'] == pytest.approx(0.85) and glued['best_seed'] == 0 and glued['n_seeds'] == 3
    assert 'broken_std' not in glued


def test_headline_metrics_lead_with_correlations_and_never_repeat_the_score():
    df = frame(a_max_mse=[1.0], score=[1.0], train_seconds=[1.0], ablated_r=[1.0], b_median_mse=[1.0])
    assert aggregate.headline_metrics(df) == ['ablated_r', 'a_max_mse', 'b_median_mse']
    assert aggregate.headline_metrics(frame(x=[1.0], y=[2.0])) == ['x', 'y']


def test_agrees_with_the_book_tables():
    tables = pytest.importorskip('excolor.present.tables')
    rng = np.random.default_rng(3)
    df = frame(score=rng.uniform(size=20), ablated_r=rng.uniform(size=20))
    ours = aggregate.summarize(df)
    theirs = tables.summary_table(df)
    cols = [c for c in theirs.columns if c in ours.columns]
    assert cols
    pd.testing.assert_frame_equal(ours.loc[theirs.index, cols], theirs[cols], check_dtype=False)


def test_published_values(tmp_path):
    path = tmp_path / 'published.yaml'
    path.write_text('values:\n'
                    '  - {experiment: a, metric: m1, value: 0.5}\n'
                    '  - {experiment: a, metric: m2, mean: 0.9, sd: 0.1, n: 10}\n'
                    '  - {experiment: b, metric: m1, value: 0.7}\n')
    assert aggregate.published_values(path, 'a') == {'m1': 0.5, 'm2': 0.9}
    assert aggregate.published_values(tmp_path / 'none.yaml', 'a') == {}


def test_with_two_variants_the_representative_seed_is_typical_of_their_difference():
    # seed 0 is the median of `with` alone but the most extreme difference; seed 2's difference is the median one
    df = frame(with_unitarity_score=[0.8, 0.9, 0.7, 0.95, 0.6], without_unitarity_score=[0.5, 0.88, 0.65, 0.85, 0.62])
    diff = df['with_unitarity_score'] - df['without_unitarity_score']  # [0.3, 0.02, 0.05, 0.1, -0.02]: median 0.05
    assert aggregate.representative_seed(df) == 2 == int((diff - diff.median()).abs().idxmin())
    assert 'paired difference of scores, with unitarity − without unitarity' in aggregate.representative_rule(df)[1]
