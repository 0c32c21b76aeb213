"""`python -m excolor.runs` as a user runs it: killed mid-sweep and resumed, and refused an unwritable output folder."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from excolor.runs.layout import ROOT
from excolor.runs.plan import make_plan
from tests.fixtures.sweeps import cli_args, fixture_layout, science, stable_library
from tests.test_runs_folders import read_only_mount  # noqa: F401 (a fixture)


def runner(layout, *extra: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', *cli_args(layout), *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kwargs)


def snapshot(plan) -> dict[str, tuple[bytes, bytes]]:
    """The complete runs: their metrics and provenance, byte for byte."""
    out = {}
    for job in plan.runs:
        folder = Path(job.folder)
        if (folder / 'provenance.json').exists():
            out[job.name] = ((folder / 'metrics.json').read_bytes(), (folder / 'provenance.json').read_bytes())
    return out


@stable_library
def test_kill_9_mid_sweep_then_resume(tmp_path):
    """Also: a failing seed fails the command, naming it, while every other run completes."""
    layout = fixture_layout(tmp_path, {'fx-slow': list(range(4)), 'fx-fail': [1]})
    plan = make_plan('quick', ['fx-slow'], layout)
    first = runner(layout, '--workers', '1', '--no-summary')
    try:
        deadline = time.monotonic() + 120
        while not snapshot(plan) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        assert snapshot(plan), first.communicate(timeout=5) if first.poll() is not None else 'no run landed in time'
        os.kill(first.pid, signal.SIGKILL)
    finally:
        try:
            os.killpg(first.pid, signal.SIGKILL)  # the Dask workers and kernels too, so nothing writes after the kill
        except ProcessLookupError:
            pass
        first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    survived = snapshot(plan)
    assert 1 <= len(survived) < 4, 'kill -9 came too late to interrupt the sweep'

    second = runner(layout, '--workers', '1', '--no-summary')
    out, err = second.communicate(timeout=300)
    assert second.returncode == 1, err  # fx-fail's seed 1 failed (again)
    assert re.search(r'failed: fx-fail/seed-001$', err.strip()), err
    assert 'fx-fail/seed-001: RuntimeError: fx-fail seed 1 fails on purpose' in out
    n = len(survived)
    assert re.search(rf'fx-slow\s+4\s+{4 - n}\s+{n}\s+0\s', out), out  # runs, done, cached, failed
    assert len(re.findall(r'\] done\s+fx-slow/seed-', err)) == 4 - n, err  # only the missing runs ran
    done = snapshot(plan)
    assert len(done) == 4
    assert {k: done[k] for k in survived} == survived  # the runs from before the kill are untouched
    assert not [p for p in (layout.runs_dir / 'quick' / 'fx-slow').iterdir() if p.name.endswith(('.tmp', '.old'))]
    assert len({science(json.loads(m))['loss'] for m, _ in done.values()}) == 4
    check = subprocess.run([sys.executable, '-m', 'excolor.runs', 'check', '--profile', 'quick', '--no-summary', '-e', 'fx-slow',
                            *cli_args(layout)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_file_where_the_runs_folder_should_be(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    layout.runs_dir.write_text('oops')
    proc = runner(layout)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert 'cannot write run outputs' in err and 'is a file, where a folder is needed' in err and '--runs-dir' in err


def test_a_read_only_runs_folder(tmp_path, read_only_mount):  # noqa: F811
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    proc = subprocess.run([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', *cli_args(layout), '--runs-dir', str(read_only_mount)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert 'read-only' in proc.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason='root ignores permission bits (test_a_read_only_runs_folder covers this with a read-only mount)')
def test_a_runs_folder_without_write_permission(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    layout.runs_dir.mkdir()
    layout.runs_dir.chmod(0o500)
    try:
        proc = runner(layout)
        out, err = proc.communicate(timeout=120)
    finally:
        layout.runs_dir.chmod(0o700)
    assert proc.returncode == 2 and 'permission denied' in err


def test_ctrl_c_says_in_one_line_how_to_resume(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': list(range(40))})
    proc = subprocess.Popen([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', '--no-summary', *cli_args(layout)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines = []
    for line in proc.stderr:  # wait for the first finished run, so the interrupt lands inside the sweep
        lines.append(line)
        if '] done' in line:
            break
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130
    assert 'Traceback' not in rest
    resume = [ln for ln in rest.splitlines() if ln.startswith('interrupted:')]
    assert len(resume) == 1 and f'--runs-dir {layout.runs_dir}' in resume[0] and 'to resume' in resume[0]


def test_a_complete_sweep_in_a_read_only_folder_is_all_cached(tmp_path):
    import shutil

    if os.geteuid() != 0 or not shutil.which('mount'):
        pytest.skip('mounting needs root')
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    target = tmp_path / 'mount'
    target.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', str(target)], capture_output=True).returncode != 0:
        pytest.skip('cannot mount a tmpfs here')
    try:
        command = [sys.executable, '-m', 'excolor.runs', '--profile', 'quick', '--no-summary', *cli_args(layout), '--runs-dir', str(target)]
        assert subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT).returncode == 0
        assert subprocess.run(['mount', '-o', 'remount,ro', str(target)], capture_output=True).returncode == 0
        again = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert again.returncode == 0, again.stderr
        assert 'cached' in again.stdout + again.stderr
    finally:
        subprocess.run(['umount', str(target)], capture_output=True)
