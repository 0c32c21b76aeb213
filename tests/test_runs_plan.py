"""The plan and its cache keys: which runs exist, which are stale, and what a key depends on."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from excolor.params.schema import ConfigError
from excolor.files import atomic_write_json
from excolor.runs import cli, keys
from excolor.runs.layout import PARAMS_DIR, ROOT, Layout, experiment_ids, version_key
from excolor.runs.plan import job_state, make_plan
from tests.fixtures.sweeps import add_unused_column, fixture_layout, write_experiment


def keys_by_name(plan):
    return {j.name: j.key for ep in plan.experiments.values() for j in ep.runs + [ep.summary]}


def test_plan_lists_every_seed_of_the_profile(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1, 2], 'fx-b': [5]})
    plan = make_plan('quick', None, layout)
    assert [j.name for j in plan.runs] == ['fx-a/seed-000', 'fx-a/seed-001', 'fx-a/seed-002', 'fx-b/seed-005']
    job = plan.runs[1]
    assert job.folder == str(tmp_path / 'runs' / 'quick' / 'fx-a' / 'seed-001')
    assert job.parameters == {'experiment': 'fx-a', 'profile': 'quick', 'seed': 1, 'params_dir': str(layout.params_dir), 'figures': False,
                              'overrides': {}}
    assert job.state() == 'missing'
    summary = plan.experiments['fx-a'].summary
    assert summary.folder.endswith('quick/fx-a/sweep') and summary.parameters['seeds'] == [0, 1, 2]
    assert len({j.key for j in plan.runs}) == 4
    full = make_plan('full', ['fx-b'], layout)
    assert [j.seed for j in full.runs] == [0, 1, 2, 3]


def test_the_real_experiments_plan_in_version_order():
    assert version_key('ex-2.9') < version_key('ex-2.9.1') < version_key('ex-2.10')
    plan = make_plan('full')
    assert [name for name, ep in plan.experiments.items() if ep.summary] == experiment_ids(PARAMS_DIR)  # and the studies' points
    for ep in plan.experiments.values():
        if ep.summary:
            assert [j.seed for j in ep.runs] == ep.experiment.seeds_for('full')
        else:
            assert [j.seed for j in ep.runs] == list(range(20))  # params/studies/label-rarity.yaml


def test_editing_one_experiment_changes_only_its_keys(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1], 'fx-b': [0, 1]})
    before = keys_by_name(make_plan('quick', None, layout))
    path = layout.params('fx-b')
    path.write_text(path.read_text().replace('log_every: 8', 'log_every: 9'))
    after = keys_by_name(make_plan('quick', None, layout))
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {'fx-b/seed-000', 'fx-b/seed-001', 'fx-b/sweep'}


def test_schedule_and_template_are_part_of_the_key(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    first = make_plan('quick', None, layout).runs[0].key
    csv = layout.params_dir / 'schedules' / 'tiny.csv'
    csv.write_text(csv.read_text() + '\n')
    second = make_plan('quick', None, layout).runs[0].key
    assert second != first
    tpl = layout.template('fx-a')
    nb = json.loads(tpl.read_text())
    nb['cells'][2]['source'] = nb['cells'][2]['source'] + ['\n# a changed line']
    tpl.write_text(json.dumps(nb))
    assert make_plan('quick', None, layout).runs[0].key != second


def test_comments_outputs_and_seed_lists_do_not_change_keys(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1]})
    before = make_plan('quick', None, layout).runs[0].key
    path = layout.params('fx-a')
    text = path.read_text()
    text = '# a new comment\n' + re.sub(r'(?m)^  quick: .*$', '  quick: [0, 1, 7]', text)  # one more seed
    path.write_text(text)
    tpl = layout.template('fx-a')
    nb = json.loads(tpl.read_text())
    nb['cells'][2]['outputs'] = []
    nb['cells'][2]['execution_count'] = 42
    nb['metadata']['widgets'] = {}
    tpl.write_text(json.dumps(nb, indent=2))
    plan = make_plan('quick', None, layout)
    assert plan.runs[0].key == before  # seed 0 need not run again
    assert [j.seed for j in plan.runs] == [0, 1, 7]


def test_library_hash_follows_source_files(tmp_path):
    lib = tmp_path / 'excolor'
    shutil.copytree(ROOT / 'excolor', lib, ignore=shutil.ignore_patterns('__pycache__'))
    before = keys.library_hash(lib)
    (lib / '__pycache__').mkdir(exist_ok=True)
    (lib / '__pycache__' / 'x.pyc').write_bytes(b'junk')
    assert keys.library_hash(lib) == before  # bytecode is not source
    style = lib / 'present' / 'figures' / 'styles' / 'base.mplstyle'
    style.write_text(style.read_text() + '\n# edit\n')
    after_style = keys.library_hash(lib)
    assert after_style != before
    (lib / 'data' / 'color.py').write_text((lib / 'data' / 'color.py').read_text() + '\n')
    after_code = keys.library_hash(lib)
    assert after_code != after_style
    for unread in ('book/build.py', 'bench/training.py', 'present/latex/preamble.tex', 'measure/reproduction.py'):  # NOT_RESULTS
        (lib / unread).write_text((lib / unread).read_text() + '\n')
    assert keys.library_hash(lib) == after_code


def test_summary_key_follows_its_code_under_runs(tmp_path):
    lib = tmp_path / 'excolor'
    shutil.copytree(ROOT / 'excolor', lib, ignore=shutil.ignore_patterns('__pycache__'))
    library, summary = keys.library_hash(lib), keys.summary_code_hash(lib)
    (lib / 'runs' / 'engine.py').write_text((lib / 'runs' / 'engine.py').read_text() + '\n')
    assert (keys.library_hash(lib), keys.summary_code_hash(lib)) == (library, summary)  # scheduling code: nothing re-runs
    (lib / 'runs' / 'aggregate.py').write_text((lib / 'runs' / 'aggregate.py').read_text() + '\n')
    assert keys.library_hash(lib) == library  # seed runs stay fresh
    assert keys.summary_code_hash(lib) != summary  # the summary does not


def test_package_versions_and_git():
    v = keys.package_versions()
    assert {'python', 'torch', 'lightning', 'numpy', 'papermill'} <= set(v)
    assert v['torch'] != 'missing'
    git = keys.git_commit()
    assert git['commit'] is None or re.fullmatch(r'[0-9a-f]{40}', git['commit'])


def test_job_state(tmp_path):
    folder = tmp_path / 'seed-000'
    assert job_state(folder, 'k') == 'missing'
    folder.mkdir()
    (folder / 'error.txt').write_text('boom')
    assert job_state(folder, 'k') == 'failed'
    atomic_write_json(folder / 'provenance.json', {'key': 'k', 'files': keys.folder_digests(folder)})
    assert job_state(folder, 'k') == 'complete'
    assert job_state(folder, 'other') == 'stale'
    (folder / 'metrics.json').write_text('{}')  # written after publishing, by something other than the runner
    assert job_state(folder, 'k') == 'stale'
    (folder / 'provenance.json').write_text('{not json')
    assert job_state(folder, 'k') == 'failed'


def test_bad_params_stop_the_plan_naming_file_line_and_key(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0], 'fx-bad': [0], 'fx-bad2': [0]})
    for name, broken in (('fx-bad', 'log_evry: 8'), ('fx-bad2', 'log_every: -1')):
        path = layout.params(name)
        path.write_text(path.read_text().replace('log_every: 8', broken))
    with pytest.raises(ConfigError) as err:
        make_plan('quick', None, layout)
    msg = str(err.value)
    assert re.search(r'fx-bad\.yaml:\d+: training\.log_evry: unknown key; did you mean .log_every.', msg), msg
    assert re.search(r'fx-bad2\.yaml:\d+: training\.log_every', msg), msg  # every bad file, not just the first
    assert not (tmp_path / 'runs').exists()


def test_unknown_experiment_profile_or_template(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    with pytest.raises(ConfigError, match='no such experiment.*fx-a'):
        make_plan('quick', ['fx-nope'], layout)
    with pytest.raises(ConfigError, match="no profile 'huge'"):
        make_plan('huge', None, layout)
    write_experiment(tmp_path, 'fx-b')
    layout.template('fx-b').unlink()
    with pytest.raises(ConfigError, match=r'fx-b.yaml: notebook: no template .*fx-b.ipynb'):
        make_plan('quick', None, layout)
    write_experiment(tmp_path, 'fx-c')
    (layout.params_dir / 'fx-c.yaml').rename(layout.params_dir / 'fx-d.yaml')
    layout.template('fx-b').write_text(layout.template('fx-a').read_text())
    (layout.templates_dir / 'fx-d.ipynb').write_text(layout.template('fx-a').read_text())
    with pytest.raises(ConfigError, match="id: 'fx-c' does not match the file name 'fx-d'"):
        make_plan('quick', None, layout)


def test_runs_dir_default_and_env(tmp_path, monkeypatch):
    monkeypatch.delenv('EXCOLOR_RUNS', raising=False)
    assert Layout.make().runs_dir == ROOT / 'runs'
    monkeypatch.setenv('EXCOLOR_RUNS', str(tmp_path / 'elsewhere'))
    assert Layout.make().runs_dir == tmp_path / 'elsewhere'
    assert Layout.make(tmp_path / 'given').runs_dir == tmp_path / 'given'


def test_cli_bad_params_exit_2_before_any_work(tmp_path, capsys):
    layout = fixture_layout(tmp_path, {'fx-a': [0], 'fx-bad': [0]})
    path = layout.params('fx-bad')
    path.write_text(path.read_text().replace('latent: 5', 'latent: five'))
    code = cli.main(['--profile', 'quick', *dirs(layout)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert re.search(r'fx-bad\.yaml:\d+: model\.latent', err), err
    assert 'nothing was run' in err
    assert not layout.runs_dir.exists()


def dirs(layout) -> list[str]:
    return ['--runs-dir', str(layout.runs_dir), '--params-dir', str(layout.params_dir), '--templates-dir', str(layout.templates_dir)]


def test_cli_list_and_check(tmp_path, capsys):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1]})
    assert cli.main(['--list', '--profile', 'quick', *dirs(layout)]) == 0
    listed = capsys.readouterr().out
    assert re.search(r'missing\s+fx-a/seed-001', listed) and 'fx-a/sweep' in listed
    assert cli.main(['check', '--profile', 'quick', *dirs(layout)]) == 1
    checked = capsys.readouterr()
    assert 'fx-a seed 0: missing' in checked.out and 'fx-a summary: missing' in checked.out and '3 problem(s)' in checked.err
    assert cli.main(['status', '--profile', 'quick', '--no-summary', *dirs(layout)]) == 1
    assert re.search(r'fx-a\s+0\s+0\s+0\s+2', capsys.readouterr().out)
    assert cli.main(['check', '--profile', 'quick', '-e', 'fx-nope', *dirs(layout)]) == 2
    assert 'no such experiment' in capsys.readouterr().err


def test_python_dash_m_works():
    proc = subprocess.run([sys.executable, '-m', 'excolor.runs', '--help'], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and '--scheduler' in proc.stdout and '{run,status,check}' in proc.stdout


def test_intended_schedule_fallbacks_are_shown_before_anything_runs(tmp_path, capsys):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    csv = layout.params_dir / 'schedules' / 'tiny.csv'
    add_unused_column(csv, 'spare')
    assert cli.main(['--list', '--profile', 'quick', *dirs(layout)]) == 0
    assert capsys.readouterr().err == f"note: fx-a: schedule column 'spare' of {csv} is unused: no regularizer is named 'spare'\n"
    assert make_plan('quick', None, layout).runs[0].notes == (f"fx-a: schedule column 'spare' of {csv} is unused: no regularizer is named 'spare'",)


def test_check_suggests_a_command_on_the_same_folders(tmp_path, capsys):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    assert cli.main(['check', '--profile', 'quick', '-e', 'fx-a', *dirs(layout)]) == 1
    hint = capsys.readouterr().err.strip().splitlines()[-1]
    assert hint == (f"2 problem(s) for profile 'quick' in {layout.runs_dir}; run `python -m excolor.runs --profile quick -e fx-a "
                    f'--runs-dir {layout.runs_dir} --params-dir {layout.params_dir} --templates-dir {layout.templates_dir}`')


def test_a_problem_in_a_wide_chunk_names_its_seed_range():
    from excolor.runs.check import Problem

    assert str(Problem('ex-2.9.1', 0, 'missing', '/runs/wide/ex-2.9.1/seeds-125-249', 'never ran')) == \
        'ex-2.9.1 seeds 125–249: missing (never ran) [/runs/wide/ex-2.9.1/seeds-125-249]'
    assert str(Problem('ex-2.9.1', 3, 'stale', '/runs/full/ex-2.9.1/seed-003')).startswith('ex-2.9.1 seed 3: stale')


SCALE = 'training.data.labels.red.scale'


def complete(job) -> None:
    """Make `job`'s folder a complete run under its key, as the runner leaves one."""
    folder = Path(job.folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'metrics.json').write_text('{}')
    (folder / 'provenance.json').write_text(json.dumps({'key': job.key, 'kind': 'seed', 'files': keys.folder_digests(folder)}))


def test_a_set_run_has_its_own_folder_and_the_key_of_its_science(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    plain = make_plan('quick', ['fx-a'], layout).runs[0]
    job = make_plan('quick', ['fx-a'], layout, overrides=[f'{SCALE}=0.04']).runs[0]
    assert job.folder == str(layout.runs_dir / 'quick' / f'fx-a~{SCALE}=0.04' / 'seed-000')
    assert job.parameters['overrides'] == {SCALE: 0.04} and job.key != plain.key
    (layout.params_dir / 'fx-b.yaml').write_text(f'base: fx-a\nid: fx-b\ntitle: t\ntraining: {{data: {{labels: {{red: {{scale: 0.04}}}}}}}}\n')
    variant = make_plan('quick', ['fx-b'], layout).runs[0]
    assert variant.key == job.key and 'trained' not in variant.parameters
    complete(job)  # once the --set run exists, the file asking for the same science evaluates its models instead of training
    assert make_plan('quick', ['fx-b'], layout).runs[0].parameters['trained'] == job.folder


def test_a_study_plans_its_points_and_reuses_the_experiments_own_runs(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1]})
    (layout.params_dir / 'studies').mkdir()
    (layout.params_dir / 'studies' / 'rarity.yaml').write_text(
        f'id: rarity\ntitle: t\nexperiment: fx-a\nvary: {{{SCALE}: [0.08, 0.02]}}\n'
        'profiles: {full: {seeds: [0]}, quick: {seeds: [1, 2]}}\nmetrics: [ablated_r]\nfails: {metric: ablated_r, below: 0.85}\n')
    plan = make_plan('quick', None, layout)
    assert {n: ([j.seed for j in ep.runs], ep.summary is not None) for n, ep in plan.experiments.items()} == {
        'fx-a': ([0, 1, 2], True), f'fx-a~{SCALE}=0.02': ([1, 2], False)}  # 0.08 is fx-a itself: its seed 2 joins fx-a's folder
    assert plan.experiments['fx-a'].summary.parameters['seeds'] == [0, 1]  # the experiment's summary keeps its own seeds
    assert list(make_plan('quick', None, layout, studies=['rarity']).experiments) == ['fx-a', f'fx-a~{SCALE}=0.02']
    with pytest.raises(ConfigError, match=r"no such study; did you mean 'rarity'"):
        make_plan('quick', None, layout, studies=['rarty'])
    (layout.params_dir / 'studies' / 'rarity.yaml').write_text((layout.params_dir / 'studies' / 'rarity.yaml').read_text().replace('red.scale', 'red.scael'))
    with pytest.raises(ConfigError, match=r"rarity.yaml:4: vary: the point .* does not load:\n--set .*scael=0.08: .*did you mean 'scale'"):
        make_plan('quick', None, layout)
