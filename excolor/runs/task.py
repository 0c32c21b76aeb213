"""One job, start to finish, in whatever process runs it (a Dask worker, or this one): the unit of a sweep.

Under the folder's lock: skip if a complete run with the same key is already there; else
execute the notebook with papermill into a staging folder, tag its parameter cells
`remove-cell`, write `provenance.json` (success) or `error.txt` (failure; the partially
executed notebook stays), and publish the folder with one rename. The task writes its own
outputs, so a crash elsewhere never loses them; it returns only a small dict, and never
raises for a failing notebook.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import socket
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from excolor.train import floating_point
from excolor.files import atomic_write_json, atomic_write_text
from excolor.runs import folders, keys
from excolor.runs.engine import ENGINE
from excolor.runs.kernels import THREAD_VARS, WarmKernelError
from excolor.runs.layout import ERROR, FLOATING_POINT, METRICS, NOTEBOOK, PROVENANCE, SUMMARY, SWEEP_NOTEBOOK
from excolor.runs.plan import Job, job_state

REMOVE = 'remove-cell'
PARAMETER_TAGS = ('parameters', 'injected-parameters')
# One thread per run: a sweep runs one run per core, and a thread count must not change a number.
THREAD_ENV = dict.fromkeys(THREAD_VARS, '1')
# Dask's nanny gives its workers MALLOC_TRIM_THRESHOLD_=65536, and a kernel would inherit it: glibc
# then maps and unmaps every large tensor afresh. Measured: a wide chunk of 125 seeds took 51 s
# with it and 32 s without; evaluation grids pay too. Kernels start without it.
KERNEL_UNSET = ('MALLOC_TRIM_THRESHOLD_',)
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')


def worker_name() -> str:
    """The Dask worker's address, else host:pid."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f'{socket.gethostname()}:{os.getpid()}'


def execute(job: Job, *, force: bool = False, engine: str = ENGINE, preload: tuple[str, ...] | None = None,
            warm: tuple[str, ...] | None = None, timeout: float | None = None, git: dict | None = None) -> dict[str, Any]:
    """Run `job` into its folder; returns {name, status: done|cached|failed, seconds, worker, error, ...}."""
    folder = Path(job.folder)
    t0 = time.perf_counter()
    out: dict[str, Any] = {'name': job.name, 'kind': job.kind, 'experiment': job.experiment, 'seed': job.seed, 'folder': job.folder,
                           'worker': worker_name(), 'status': 'failed', 'seconds': 0.0, 'error': None, 'details': None, 'note': None}
    try:
        with folders.lock(folder):
            if not force and job_state(folder, job.key) == 'complete':
                out['status'] = 'cached'
                return out
            try:
                out.update(_run(job, folder, engine=engine, preload=preload, warm=warm, timeout=timeout, git=git, worker=out['worker']))
            except Exception as e:  # outside the notebook (a full disk, a folder that cannot be made): still a failed run
                out.update(_failed_outside(job, folder, e))
    except OSError as e:  # the lock itself
        out['error'] = folders.describe_os_error(e, folder)
    except Exception as e:  # the report must come back whatever happened
        out['error'] = f'{type(e).__name__}: {e}'
    finally:
        out['seconds'] = time.perf_counter() - t0
    return out


@contextmanager
def kernel_environment(environment: str = floating_point.PINNED) -> Iterator[None]:
    """The kernels this run starts (cold, or a new warm one) get single-threaded BLAS/OpenMP, glibc's own malloc
    tuning, and the floating-point `environment`'s variables (set before their torch loads)."""
    wanted = floating_point.process_environment(environment, {k: v for k, v in os.environ.items() if k not in KERNEL_UNSET})
    wanted.update(THREAD_ENV)
    names = {*THREAD_ENV, *KERNEL_UNSET, floating_point.SWITCH, *floating_point.VARIABLES}
    old = {k: os.environ.get(k) for k in names}
    for k in names:
        if k in wanted:
            os.environ[k] = wanted[k]
        else:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run(job: Job, folder: Path, *, engine: str, preload, warm, timeout: float | None, git: dict | None, worker: str) -> dict[str, Any]:
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    tmp = folders.staging(folder)
    nb_path = tmp / (SWEEP_NOTEBOOK if job.kind == 'summary' else NOTEBOOK)  # seed and showcase runs: notebook.ipynb
    parts = _actual_parts(job)  # the code the kernel is about to import
    with kernel_environment(job.environment):
        error, attempts = _execute_notebook(job, nb_path, engine=engine, preload=preload, warm=warm, timeout=timeout)
    if error is None and (moved := changed_while_running(parts, _actual_parts(job))):
        error = (f'CodeChangedError: {moved} changed while this run ran, so its kernel may have imported either version; '
                 f'it is not published under either key: run the same command again')
    if nb_path.exists():
        try:
            _finish_notebook(nb_path, tmp, folder)
        except Exception as e:  # e.g. truncated by a full disk: the error that truncated it is the one to report
            error = (error + '\n\n' if error else '') + f'(the executed notebook cannot be read back: {type(e).__name__}: {e})'
    expected = SUMMARY if job.kind == 'summary' else METRICS
    if error is None and not (tmp / expected).exists():
        error = f'the notebook finished but wrote no {expected} into out_dir'
    key = keys.run_key(parts)
    note = None if key == job.key else 'the library or packages changed since the sweep was planned; this run is stale already'
    wall = time.perf_counter() - t0
    if error is None:
        atomic_write_json(tmp / PROVENANCE, {
            'key': key, 'parts': parts, 'experiment': job.experiment, 'profile': job.profile, 'seed': job.seed, 'kind': job.kind,
            'template': job.template, 'parameters': job.parameters, 'overrides': job.parameters.get('overrides') or {},
            'trained_in': job.parameters.get('trained') or None, 'git': git if git is not None else keys.git_commit(),
            'engine': engine, 'attempts': attempts, 'wall_seconds': wall, 'started': started.isoformat(timespec='seconds'),
            'finished': datetime.now(timezone.utc).isoformat(timespec='seconds'), 'hostname': socket.gethostname(), 'worker': worker,
            'pid': os.getpid(), 'python': platform.python_version(), 'notes': list(job.notes),
            'floating_point': json.loads((tmp / FLOATING_POINT).read_text()) if (tmp / FLOATING_POINT).exists() else None,
            'files': keys.folder_digests(tmp),
        })
    else:
        headline = _first_line(error)
        saved = write_error(tmp, f'{job.name} failed: {headline}\n(profile {job.profile}, key {job.key}, worker {worker}, '
                                 f'{started.isoformat(timespec="seconds")}, attempts {attempts})\n\n{error}\n')
    folders.publish(tmp, folder)
    if error is None:
        return {'status': 'done', 'note': note, 'attempts': attempts}
    return {'status': 'failed', 'error': headline, 'details': str(folder / ERROR) if saved else None, 'note': note, 'attempts': attempts}


def write_error(folder: Path, text: str) -> bool:
    """`error.txt` with the whole error, so the run counts as failed; on a full disk, make room or leave it empty.

    The partial notebook goes first (a full disk truncates it anyway); an empty `error.txt` needs
    no data blocks and still marks the run failed. False if not even that could be written.
    """
    for attempt in ('whole', 'without the notebook', 'empty'):
        try:
            if attempt == 'empty':
                (folder / ERROR).touch()
            else:
                atomic_write_text(folder / ERROR, text)
            return attempt != 'empty'
        except OSError:
            for name in (NOTEBOOK, SWEEP_NOTEBOOK):
                (folder / name).unlink(missing_ok=True)
    return False


def _failed_outside(job: Job, folder: Path, e: Exception) -> dict[str, Any]:
    """A failure outside the notebook: one line for the console, the traceback in a fresh `error.txt` if one can be written."""
    headline = folders.describe_os_error(e, folder) if isinstance(e, OSError) else f'{type(e).__name__}: {e}'
    saved = False
    try:
        tmp = folders.staging(folder)
        saved = write_error(tmp, f'{job.name} failed: {headline}\n(profile {job.profile}, key {job.key})\n\n{traceback.format_exc()}')
        folders.publish(tmp, folder)
    except OSError:
        saved = False
    return {'status': 'failed', 'error': headline, 'details': str(folder / ERROR) if saved else None}


def _execute_notebook(job: Job, nb_path: Path, *, engine: str, preload, warm, timeout: float | None) -> tuple[str | None, int]:
    """papermill to `nb_path`, outputs beside it; a kernel that died (or failed its reset) gets one retry on a new kernel.

    Returns (error or None, attempts).
    """
    import papermill as pm
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    tmp = nb_path.parent
    kwargs: dict[str, Any] = dict(parameters={**job.parameters, 'out_dir': str(tmp)}, engine_name=engine, progress_bar=False,
                                  execution_timeout=math.ceil(timeout) if timeout else None,
                                  resources={'metadata': {'path': str(Path(job.template).parent)}})  # the kernel's working folder
    if engine == ENGINE:
        kwargs.update(preload=preload, warm=warm)
    for attempt in (1, 2):
        try:
            pm.execute_notebook(job.template, str(nb_path), **kwargs)
            return None, attempt
        except PapermillExecutionError as e:
            return _clean(str(e)), attempt
        except (DeadKernelError, WarmKernelError):
            if attempt == 2:
                return f'the kernel died twice\n{traceback.format_exc()}', attempt
            for child in tmp.iterdir():  # the retry starts from an empty folder
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        except Exception as e:
            return f'{type(e).__name__}: {_clean(str(e))}\n{traceback.format_exc()}', attempt
    raise AssertionError('unreachable')


def _finish_notebook(path: Path, tmp: Path, folder: Path) -> None:
    """Point paths at the published folder, and hide the parameter cells from the book."""
    import nbformat

    nb = nbformat.reads(path.read_text().replace(json.dumps(str(tmp))[1:-1], json.dumps(str(folder))[1:-1]), as_version=4)
    for cell in nb.cells:
        tags = cell.get('metadata', {}).get('tags', [])
        if any(t in tags for t in PARAMETER_TAGS) and REMOVE not in tags:
            tags.append(REMOVE)
    atomic_write_text(path, nbformat.writes(nb))


def changed_while_running(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """Which of a run's code parts (library, packages, summary code) differ between its start and its end; None if none."""
    moved = [name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]
    return ' and '.join(f'the {name}' for name in moved) or None


def _actual_parts(job: Job) -> dict[str, Any]:
    """The job's key parts, with the code and packages as this process sees them."""
    return {**job.parts, **keys.code_parts(job.kind)}


def _clean(text: str) -> str:
    return ANSI.sub('', text)


def _first_line(error: str) -> str:
    lines = [ln.strip() for ln in error.strip().splitlines() if ln.strip() and not set(ln.strip()) <= set('-')]
    # papermill's message leads with 'Exception encountered at "In [n]":'; the exception line is the last one
    for ln in reversed(lines):
        if re.match(r'^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b', ln):
            return ln
    return lines[-1] if lines else error

