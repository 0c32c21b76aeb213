"""The reproduction page words every claim of sameness by what the build compared: never "bit-identical" unless the bits were."""

import json

import numpy as np
import pytest
import torch

from excolor.book.reproduction_page import ReproductionPage, recorded_weights, run_environments

PUBLISHED = """repository: https://example.org/upstream
notebooks: {ex-2.9.1: ex-2.9.1.ipynb}
values:
  - {experiment: ex-2.9.1, metric: ablated_r, quantity: "r", value: 0.921529, seed: 0, printed: "0.921529"}
"""


def _write(root, ours_r, rerun_r, weights_equal, pinned=True):
    run = root / 'runs' / 'quick' / 'ex-2.9.1' / 'seed-000'
    (run / 'models').mkdir(parents=True)
    (run / 'metrics.json').write_text(json.dumps({'ablated_r': ours_r, 'suppression_r': 0.95}))
    (run / 'floating-point.json').write_text(json.dumps({'pinned': pinned, 'outside': None if pinned else 'aarch64 (Linux): not covered',
                                                          'cpu': {'vendor': 'GenuineIntel', 'model': 'Test CPU'}}))
    torch.save({'w': torch.tensor([1.0, 2.0])}, run / 'models' / 'main.pt')
    np.savez(root / 'upstream-ex-2.9.1-pinned-seed0.npz', **{'final.w': np.array([1.0, 2.0 if weights_equal else 2.5], dtype=np.float32)})
    drift = root / 'runs' / 'drift-quick@native' / 'ex-2.9.1' / 'seed-000'
    drift.mkdir(parents=True)
    (drift / 'metrics.json').write_text(json.dumps({'ablated_r': ours_r + 0.02, 'suppression_r': 0.95}))
    (root / 'published.yaml').write_text(PUBLISHED)
    (root / 'rerun.csv').write_text(f'experiment,seed,metric,value,commit\nex-2.9.1,0,ablated_r,{rerun_r},c\nex-2.9.1,0,suppression_r,0.95,c\n')
    (root / 'seed0.csv').write_text('# none\nexperiment,seed,metric,value,commit\n')
    return ReproductionPage(root / 'runs', 'quick', 'drift-quick', root / 'published.yaml', root / 'rerun.csv', root / 'seed0.csv',
                            [root / 'upstream-ex-2.9.1-pinned-seed0.npz'])


def test_equal_runs_are_called_equal_and_bit_identical(tmp_path):
    page = _write(tmp_path, 0.9216071289, 0.9216071280, weights_equal=True)
    text = page.fidelity_text()
    assert 'bit-identical to the original run for the recorded seed 0' in text
    assert 'for 1 of 1 seeds both ran' in text
    assert page.environment_text().startswith('All 1 runs of this build computed in the pinned floating-point environment')


def test_a_report_whose_reruns_differ_never_says_bit_identical(tmp_path):
    page = _write(tmp_path, 0.9216071289, 0.9215304, weights_equal=False, pinned=False)
    text = page.fidelity_text() + page.summary()
    assert 'bit-identical' not in text and 'bit for bit for 0 of the 1 recorded seeds' in text
    assert 'for 0 of 1 seeds both ran' in text
    assert 'outside the pinned floating-point environment' in page.environment_text() and 'aarch64' in page.environment_text()


def test_the_verdicts_allow_the_drift_this_build_measured(tmp_path):
    page = _write(tmp_path, 0.9016, 0.9016, weights_equal=True)  # 0.0199 from the printed value; native moved r by 0.02
    assert page.tolerances['ex-2.9.1']['ablated_r'] == pytest.approx(0.02)
    assert [r.verdict for r in page.rows] == ['within numeric drift']
    assert 'moved by up to 0.02' in page.drift_text() and '1 of 1 moved by more than 0.01' in page.drift_text()
    table = page.drift_table()
    assert list(table.metric) == ['ablated_r'] and table.largest.iloc[0] == pytest.approx(0.02)  # only what a printed number uses


def test_weights_of_a_seed_the_profile_did_not_run_are_not_compared(tmp_path):
    np.savez(tmp_path / 'upstream-ex-2.9.1-pinned-seed47.npz', **{'final.w': np.zeros(2, dtype=np.float32)})
    (tmp_path / 'ex-2.9.1').mkdir()
    assert [(r.seed, r.equal) for r in recorded_weights([tmp_path / 'upstream-ex-2.9.1-pinned-seed47.npz'], tmp_path / 'ex-2.9.1')] == [(47, None)]
    assert run_environments(tmp_path).empty
