"""Warm kernels: started once per process, with torch and lightning imported, reset between notebooks.

A cold kernel start plus `import torch, lightning` costs about 7 s here, more than a 2.9.1
seed trains for. A `WarmKernel` pays that once; `KernelPool` keeps this process's idle ones
(one per concurrently running notebook: one per Dask worker thread) and replaces any that
died or were started before a package changed on disk. What a reset restores is in
`kernelside`, whose source runs inside the kernel.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from excolor.train import floating_point
from excolor.runs import kernelside
from excolor.runs.keys import package_versions

# Imported once per kernel, and kept: what every template needs and is slow to import.
PRELOAD = ('numpy', 'pandas', 'scipy.stats', 'matplotlib', 'matplotlib.pyplot', 'torch', 'lightning', 'pydantic', 'yaml',
           'IPython.display', 'myst_nb')
# Imported once so that their own imports are warm, then forgotten (each notebook re-imports them fresh).
WARM = ('excolor.notebook.page', 'excolor.notebook.report', 'excolor.notebook.experiment', 'excolor.train.trainer', 'excolor.measure.evaluation', 'excolor.present.figures',
        'excolor.present.figures.sweep', 'excolor.present.tables', 'excolor.runs.aggregate')
HISTORY = ['--HistoryManager.hist_file=:memory:']  # what nbclient passes to the kernels it starts
SETUP_TIMEOUT = 600.0
# A kernel inherits these at start; one started with other values is not the kernel a run asked for.
THREAD_VARS = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS')
# ... and its floating-point environment (excolor.train.floating_point), fixed when torch loads.
START_VARS = (*THREAD_VARS, floating_point.SWITCH, *floating_point.VARIABLES)
RSS_LIMIT = 4 * 2**30  # a kernel grown past this (leaks add up over a hundred runs) is replaced

log = logging.getLogger(__name__)


class WarmKernelError(RuntimeError):
    """A warm kernel could not be started or reset."""


@lru_cache(maxsize=1)
def _socket_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix='excolor-kernels-'))


def _plain(traceback: list[str]) -> str:
    return re.sub(r'\x1b\[[0-9;]*m', '', '\n'.join(traceback))


class WarmKernel:
    """A started kernel that has imported `preload`, plus the means to reset it between notebooks."""

    def __init__(self, kernel_name: str, preload: tuple[str, ...], warm: tuple[str, ...], start_timeout: float = 60):
        self.key = pool_key(kernel_name, preload, warm)
        self.versions = package_versions()
        self.runs = 0
        self._kc: AsyncKernelClient | None = None
        self._kc_thread = 0
        # IPC sockets: local only, and no "running over TCP without encryption" warning from every kernel.
        self.km = AsyncKernelManager(kernel_name=kernel_name, transport='ipc', ip=str(_socket_dir() / uuid.uuid4().hex[:12]))
        t0 = time.perf_counter()
        run_sync(self.km.start_kernel)(extra_arguments=list(HISTORY))
        try:
            source = Path(kernelside.__file__).read_text()
            self.execute(
                'import sys as _s, types as _t\n'
                "_m = _t.ModuleType('_excolor_warm')\n"
                f'exec(compile({source!r}, {kernelside.__file__!r}, "exec"), _m.__dict__)\n'
                "_s.modules['_excolor_warm'] = _m\n"
                f'_m.start({list(preload)!r}, {list(warm)!r})\n',
                timeout=SETUP_TIMEOUT, start_timeout=start_timeout)
        except BaseException:
            self.shutdown()
            raise
        self.start_seconds = time.perf_counter() - t0
        log.info('warm kernel %s started in %.1f s', self.pid, self.start_seconds)

    @property
    def pid(self) -> int | None:
        proc = getattr(self.km.provisioner, 'process', None)
        return proc.pid if proc else None

    def alive(self) -> bool:
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def rss(self) -> int:
        try:
            import psutil

            return psutil.Process(self.pid).memory_info().rss
        except Exception:
            return 0

    def client(self, start_timeout: float = 60) -> AsyncKernelClient:
        """This thread's connected client, kept between runs: connecting costs a readiness round trip (> 0.2 s)."""
        if self._kc is None or self._kc_thread != threading.get_ident():
            if self._kc is not None:
                self._kc.stop_channels()
            kc = self.km.client()
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=start_timeout)
            self._kc, self._kc_thread = kc, threading.get_ident()
        return self._kc

    def execute(self, code: str, timeout: float = 120, start_timeout: float = 60) -> None:
        """Run `code` silently (no history, no execution count), raising `WarmKernelError` with the traceback."""
        try:
            reply = run_sync(self.client(start_timeout).execute_interactive)(code, silent=True, store_history=False, timeout=timeout,
                                                                               output_hook=lambda msg: None)
        except Exception as e:
            raise WarmKernelError(f'warm kernel {self.pid}: {type(e).__name__}: {e}') from e
        content = reply['content']
        if content['status'] != 'ok':
            raise WarmKernelError(f'warm kernel {self.pid}: {content.get("ename")}: {content.get("evalue")}\n{_plain(content.get("traceback", []))}')

    def reset(self, cwd: str) -> None:
        self.execute(f"__import__('_excolor_warm').reset({cwd!r})")

    def shutdown(self) -> None:
        """Ask the kernel to exit (no interrupt first, unlike `shutdown_kernel`), kill it if it lingers, remove its sockets."""
        try:
            if self._kc is not None:
                self._kc.stop_channels()
            run_sync(_stop)(self.km)
        except Exception:  # already gone
            pass


async def _stop(km: AsyncKernelManager) -> None:
    if await km.is_alive():
        await km.request_shutdown()
        await km.finish_shutdown(waittime=2.0, pollinterval=0.05)
    await km.cleanup_resources()


def pool_key(kernel_name: str, preload: tuple[str, ...], warm: tuple[str, ...]) -> tuple:
    return kernel_name, tuple(preload), tuple(warm), tuple(os.environ.get(v) for v in START_VARS)


class KernelPool:
    """Idle warm kernels of this process, by (kernel name, preload, warm); one per concurrently running notebook."""

    def __init__(self) -> None:
        self._idle: list[WarmKernel] = []
        self._lock = threading.Lock()
        self.started = 0

    def acquire(self, kernel_name: str, preload: tuple[str, ...] = PRELOAD, warm: tuple[str, ...] = WARM,
                start_timeout: float = 60) -> WarmKernel:
        key = pool_key(kernel_name, preload, warm)
        versions = package_versions()
        while True:
            with self._lock:
                kernel = next((k for k in self._idle if k.key == key), None)
                if kernel is not None:
                    self._idle.remove(kernel)
            if kernel is None:
                self.started += 1
                return WarmKernel(kernel_name, tuple(preload), tuple(warm), start_timeout)
            if kernel.versions == versions and kernel.alive():
                return kernel
            kernel.shutdown()  # died while idle, or started before a package changed on disk

    def release(self, kernel: WarmKernel, healthy: bool) -> None:
        if healthy and kernel.alive() and kernel.rss() < RSS_LIMIT:
            kernel.runs += 1
            with self._lock:
                self._idle.append(kernel)
        else:
            kernel.shutdown()

    def shutdown_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for k in idle:
            k.shutdown()

    def __len__(self) -> int:
        return len(self._idle)


POOL = KernelPool()
atexit.register(POOL.shutdown_all)
