"""`excolor-warm`: the papermill engine that runs notebooks on warm kernels (see `kernels`).

Execution is papermill's own `PapermillNotebookClient`, only pointed at a pooled kernel that
was reset to a fresh state, so the output notebook (injected parameters, outputs, execution
counts from 1, metadata) is what plain `papermill` writes. Errors inside the notebook's cells
leave the kernel in the pool; anything else that goes wrong (a dead or timed-out kernel, a
failed reset) retires it, and the next run gets a new one.

papermill imports this module (entry point group `papermill.engine`) while papermill itself is
still being imported, so nothing from papermill is imported at module level and the engine is
duck-typed rather than a subclass: papermill only calls these three class methods.
"""

from __future__ import annotations

import logging
import os
from typing import Any

ENGINE = 'excolor-warm'


class WarmEngine:
    """papermill's nbclient engine, on a pooled warm kernel instead of a new one."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, **kwargs: Any) -> Any:
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb: Any, name: str | None = None) -> str:
        from papermill.engines import Engine

        return Engine.nb_kernel_name.__func__(cls, nb, name)

    @classmethod
    def nb_language(cls, nb: Any, language: str | None = None) -> str:
        from papermill.engines import Engine

        return Engine.nb_language.__func__(cls, nb, language)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None, start_timeout=60,
                                 execution_timeout=None, preload=None, warm=None, **kwargs):
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.utils import merge_kwargs, remove_args

        from excolor.runs.kernels import POOL, PRELOAD, WARM

        # The same arguments papermill's NBClientEngine hands its client.
        kwargs = remove_args(['input_path'], **kwargs)
        safe_kwargs = remove_args(['timeout', 'startup_timeout'], **kwargs)
        final_kwargs = merge_kwargs(safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get('timeout'),
                                    startup_timeout=start_timeout, kernel_name=kernel_name, log=logging.getLogger('papermill'),
                                    log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
        # nbclient starts a cold kernel in resources.metadata.path; a warm one moves there.
        cwd = ((kwargs.get('resources') or {}).get('metadata') or {}).get('path') or os.getcwd()
        kernel = POOL.acquire(kernel_name, tuple(PRELOAD if preload is None else preload), tuple(WARM if warm is None else warm),
                              start_timeout)
        healthy = False
        try:
            kernel.reset(str(cwd))
            client = PapermillNotebookClient(nb_man, km=kernel.km, **final_kwargs)
            client.kc = kernel.client(start_timeout)
            client.execute()
            healthy = True
        finally:
            POOL.release(kernel, healthy)
        return nb_man.nb
