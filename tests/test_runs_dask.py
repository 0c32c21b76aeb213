"""`--scheduler`: the same sweep on an existing cluster (real `dask scheduler` and `dask worker` processes)."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from excolor.runs.layout import ROOT
from excolor.runs.plan import make_plan
from tests.fixtures.sweeps import cli_args, fixture_layout, science, stable_library

DASK = Path(sys.executable).parent / 'dask'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler on a free port and two single-threaded workers started in the repository, as a user would."""
    port = free_port()
    address = f'tcp://127.0.0.1:{port}'
    log = lambda name: open(tmp_path / f'{name}.log', 'w')  # noqa: E731
    procs = [subprocess.Popen([str(DASK), 'scheduler', '--host', '127.0.0.1', '--port', str(port), '--dashboard-address', ':0'],
                              stdout=log('scheduler'), stderr=subprocess.STDOUT, start_new_session=True)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(('127.0.0.1', port)) == 0:
                    break
            time.sleep(0.1)
        for i in range(2):
            procs.append(subprocess.Popen([str(DASK), 'worker', address, '--nthreads', '1', '--name', f'w{i}', '--no-dashboard',
                                           '--preload', 'excolor.train.floating_point'],
                                          cwd=ROOT, stdout=log(f'worker{i}'), stderr=subprocess.STDOUT, start_new_session=True))
        yield address
    finally:
        for proc in reversed(procs):
            stop(proc)


@stable_library
def test_sweep_on_an_existing_cluster(tmp_path, cluster):
    layout = fixture_layout(tmp_path, {'fx-a': [0, 1, 2, 3]})
    proc = subprocess.run([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', '--scheduler', cluster, *cli_args(layout)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    plan = make_plan('quick', None, layout)
    provs = [json.loads((Path(j.folder) / 'provenance.json').read_text()) for j in plan.runs]
    assert all(p['key'] == j.key for p, j in zip(provs, plan.runs))
    workers = {p['worker'] for p in provs}
    assert all(w.startswith('tcp://127.0.0.1:') for w in workers)
    assert (layout.sweep_dir('quick', 'fx-a') / 'summary.json').exists()
    # a second runner against the same cluster: nothing to do
    again = subprocess.run([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', '--scheduler', cluster, *cli_args(layout)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and '4 cached' in again.stderr, again.stderr
    # forced: the same seeds again, wherever they land, give the same numbers
    before = {j.name: science(json.loads((Path(j.folder) / 'metrics.json').read_text())) for j in plan.runs}
    forced = subprocess.run([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', '--scheduler', cluster, '--force', '--no-summary',
                             *cli_args(layout)], capture_output=True, text=True, timeout=300)
    assert forced.returncode == 0, forced.stderr
    assert {j.name: science(json.loads((Path(j.folder) / 'metrics.json').read_text())) for j in plan.runs} == before


def test_a_scheduler_that_is_not_there_is_one_line_and_exit_2(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0]})
    address = f'tcp://127.0.0.1:{free_port()}'
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, '-m', 'excolor.runs', '--profile', 'quick', '--scheduler', address, *cli_args(layout)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and time.monotonic() - t0 < 60
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(f'error: no Dask scheduler answered at {address} within 10 s')


def test_a_cluster_without_workers_is_given_up_on_and_said_so(tmp_path):
    from excolor.runs.progress import Progress
    from excolor.runs.sweep import WorkerWatch

    class NoWorkers:
        cancelled: list = []

        def scheduler_info(self):
            return {'workers': {}}

        def cancel(self, futures):
            self.cancelled.extend(futures)

    client, lines = NoWorkers(), io.StringIO()
    watch = WorkerWatch(client, lambda: ['run-a', 'run-b'], Progress(2, stream=lines, tty=False), wait=0.2, every=0.05)
    deadline = time.monotonic() + 10
    while watch.reason is None and time.monotonic() < deadline:
        time.sleep(0.05)
    watch.stop()
    assert watch.reason == 'ClusterError: the cluster has had no worker for 0.2 s; the runs left were not run'
    assert client.cancelled == ['run-a', 'run-b'] and watch.reason in lines.getvalue()
