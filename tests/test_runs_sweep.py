"""Sweeps on a local Dask cluster: caching, forcing, partial re-runs, failures, summaries, locking and determinism."""

import json
import re
from pathlib import Path

import dask
import nbformat
import pytest

from excolor.runs import task
from excolor.runs.check import check
from excolor.runs.plan import make_plan
from excolor.runs.progress import Progress, summary_table
from excolor.runs.sweep import priority, run_sweep, training_steps
from tests.fixtures.sweeps import PRELOAD, WARM, fixture_layout, science, stable_library

LIGHT = {'preload': PRELOAD, 'warm': WARM}


@pytest.fixture(scope='module')
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=':0', scheduler_kwargs={'dashboard': False}) as cluster, \
            Client(cluster) as c:
        yield c


def sweep(plan, client, **kwargs):
    return run_sweep(plan, client=client, progress=Progress(len(plan.runs) + len(plan.experiments), tty=False), **LIGHT, **kwargs)


def metrics_of(plan) -> dict[str, dict]:
    return {j.name: json.loads((Path(j.folder) / 'metrics.json').read_text()) for j in plan.runs}


def statuses(result, kinds=('seed', 'summary')) -> dict[str, str]:
    return {o['name']: o['status'] for o in result.outcomes if o['kind'] in kinds}


def shown_seeds(layout, experiment) -> list[int]:
    """The seed a summary picked for the book (the representative), which the sweep re-runs with figures."""
    summary = json.loads((layout.sweep_dir('quick', experiment) / 'summary.json').read_text())
    return [summary['representative_seed']]


@stable_library
def test_sweep_then_cache_then_force(tmp_path, client):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1], 'fx-b': [4]})
    plan = make_plan('quick', None, layout)
    first = sweep(plan, client)
    assert first.ok, first.failed
    assert first.count('done') == 3 and first.count('done', 'summary') == 2
    for job in plan.runs:
        folder = Path(job.folder)
        assert sorted(p.name for p in folder.iterdir()) == ['metrics.json', 'notebook.ipynb', 'provenance.json', 'tables']
        prov = json.loads((folder / 'provenance.json').read_text())
        assert prov['key'] == job.key and prov['parts'] == job.parts
        assert (prov['experiment'], prov['profile'], prov['seed']) == (job.experiment, 'quick', job.seed)
        assert prov['worker'].startswith('tcp://') and prov['hostname'] and prov['wall_seconds'] > 0
        assert prov['parts']['packages']['torch'] and 'commit' in prov['git'] and prov['engine'] == 'excolor-warm'
        nb = nbformat.read(folder / 'notebook.ipynb', as_version=4)
        tagged = {c.metadata.get('tags', [])[0]: c.metadata['tags'] for c in nb.cells if c.metadata.get('tags')}
        assert tagged == {'parameters': ['parameters', 'remove-cell'], 'injected-parameters': ['injected-parameters', 'remove-cell']}
        assert str(folder) in nb.cells[2].source and '.tmp' not in nbformat.writes(nb)  # paths point at the published folder
    leftovers = [p.name for p in (layout.runs_dir / 'quick' / 'fx-a').iterdir() if p.name.endswith(('.tmp', '.old'))]
    assert leftovers == []
    before = metrics_of(plan)
    assert len({m['loss'] for m in before.values()}) == 3  # different seeds, different runs
    sweep_dir = layout.sweep_dir('quick', 'fx-a')
    summary = json.loads((sweep_dir / 'summary.json').read_text())
    assert summary['seeds'] == [0, 1] and summary['best_seed'] in (0, 1) and summary['representative_seed'] in (0, 1)
    assert summary['metrics']['score']['mean'] == pytest.approx((before['fx-a/seed-000']['score'] + before['fx-a/seed-001']['score']) / 2)
    assert {p.name for p in (sweep_dir / 'figures').iterdir()} == {f'fx-a-sweep-distributions{s}' for s in ('.png', '.dark.png', '.pdf')}
    assert {'fx-a-sweep-summary.html', 'fx-a-sweep-summary.tex'} <= {p.name for p in (sweep_dir / 'tables').iterdir()}
    nb = nbformat.read(sweep_dir / 'sweep.ipynb', as_version=4)
    glued = {o['metadata']['scrapbook']['name'] for c in nb.cells for o in c.get('outputs', []) if 'scrapbook' in o.get('metadata', {})}
    assert {'score_mean', 'score_ci_low', 'loss_std', 'best_seed', 'representative_seed', 'n_seeds'} <= glued
    assert json.loads((sweep_dir / 'provenance.json').read_text())['key'] == plan.experiments['fx-a'].summary.key
    # the shown seeds again, with figures: same numbers as their metrics-only runs
    showcase = [(e, s) for e in ('fx-a', 'fx-b') for s in shown_seeds(layout, e)]
    assert first.count('done', 'showcase') == len(showcase)
    for experiment, seed in showcase:
        shown = layout.showcase_dir('quick', experiment, seed)
        nb = nbformat.read(shown / 'notebook.ipynb', as_version=4)
        assert 'figures = True' in nb.cells[2].source
        assert science(json.loads((shown / 'metrics.json').read_text())) == science(before[f'{experiment}/seed-{seed:03d}'])
    assert all('figures = False' in nbformat.read(Path(j.folder) / 'notebook.ipynb', as_version=4).cells[2].source for j in plan.runs)

    again = sweep(make_plan('quick', None, layout), client)
    assert {o['status'] for o in again.outcomes} == {'cached'} and len(again.outcomes) == 5 + len(showcase)
    assert check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir, templates_dir=layout.templates_dir) == []

    forced = sweep(make_plan('quick', ['fx-a'], layout), client, force=True)
    assert forced.count('done') == 2 and forced.count('done', 'summary') == 1
    assert forced.count('done', 'showcase') == len(shown_seeds(layout, 'fx-a'))
    after = metrics_of(plan)
    assert {k: science(v) for k, v in after.items()} == {k: science(v) for k, v in before.items()}  # same runs, same numbers


@stable_library
def test_a_params_edit_reruns_only_that_experiment(tmp_path, client):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1], 'fx-b': [0, 1]})
    assert sweep(make_plan('quick', None, layout), client).ok
    path = layout.params('fx-b')
    path.write_text(path.read_text().replace('log_every: 8', 'log_every: 9'))
    problems = check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir, templates_dir=layout.templates_dir)
    stale = '(parameters, template, library or packages changed since it ran)'
    expected = [f'fx-b seed 0: stale {stale}', f'fx-b seed 1: stale {stale}', f'fx-b summary: stale {stale}']
    expected += [f'fx-b seed {seed} (showcase, with figures): stale {stale}' for seed in shown_seeds(layout, 'fx-b')]
    assert sorted(str(p).split(' [')[0] for p in problems) == sorted(expected)
    result = sweep(make_plan('quick', None, layout), client)
    assert statuses(result) == {'fx-a/seed-000': 'cached', 'fx-a/seed-001': 'cached', 'fx-a/sweep': 'cached',
                                'fx-b/seed-000': 'done', 'fx-b/seed-001': 'done', 'fx-b/sweep': 'done'}
    assert {o['experiment']: o['status'] for o in result.outcomes if o['kind'] == 'showcase'} == {'fx-a': 'cached', 'fx-b': 'done'}
    # one more seed in the profile: only that seed runs (and the summary, which now has three seeds)
    path = layout.params('fx-a')
    path.write_text(re.sub(r'(?m)^  quick: .*$', '  quick: [0, 1, 2]', path.read_text()))
    result = sweep(make_plan('quick', ['fx-a'], layout), client)
    assert statuses(result) == {'fx-a/seed-000': 'cached', 'fx-a/seed-001': 'cached', 'fx-a/seed-002': 'done', 'fx-a/sweep': 'done'}
    summary = json.loads((layout.sweep_dir('quick', 'fx-a') / 'summary.json').read_text())
    assert summary['seeds'] == [0, 1, 2]


@stable_library
def test_a_failing_seed_keeps_its_notebook_and_the_others_finish(tmp_path, client):
    layout = fixture_layout(tmp_path, {'fx-fail': [0, 1, 2], 'fx-a': [0]})
    plan = make_plan('quick', None, layout)
    result = sweep(plan, client)
    assert not result.ok
    assert statuses(result) == {'fx-fail/seed-000': 'done', 'fx-fail/seed-001': 'failed', 'fx-fail/seed-002': 'done',
                                'fx-fail/sweep': 'failed', 'fx-a/seed-000': 'done', 'fx-a/sweep': 'done'}
    failed = Path(plan.experiments['fx-fail'].runs[1].folder)
    assert sorted(p.name for p in failed.iterdir()) == ['error.txt', 'notebook.ipynb']  # no provenance: not cached
    error = (failed / 'error.txt').read_text()
    assert 'RuntimeError: fx-fail seed 1 fails on purpose' in error and 'Traceback' in error and '\x1b[' not in error
    nb = nbformat.read(failed / 'notebook.ipynb', as_version=4)
    assert any(o.get('ename') == 'RuntimeError' for c in nb.cells for o in c.get('outputs', []))  # executed up to the error
    assert nb.metadata.papermill.exception is True
    table = summary_table(result.outcomes, result.seconds)
    assert 'fx-fail/seed-001: RuntimeError: fx-fail seed 1 fails on purpose' in table and 'error.txt' in table
    problems = check('quick', ['fx-fail'], runs_dir=layout.runs_dir, params_dir=layout.params_dir, templates_dir=layout.templates_dir)
    assert [(p.seed, p.kind) for p in problems] == [(1, 'failed'), (None, 'missing')]
    assert 'fails on purpose' in problems[0].detail
    # a failed run is not cached: the next sweep tries it again, and only it
    again = sweep(make_plan('quick', ['fx-fail'], layout), client)
    assert statuses(again)['fx-fail/seed-001'] == 'failed' and again.count('cached') == 2


def test_the_same_run_on_either_worker_gives_the_same_numbers(tmp_path, client):
    layout = fixture_layout(tmp_path, {'fx-a': [7]})
    job = make_plan('quick', None, layout).runs[0]
    workers = sorted(client.scheduler_info()['workers'])
    assert len(workers) == 2
    seen = []
    for w in workers + workers[::-1]:
        out = client.submit(task.execute, job, force=True, **LIGHT, workers=[w], pure=False).result()
        assert out['status'] == 'done' and out['worker'] == w
        seen.append(science(json.loads((Path(job.folder) / 'metrics.json').read_text())))
    assert all(m == seen[0] for m in seen)


@stable_library
def test_two_runners_on_one_run_do_not_collide(tmp_path, client):
    layout = fixture_layout(tmp_path, {'fx-slow': [0]})
    job = make_plan('quick', None, layout).runs[0]
    workers = sorted(client.scheduler_info()['workers'])
    futures = [client.submit(task.execute, job, **LIGHT, workers=[w], pure=False) for w in workers]
    outs = [f.result() for f in futures]
    assert sorted(o['status'] for o in outs) == ['cached', 'done']  # one ran it; the other waited for the lock, then found it done
    assert job.state() == 'complete'
    assert sorted(p.name for p in Path(job.folder).parent.iterdir()) == ['.seed-000.lock', 'seed-000']


def test_progress_bar_on_a_terminal():
    import io

    stream = io.StringIO()
    p = Progress(4, stream=stream, tty=True)
    p.cached(2, 'x')
    p.update({'name': 'x/seed-002', 'status': 'done', 'seconds': 1.0, 'worker': 'w'})
    p.update({'name': 'x/seed-003', 'status': 'failed', 'seconds': 1.0, 'worker': 'w', 'error': 'RuntimeError: boom'})
    p.close()
    text = stream.getvalue()
    assert '4/4' in text and 'done=1' in text and 'cached=2' in text and 'failed=1' in text
    assert 'failed x/seed-003' in text and 'RuntimeError: boom' in text  # failures are printed above the bar
    assert 'done   x/seed-002' not in text  # successes only move the bar


@stable_library
def test_progress_lines_when_not_a_tty(tmp_path, client, capsys):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1]})
    plan = make_plan('quick', None, layout)
    import sys

    run_sweep(plan, client=client, progress=Progress(3, tty=False, stream=sys.stdout), **LIGHT)
    n = 3 + len(shown_seeds(layout, 'fx-a'))  # the showcase runs join the count once the summary has chosen them
    first = capsys.readouterr().out.splitlines()
    assert len(first) == n and all(re.match(r'^\[\s*\d+/\d+\] done\s+fx-a/\S+\s+[\d.]+ s\s+tcp://', ln) for ln in first), first
    assert first[-1].startswith(f'[{n}/{n}]')
    run_sweep(plan, client=client, progress=Progress(3, tty=False, stream=sys.stdout), **LIGHT)
    again = capsys.readouterr().out.splitlines()
    # a fully cached sweep says so in a few lines, not one per run
    assert again[:2] == ['[2/3] 2 cached (fx-a: all 2 runs)', '[3/3] 1 cached (fx-a: summary)'], again
    assert all('cached (fx-a: showcase seed' in ln for ln in again[2:]) and len(again) == n - 1


@stable_library
def test_two_whole_sweeps_at_once_do_every_run_once(tmp_path, client):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1, 2]})
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: sweep(make_plan('quick', None, layout), client), range(2)))
    assert all(r.ok for r in results)
    by_name: dict[str, list[str]] = {}
    for r in results:
        for o in r.outcomes:
            by_name.setdefault(o['name'], []).append(o['status'])
    assert {name: sorted(s) for name, s in by_name.items() if name.count('/') == 1} == {
        name: ['cached', 'done'] for name in ('fx-a/seed-000', 'fx-a/seed-001', 'fx-a/seed-002', 'fx-a/sweep')}
    assert check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir, templates_dir=layout.templates_dir) == []


def test_costliest_seeds_start_first_and_summaries_jump_the_queue():
    plan = make_plan('full')
    steps = {name: training_steps(plan, name) for name in plan.experiments}
    assert steps['ex-2.2'] == 20001 and steps['ex-2.3'] == 2 * steps['ex-2.9']  # two variants
    first = sorted(plan.runs, key=lambda j: -priority(j, steps))[0]
    assert first.experiment == 'ex-2.2'
    assert priority(plan.experiments['ex-2.9.1'].summary, steps) > max(steps.values())


def test_local_workers_do_not_profile_the_runs_they_drive():
    from excolor.runs.sweep import QUIET_WORKERS, connect

    with connect(workers=1) as client:
        seen = client.run(lambda: {k: dask.config.get(k) for k in QUIET_WORKERS})
    assert list(seen.values()) == [QUIET_WORKERS]


@stable_library
def test_a_summary_finished_by_another_runner_still_gets_its_showcase(tmp_path, client):
    """The second of two runners found the summary done under the lock: it must still see to the showcase run."""
    import shutil
    import time
    from concurrent.futures import ThreadPoolExecutor

    from excolor.runs import folders

    layout = fixture_layout(tmp_path, {'fx-a': [0, 1]})
    assert sweep(make_plan('quick', None, layout), client).ok
    shutil.rmtree(layout.experiment_dir('quick', 'fx-a') / 'showcase')
    summary = layout.sweep_dir('quick', 'fx-a')
    aside = summary.with_name('aside')
    summary.rename(aside)  # as if the other runner had not finished the summary when this one planned
    with ThreadPoolExecutor(1) as pool:
        with folders.lock(summary):
            second = pool.submit(sweep, make_plan('quick', None, layout), client)
            deadline = time.monotonic() + 60
            while not any(k.startswith('fx-a/sweep') for keys in client.processing().values() for k in keys):
                assert time.monotonic() < deadline and not second.done()
                time.sleep(0.1)
            aside.rename(summary)  # the other runner finishes the summary and lets go of the lock
        result = second.result()
    assert statuses(result, ('summary', 'showcase')) == {'fx-a/sweep': 'cached', f'fx-a/showcase/seed-{shown_seeds(layout, "fx-a")[0]:03d}': 'done'}
    assert result.ok and check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir, templates_dir=layout.templates_dir) == []


def test_a_sweep_never_reports_success_for_runs_that_are_not_there(tmp_path):
    from excolor.runs.sweep import SweepResult, unfinished

    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    plan = make_plan('quick', None, layout)
    lost = unfinished(plan, SweepResult('quick'), summaries=True)
    assert [(o['name'], o['status'], o['error']) for o in lost] == [
        (name, 'failed', 'still missing after the sweep (another runner may be working on it)') for name in ('fx-a/seed-000', 'fx-a/sweep')]
