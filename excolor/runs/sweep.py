"""A sweep on Dask: every stale or missing run as one task, then each experiment's summary once its seeds are in.

By default a `LocalCluster` with one single-threaded worker process per core (each worker keeps
one warm kernel); `scheduler=` sends the same tasks to an existing cluster. Each task writes its
own run folder and returns a small dict, so a crashing seed (or worker) costs only that seed.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from excolor.runs import folders, keys, task
from excolor.runs.engine import ENGINE
from excolor.runs.plan import Job, Plan
from excolor.runs.progress import Progress

CONNECT_WAIT = 10.0  # seconds to wait for an existing cluster's scheduler to answer
WORKER_WAIT = 60.0  # seconds a sweep waits without any worker (none started yet, or all lost) before giving up


class ClusterError(RuntimeError):
    """The Dask cluster cannot run the sweep: no scheduler answers, or it has no workers."""

# A local worker shares its core with the kernel it drives. Dask's defaults sample the running
# task's stack every 10 ms, the GIL every 1 ms and the system twice a second: measured here, ~12 %
# of a core per worker taken from training. A real cluster keeps its own configuration.
QUIET_WORKERS = {
    'distributed.worker.profile.enabled': False,
    'distributed.admin.system-monitor.gil.enabled': False,
    'distributed.admin.system-monitor.interval': '2s',
    'distributed.worker.memory.monitor-interval': '1s',
}


@dataclass
class SweepResult:
    profile: str
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [o for o in self.outcomes if o['status'] == 'failed']

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str, kind: str = 'seed') -> int:
        return sum(1 for o in self.outcomes if o['status'] == status and o['kind'] == kind)


@contextmanager
def connect(client: Any = None, scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """The given client; or one to `scheduler`; or a new LocalCluster of `workers` single-threaded processes."""
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            c = Client(scheduler, timeout=CONNECT_WAIT)
        except (OSError, TimeoutError) as e:
            raise ClusterError(f'no Dask scheduler answered at {scheduler} within {CONNECT_WAIT:.0f} s ({type(e).__name__}); '
                               f'start one with `dask scheduler`, or leave out --scheduler to run on this machine') from None
        with c:
            try:
                c.wait_for_workers(1, timeout=WORKER_WAIT)
            except (OSError, TimeoutError):
                raise ClusterError(f'the Dask scheduler at {scheduler} has had no worker for {WORKER_WAIT:.0f} s; start one with '
                                   f'`dask worker {scheduler} --nthreads 1 --preload excolor.train.floating_point`') from None
            yield c
        return
    import dask

    n = workers or os.cpu_count() or 1
    # No dashboard; its HTTP server on a free port (the default 8787 may be taken). Nannies hand
    # the configuration in force when they start to their worker processes. They start with Ctrl-C
    # ignored (inherited through exec), so that it interrupts only this process, which closes them.
    # Their own logs are silenced below CRITICAL: closing the cluster races their heartbeats, which then
    # log tracebacks; a run's failure reaches the console through its outcome, and a lost worker through WorkerWatch.
    with dask.config.set(QUIET_WORKERS):
        with sigint_ignored():
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=':0',
                                   scheduler_kwargs={'dashboard': False}, silence_logs=logging.CRITICAL)
        with cluster, Client(cluster) as c:
            yield c


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Processes started inside inherit SIGINT ignored (through exec); this process gets its own handler back after."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def training_steps(plan: Plan, experiment: str) -> int:
    """Optimizer steps one seed of `experiment` takes over all its variants: the sweep's cost model."""
    exp = plan.experiments[experiment].experiment
    return sum(exp.train_config(name).schedule.length for name in exp.variants)


def priority(job: Job, steps: dict[str, int]) -> int:
    """Dask priority (higher first): summaries and showcase runs as soon as they are ready, then seeds, costliest first.

    Longest jobs first keeps both workers busy to the end (ex-2.2's seeds train 7× longer than
    ex-2.9.1's), and the shown seeds of an experiment re-run while other seeds still train.
    """
    return steps[job.experiment] if job.kind == 'seed' else 10**9


def _cached(job: Job) -> dict[str, Any]:
    return {'name': job.name, 'kind': job.kind, 'experiment': job.experiment, 'seed': job.seed, 'folder': job.folder, 'worker': None,
            'status': 'cached', 'seconds': 0.0, 'error': None, 'note': None}


def run_sweep(plan: Plan, *, force: bool = False, workers: int | None = None, scheduler: str | None = None, client: Any = None,
              summaries: bool = True, engine: str = ENGINE, preload: tuple[str, ...] | None = None, warm: tuple[str, ...] | None = None,
              timeout: float | None = None, progress: Progress | None = None) -> SweepResult:
    """Execute every run of `plan` that is not complete (all with `force`), then the summaries; never raises for a failed run."""
    from distributed import as_completed

    t0 = time.perf_counter()
    if summaries and not plan.layout.summary_template.exists():
        from excolor.params.schema import ConfigError

        raise ConfigError(f'{plan.layout.summary_template}: no summary notebook template (or pass --no-summary)')
    if force or not all_complete(plan, summaries):  # a complete sweep in a read-only folder is a fine thing to re-check
        folders.ensure_writable(plan.layout.runs_dir / plan.profile)
    result = SweepResult(plan.profile)
    progress = progress or Progress(len(plan.runs) + (len(plan.summaries) if summaries else 0))
    options = dict(force=force, engine=engine, preload=preload, warm=warm, timeout=timeout, git=keys.git_commit())
    todo: list[Job] = []
    for name, ep in plan.experiments.items():
        mine = [j for j in ep.runs if force or j.state() != 'complete']
        result.outcomes += [_cached(j) for j in ep.runs if j not in mine]
        progress.cached(len(ep.runs) - len(mine), f'{name}: all {len(ep.runs)} runs' if not mine else name)
        todo += mine
    remaining = {name: sum(1 for j in todo if j.experiment == name) for name in plan.experiments}
    steps = {name: training_steps(plan, name) for name in plan.experiments}
    failed_seeds = {name: 0 for name in plan.experiments}

    try:
        with connect(client, scheduler, workers) as c:
            jobs: dict[Any, Job] = {}
            queue = as_completed()

            def submit(job: Job) -> None:
                fut = c.submit(task.execute, job, **options, key=f'{job.name}-{job.key[:12]}-{time.time_ns()}', pure=False,
                               priority=priority(job, steps))
                jobs[fut] = job
                queue.add(fut)

            def summary_ready(name: str) -> None:
                job = plan.experiments[name].summary
                if not summaries or job is None:  # a study's point: its runs are pooled by the study page
                    return
                if failed_seeds[name]:
                    outcome = {**_cached(job), 'status': 'failed', 'error': f'not summarised: {failed_seeds[name]} seed(s) failed'}
                    result.outcomes.append(outcome)
                    progress.update(outcome)
                elif force or job.state() != 'complete':
                    submit(job)
                else:
                    result.outcomes.append(_cached(job))
                    progress.cached(1, f'{name}: summary')
                    showcase_ready(name)

            def showcase_ready(name: str) -> None:
                shown = plan.experiments[name].showcase()
                progress.add(len(shown))
                for job in shown:
                    if force or job.state() != 'complete':
                        submit(job)
                    else:
                        result.outcomes.append(_cached(job))
                        progress.cached(1, f'{name}: showcase seed {job.seed}')

            for job in todo:  # Dask runs them by `priority`, not in this order
                submit(job)
            for name, n in remaining.items():
                if n == 0:
                    summary_ready(name)
            watch = WorkerWatch(c, lambda: list(jobs), progress)
            for fut in queue:
                job = jobs.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as e:  # the worker itself died or the task was lost
                    outcome = {**_cached(job), 'status': 'failed', 'error': watch.reason or f'{type(e).__name__}: {e}'}
                result.outcomes.append(outcome)
                progress.update(outcome)
                if job.kind == 'summary' and outcome['status'] in ('done', 'cached'):  # cached: another runner held it and finished it
                    showcase_ready(job.experiment)
                if job.kind == 'seed':
                    remaining[job.experiment] -= 1
                    failed_seeds[job.experiment] += outcome['status'] == 'failed'
                    if remaining[job.experiment] == 0:
                        summary_ready(job.experiment)
            watch.stop()
        result.outcomes += unfinished(plan, result, summaries)
    finally:
        progress.close()
        result.seconds = time.perf_counter() - t0
    return result


class WorkerWatch:
    """Gives up on a sweep whose cluster has had no worker for `WORKER_WAIT` s: says so once, and cancels what is left.

    A LocalCluster's nannies restart a dead worker within seconds; an existing cluster whose only
    worker is gone would otherwise leave the runner waiting forever without a word.
    """

    def __init__(self, client: Any, pending: Any, progress: Progress, wait: float = WORKER_WAIT, every: float = 2.0):
        self.reason: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(client, pending, progress, wait, every), daemon=True)
        self._thread.start()

    def _run(self, client: Any, pending: Any, progress: Progress, wait: float, every: float) -> None:
        since = None
        while not self._stop.wait(every):
            try:
                workers = len(client.scheduler_info().get('workers', {}))
            except Exception:  # the scheduler itself is gone
                workers = 0
            since = None if workers else since or time.monotonic()
            if since is not None and time.monotonic() - since >= wait:
                self.reason = f'ClusterError: the cluster has had no worker for {wait:g} s; the runs left were not run'
                progress.message(self.reason)
                client.cancel(pending())
                return

    def stop(self) -> None:
        self._stop.set()


def all_complete(plan: Plan, summaries: bool) -> bool:
    """Every run, and (with `summaries`) every summary and showcase run, complete: nothing to write."""
    jobs = [j for ep in plan.experiments.values() for j in ep.jobs(summaries)]
    return all(j.state() == 'complete' for j in jobs)


def unfinished(plan: Plan, result: SweepResult, summaries: bool) -> list[dict[str, Any]]:
    """Jobs of the plan that are still not complete, though no outcome says they failed: reported as failures, never as success.

    The last line of defence for "exit 0 means the book can be built": whatever a runner skipped,
    or another runner left unfinished, shows up here.
    """
    failed = {o['folder'] for o in result.failed}
    jobs = [j for ep in plan.experiments.values() for j in ep.jobs(summaries)]
    return [{**_cached(j), 'status': 'failed', 'error': f'still {state} after the sweep (another runner may be working on it)'}
            for j in jobs if j.folder not in failed and (state := j.state()) in ('missing', 'failed')]
