"""RunPage: where a notebook's outputs go, and that it never writes into a run the sweep published."""

import pytest

from excolor.notebook import PublishedRunError, RunPage


def test_a_by_hand_run_goes_to_its_own_folder_under_excolor_runs(tmp_path, monkeypatch, params_dir):
    monkeypatch.setenv('EXCOLOR_RUNS', str(tmp_path / 'elsewhere'))
    page = RunPage('ex-2.9.1', 'quick', 0, params_dir=str(params_dir), figures=False)
    assert page.out == tmp_path / 'elsewhere' / 'by-hand' / 'quick' / 'ex-2.9.1' / 'seed-000'


def test_a_notebook_refuses_to_write_into_a_published_run(tmp_path, params_dir):
    published = tmp_path / 'runs' / 'quick' / 'ex-2.9.1' / 'seed-000'
    published.mkdir(parents=True)
    (published / 'provenance.json').write_text('{}')
    with pytest.raises(PublishedRunError, match=rf'^{published} holds a run the sweep published \(provenance.json\); a notebook never writes into one'):
        RunPage('ex-2.9.1', 'quick', 0, out_dir=str(published), params_dir=str(params_dir), figures=False)
    assert sorted(p.name for p in published.iterdir()) == ['provenance.json']
