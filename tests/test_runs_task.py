"""One job in this process: what a run folder holds when the disk fills, and what the console says."""

import errno
import json
from pathlib import Path

import papermill.iorw
import pytest

from excolor.runs import task
from excolor.runs.check import check
from excolor.runs.kernels import POOL
from excolor.runs.plan import make_plan
from excolor.runs.progress import Progress, summary_table
from tests.fixtures.sweeps import PRELOAD, WARM, add_unused_column, fixture_layout

LIGHT = {'preload': PRELOAD, 'warm': WARM}


@pytest.fixture(scope='module', autouse=True)
def kernels():
    yield POOL
    POOL.shutdown_all()


def full_disk_while_papermill_saves(monkeypatch, after_saves: int = 1) -> None:
    """papermill's notebook saves hit ENOSPC after `after_saves` good ones, leaving a truncated file, as a full tmpfs does."""
    calls = []
    real = papermill.iorw.LocalHandler.write

    def write(self, buf, path):
        calls.append(path)
        if len(calls) <= after_saves:
            return real(self, buf, path)
        Path(path).write_text(buf[: len(buf) // 3])
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(papermill.iorw.LocalHandler, 'write', write)


def test_a_full_disk_reports_the_original_error_and_marks_the_run_failed(tmp_path, monkeypatch, capsys):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    job = make_plan('quick', None, layout).runs[0]
    full_disk_while_papermill_saves(monkeypatch)
    out = task.execute(job, **LIGHT)
    error_txt = Path(job.folder) / 'error.txt'
    assert (out['status'], out['error'], out['details']) == ('failed', 'OSError: [Errno 28] No space left on device', str(error_txt))
    assert 'OSError: [Errno 28] No space left on device' in error_txt.read_text()
    assert 'NotJSONError' not in out['error']
    assert [str(p) for p in check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir,
                                  templates_dir=layout.templates_dir, summaries=False)] == [
        f'fx-a seed 0: failed (OSError: [Errno 28] No space left on device) [{job.folder}]']
    Progress(1, tty=False).update(out)
    line = capsys.readouterr().err.splitlines()[1]
    assert line.strip() == f'OSError: [Errno 28] No space left on device (details: {error_txt}); free some space, then run the same command again'


def test_a_disk_too_full_for_the_error_still_marks_the_run_failed(tmp_path, monkeypatch):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    job = make_plan('quick', None, layout).runs[0]
    full_disk_while_papermill_saves(monkeypatch)

    def no_space(path, data):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(task, 'atomic_write_text', no_space)
    out = task.execute(job, **LIGHT)
    assert (out['status'], out['error'], out['details']) == ('failed', 'OSError: [Errno 28] No space left on device', None)
    assert job.state() == 'failed'
    assert sorted(p.name for p in Path(job.folder).iterdir()) == ['error.txt']  # empty: no room for the text
    assert [str(p) for p in check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir,
                                  templates_dir=layout.templates_dir, summaries=False)] == [
        f'fx-a seed 0: failed (error.txt is empty: the disk was too full to record why) [{job.folder}]']
    footer = summary_table([out], 1.0)
    assert 'free some space, then run the same command again' in footer
    assert 'is empty: the disk was too full to record the traceback' in footer and 'see ' not in footer


def test_provenance_keeps_the_schedule_notes(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    csv = layout.params_dir / 'schedules' / 'tiny.csv'
    add_unused_column(csv, 'spare')
    job = make_plan('quick', None, layout).runs[0]
    assert task.execute(job, **LIGHT)['status'] == 'done'
    prov = json.loads((Path(job.folder) / 'provenance.json').read_text())
    assert prov['notes'] == [f"fx-a: schedule column 'spare' of {csv} is unused: no regularizer is named 'spare'"]


def test_a_published_run_rewritten_afterwards_is_no_longer_up_to_date(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    job = make_plan('quick', None, layout).runs[0]
    assert task.execute(job, **LIGHT)['status'] == 'done' and job.state() == 'complete'
    metrics = Path(job.folder) / 'metrics.json'
    metrics.write_text(metrics.read_text().replace('"seed": 0.0', '"seed": 0.5'))  # what a by-hand papermill run used to do
    assert [str(p) for p in check('quick', None, runs_dir=layout.runs_dir, params_dir=layout.params_dir,
                                  templates_dir=layout.templates_dir, summaries=False)] == [
        f'fx-a seed 0: stale (its files changed after the runner published it, e.g. by a notebook run by hand) '
        f'[{job.folder}]']


def test_code_edited_while_a_run_ran_is_never_published_as_complete(tmp_path, monkeypatch):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    job = make_plan('quick', None, layout).runs[0]
    real = task.keys.code_parts
    calls = []

    def edited_after_start(kind):  # the first call is before the kernel imports the library, later ones see an edit
        calls.append(kind)
        parts = real(kind)
        return parts if len(calls) == 1 else {**parts, 'library': 'edited'}

    monkeypatch.setattr(task.keys, 'code_parts', edited_after_start)
    out = task.execute(job, **LIGHT)
    assert out['status'] == 'failed'
    assert out['error'].startswith('CodeChangedError: the library changed while this run ran')
    assert 'run the same command again' in out['error']
    assert not (Path(job.folder) / 'provenance.json').exists() and job.state() == 'failed'
    monkeypatch.setattr(task.keys, 'code_parts', real)
    assert task.execute(job, **LIGHT)['status'] == 'done' and job.state() == 'complete'
