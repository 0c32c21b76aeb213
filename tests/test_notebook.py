"""RunPage: where a notebook's outputs go, and that it never writes into a run the sweep published."""

import pytest

from excolor.notebook.page import PublishedRunError, RunPage


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


def test_the_run_description_shows_keyframes_as_a_reader_would(tmp_path, monkeypatch, params_dir):
    monkeypatch.setenv('EXCOLOR_RUNS', str(tmp_path))
    text = RunPage('ex-2.10', 'quick', 0, params_dir=str(params_dir), figures=False).describe().data
    assert r'$1 \times 10^{-8}$' in text  # the first learning rate, never 1e-08
    assert 'nan' not in text and 'e-0' not in text


def test_a_runs_headline_table_uses_readers_labels():
    from types import SimpleNamespace as N

    from excolor.notebook.report import headline

    def evaluation():
        r = N(r=0.9, power=3)
        return N(conditions={'ablated': N(name='ablated', max_mse=0.3, median_mse=7.5e-5, correlation=r)})

    two = headline(N(variants={v: N(name=v, evaluation=evaluation()) for v in ('with-unitarity', 'without-unitarity')})).data
    assert '| with unitarity | ablation | $0.300$ | $7.50 \\times 10^{-5}$ | $+0.900$ ($p = 3$) |' in two  # each column by one rule
    one = headline(N(variants={'main': N(name='main', evaluation=evaluation())})).data
    assert one.startswith('| Condition |') and 'main' not in one


def test_an_unknown_parameter_is_an_error_not_papermills_warning():
    from excolor.notebook.page import UnknownParameterError, given_parameters

    namespace = {'experiment': 'ex-2.9.1', 'seed': 0, 'scale': 0.04, 'In': [], 'display': print, '_oh': {}}
    with pytest.raises(UnknownParameterError, match=r"unknown notebook parameter 'scale'; this notebook takes experiment, seed, overrides.*-y .overrides"):
        given_parameters(namespace, ['experiment', 'seed', 'overrides'])
    with pytest.raises(UnknownParameterError, match=r"'sede'; did you mean 'seed'\?"):
        given_parameters({'sede': 3}, ['experiment', 'seed'])
    assert given_parameters({'seed': 3, 'In': []}, ['experiment', 'seed']) == {'seed': 3}


def test_a_by_hand_run_with_overrides_has_its_own_folder_and_writes_provenance(tmp_path, monkeypatch, params_dir):
    import json

    monkeypatch.setenv('EXCOLOR_RUNS', str(tmp_path))
    overrides = {'training.data.labels.red.scale': 0.04}
    page = RunPage('ex-2.9.1', 'quick', 0, params_dir=str(params_dir), figures=False, overrides=overrides)
    assert page.out == tmp_path / 'by-hand' / 'quick' / 'ex-2.9.1~training.data.labels.red.scale=0.04' / 'seed-000'
    assert 'Overridden for this run' in page.describe().data
    page.run(progress=False)
    prov = json.loads((page.out / 'provenance.json').read_text())
    assert prov['by_hand'] and prov['overrides'] == overrides and prov['key'] and prov['experiment'] == page.out.parent.name
    again = RunPage('ex-2.9.1', 'quick', 0, params_dir=str(params_dir), figures=False, overrides=overrides)  # replaces its own by-hand run
    assert not (again.out / 'provenance.json').exists()
