"""Runs inside a warm kernel (its source is sent there, not imported): import once, then a clean slate per notebook.

`start()` imports the heavy libraries, records the process state a fresh kernel would have,
then imports the library modules once (so everything *they* import is warm too) and
forgets them again. `reset()` gives each notebook what a fresh kernel gives it: an empty
user namespace with execution counts from 1, freshly imported `excolor` modules, and the
recorded state restored (working folder, environment, `sys.path`, warning filters and
registries, logging levels, matplotlib rcParams, torch and numpy settings, torch's RNG),
with Python's, NumPy's and torch's global RNGs seeded from entropy, as a new process seeds them.

A library's settings are restored only if it was preloaded (its pristine state is recorded
at start); `kernels.PRELOAD` therefore lists every stateful library the templates use.
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import random
import sys
import warnings

_state: dict = {}
FORGET = ('excolor',)  # re-imported by every notebook, so library edits and module state never leak between runs


def start(preload: list[str], warm: list[str]) -> list[str]:
    """Import `preload` (must work) and `warm` (best effort); record the state to restore. Returns the warm modules that failed."""
    for name in preload:
        importlib.import_module(name)
    if 'torch' in sys.modules:
        # torch's C++ warn-once flags cannot be reset, so a second notebook would never see such a warning. Routed
        # through Python instead, each shows once per line of code per notebook, as in a new kernel (almost always).
        sys.modules['torch'].set_warn_always(True)
    _state.update(_capture())
    failed = []
    for name in warm:
        try:
            importlib.import_module(name)
        except Exception:  # a module the library does not have yet: nothing to warm
            failed.append(name)
    _forget()
    _restore(_state)
    return failed


def reset(cwd: str) -> None:
    """Make the kernel look freshly started to the next notebook, with `cwd` as its working folder."""
    from IPython import get_ipython

    shell = get_ipython()
    shell.reset(new_session=True)  # user namespace, In/Out, execution_count = 1; also a gc.collect()
    _forget()
    _restore(_state)
    os.chdir(cwd)
    random.seed()
    if 'numpy' in sys.modules:
        sys.modules['numpy'].random.seed()
    if 'torch' in sys.modules:
        sys.modules['torch'].seed()


def _forget() -> None:
    for name in [m for m in sys.modules if m.split('.')[0] in FORGET]:
        del sys.modules[name]


def _capture() -> dict:
    state = {
        'cwd': os.getcwd(),
        'environ': dict(os.environ),
        'path': list(sys.path),
        'argv': list(sys.argv),
        'warnings': list(warnings.filters),
        'loggers': {name: (lg.level, lg.propagate, lg.disabled, list(lg.handlers))
                    for name, lg in [('', logging.getLogger()), *logging.Logger.manager.loggerDict.items()] if isinstance(lg, logging.Logger)},
    }
    if 'matplotlib' in sys.modules:
        state['rc'] = copy.deepcopy(dict(sys.modules['matplotlib'].rcParams))
    if 'numpy' in sys.modules:
        np = sys.modules['numpy']
        state['np'] = (np.geterr(), np.get_printoptions())
    if 'pandas' in sys.modules:
        state['pd'] = copy.deepcopy(sys.modules['pandas']._config.config._global_config)
    if 'torch' in sys.modules:
        torch = sys.modules['torch']
        state['torch'] = {
            'threads': torch.get_num_threads(),
            'deterministic': (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()),
            'dtype': torch.get_default_dtype(),
            'grad': torch.is_grad_enabled(),
            'warn_always': torch.is_warn_always_enabled(),
            'matmul': torch.get_float32_matmul_precision(),
            'cudnn': (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark),
        }
    return state


def _restore(state: dict) -> None:
    os.chdir(state['cwd'])
    if dict(os.environ) != state['environ']:
        os.environ.clear()
        os.environ.update(state['environ'])
    sys.path[:] = state['path']
    sys.argv[:] = state['argv']
    warnings.filters[:] = state['warnings']
    warnings._filters_mutated()  # forget which warnings were already shown, as a new process would
    for name, (level, propagate, disabled, handlers) in state['loggers'].items():
        lg = logging.getLogger(name or None)
        lg.setLevel(level)
        lg.propagate, lg.disabled, lg.handlers[:] = propagate, disabled, handlers
    if 'rc' in state:
        mpl = sys.modules['matplotlib']
        if 'matplotlib.pyplot' in sys.modules:
            sys.modules['matplotlib.pyplot'].close('all')
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            mpl.rcParams.update(state['rc'])
    if 'np' in state:
        np = sys.modules['numpy']
        np.seterr(**state['np'][0])
        np.set_printoptions(**state['np'][1])
    if 'pd' in state:
        config = sys.modules['pandas']._config.config._global_config
        config.clear()
        config.update(copy.deepcopy(state['pd']))
    if 'torch' in state:
        torch, t = sys.modules['torch'], state['torch']
        torch.set_num_threads(t['threads'])
        torch.use_deterministic_algorithms(t['deterministic'][0], warn_only=t['deterministic'][1])
        torch.set_default_dtype(t['dtype'])
        torch.set_grad_enabled(t['grad'])
        torch.set_warn_always(t['warn_always'])
        torch.set_float32_matmul_precision(t['matmul'])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = t['cudnn']
