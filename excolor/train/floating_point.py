"""The pinned floating-point environment: the same seed gives the same bits on any Intel x86-64 CPU with AVX2.

torch chooses its kernels per CPU: ATen's vectorised kernels for the widest ISA it finds
(AVX-512 on a recent Xeon), MKL's GEMM and its vector maths (every `sqrt`, Adam's among them)
by its own dispatch, oneDNN by just-in-time code for the CPU in hand. Each choice rounds
differently, so one run parts from itself across machines from the first step. Pinned here:

- `ATEN_CPU_CAPABILITY=avx2`: ATen's AVX2 kernels (with SLEEF's own maths, not the system libm);
- `MKL_CBWR=AVX2,STRICT`: MKL's AVX2 code path, also for GEMM's blocking and reductions;
- oneDNN off (`torch.backends.mkldnn.enabled = False`): its kernels are generated per CPU;
- NumPy's AVX2 loops at most (`NPY_DISABLE_CPU_FEATURES`; its AVX-512 `power` is another
  algorithm) and OpenBLAS's Haswell kernels (`OPENBLAS_CORETYPE`; SciPy's correlations call
  its `dot`, whose summation order follows the kernel's vector width).

Why not MKL's `COMPATIBLE` mode: its vector `sqrt` (kernel `EX`, also chosen for `SSE2` and
`SSE4_2`) seeds Newton's method with the approximate `rsqrtps`, whose bits differ between CPU
implementations; measured, it gives other bits under emulation than on the AVX-512 Xeon, where
the AVX2 kernel gives the same. MKL honours an AVX2 request on Intel CPUs only: on an AMD model
it falls back to its automatic choice (mode 0x10002), so AMD is outside the pinned environment.

The two variables are read when torch (and MKL) first compute, so `import excolor` sets them
before anything imports torch, and every process started from one inherits them: the runner's
Dask workers, their papermill kernels, pytest, `make bench`. `require()` checks the process
that is about to train or evaluate; one whose torch came up in another environment is refused.

`EXCOLOR_FLOATING_POINT` names another environment (`ENVIRONMENTS`), used only to measure how
far floating point alone moves a result. Outside the covered CPUs (ARM, AMD, CPUs without
AVX2) or on a GPU nothing is pinned: runs go ahead and their provenance says so.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, MutableMapping

SWITCH = 'EXCOLOR_FLOATING_POINT'
VARIABLES = ('ATEN_CPU_CAPABILITY', 'MKL_CBWR', 'ONEDNN_MAX_CPU_ISA', 'NPY_DISABLE_CPU_FEATURES', 'OPENBLAS_CORETYPE')
PINNED = 'pinned'
# MKL's mode word (mkl_cbwr_get(MKL_CBWR_ALL)) for each MKL_CBWR value we set.
_MKL_MODES = {'COMPATIBLE,STRICT': 0x10003, 'AVX2,STRICT': 0x1000A}
_REQUIRED_FLAGS = ('avx2', 'fma')
_NUMPY_AVX2 = {'NPY_DISABLE_CPU_FEATURES': 'X86_V4 AVX512_ICL AVX512_SPR', 'OPENBLAS_CORETYPE': 'Haswell'}


@dataclass(frozen=True)
class Environment:
    """Variables torch must start with, and whether oneDNN computes."""

    name: str
    variables: Mapping[str, str]
    onednn: bool
    description: str


ENVIRONMENTS: dict[str, Environment] = {e.name: e for e in (
    Environment(PINNED, {'ATEN_CPU_CAPABILITY': 'avx2', 'MKL_CBWR': 'AVX2,STRICT', **_NUMPY_AVX2}, False,
                'ATen AVX2 kernels, MKL AVX2,STRICT, oneDNN off: the same bits on any Intel x86-64 CPU with AVX2'),
    Environment('native', {}, True, "torch's own choice for this CPU (widest ATen ISA, MKL's dispatch, oneDNN on): what the earlier code ran in"),
    Environment('baseline-isa', {'ATEN_CPU_CAPABILITY': 'default', 'MKL_CBWR': 'COMPATIBLE,STRICT', **_NUMPY_AVX2}, False,
                "ATen's baseline (SSE2) kernels, MKL COMPATIBLE, oneDNN off: the path of a CPU without AVX2"),
    Environment('mkl-compatible', {'ATEN_CPU_CAPABILITY': 'avx2', 'MKL_CBWR': 'COMPATIBLE,STRICT', **_NUMPY_AVX2}, False,
                "ATen AVX2, MKL's COMPATIBLE path (approximate rsqrt seeds), oneDNN off"),
)}


class FloatingPointEnvironmentError(RuntimeError):
    """This process's torch computes in another floating-point environment than the one asked for."""


def requested(environ: Mapping[str, str] = os.environ) -> Environment:
    name = environ.get(SWITCH) or PINNED
    if name not in ENVIRONMENTS:
        raise FloatingPointEnvironmentError(f'{SWITCH}={name!r} is not a floating-point environment; choose one of {", ".join(ENVIRONMENTS)}')
    return ENVIRONMENTS[name]


def pin(environ: MutableMapping[str, str] = os.environ) -> Environment:
    """Set the requested environment's variables in `environ` (and so in every process started from here)."""
    env = requested(environ)
    for var in VARIABLES:
        if var in env.variables:
            environ[var] = env.variables[var]
        else:
            environ.pop(var, None)
    return env


def process_environment(name: str = PINNED, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """A copy of `base` for a child process that should compute in environment `name`."""
    environ = dict(base)
    environ[SWITCH] = name
    pin(environ)
    return environ


def covered() -> str | None:
    """None where the pinned environment holds (Intel x86-64 with AVX2 and FMA); else why not, naming the platform."""
    machine = platform.machine().lower()
    if machine not in ('x86_64', 'amd64'):
        return f'{machine} ({platform.system()}): the pinned environment covers Intel x86-64 CPUs with AVX2 only'
    missing = [f for f in _REQUIRED_FLAGS if f not in cpu()['flags']]
    if missing:
        return f'{cpu()["model"] or "this x86-64 CPU"} lacks {", ".join(missing)}: the pinned environment needs AVX2 and FMA'
    if cpu()['vendor'] != 'GenuineIntel':
        return f'{cpu()["vendor"] or "this vendor"} ({cpu()["model"]}): MKL takes its AVX2 path on Intel CPUs only'
    return None


@lru_cache(maxsize=1)
def cpu() -> dict[str, Any]:
    """Vendor, model name and the SIMD flags that decide kernels, from /proc/cpuinfo (Linux) or platform."""
    info = {'vendor': '', 'model': platform.processor(), 'flags': []}
    path = Path('/proc/cpuinfo')
    if path.exists():
        fields: dict[str, str] = {}
        for line in path.read_text(errors='replace').splitlines():
            if not line.strip():
                break  # the first processor is enough
            key, _, value = line.partition(':')
            fields[key.strip()] = value.strip()
        simd = ('sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_bf16', 'avx512_fp16', 'amx_tile', 'asimd', 'sve')
        flags = set((fields.get('flags') or fields.get('Features') or '').split())
        info.update(vendor=fields.get('vendor_id', fields.get('CPU implementer', '')), model=fields.get('model name', info['model']),
                    family=fields.get('cpu family'), model_number=fields.get('model'), flags=[f for f in simd if f in flags])
    return info


@lru_cache(maxsize=1)
def _mkl_getter() -> Any:
    """torch's bundled `mkl_cbwr_get` (None: torch carries no MKL, or does not export it)."""
    import torch

    lib = Path(torch.__file__).parent / 'lib' / ('libtorch_cpu.so' if sys.platform.startswith('linux') else 'libtorch_cpu.dylib')
    try:
        get = ctypes.CDLL(str(lib)).mkl_serv_cbwr_get
    except (OSError, AttributeError):
        return None
    get.restype, get.argtypes = ctypes.c_int, [ctypes.c_int]
    return get


def _mkl_mode() -> int | None:
    """MKL's reproducibility mode word in this process (None: no MKL to ask)."""
    get = _mkl_getter()
    return None if get is None else get(-1)  # MKL_CBWR_ALL


def _numpy_features() -> dict[str, bool]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        return {}
    return dict(__cpu_features__)


@lru_cache(maxsize=1)
def _openblas_cores() -> tuple[str, ...]:
    """The kernel family each OpenBLAS that NumPy and SciPy bring chose at load time (fixed from then on)."""
    import numpy

    cores = []
    site = Path(numpy.__file__).parent.parent
    for lib in sorted([*site.glob('numpy.libs/*openblas*.so*'), *site.glob('scipy.libs/*openblas*.so*')]):
        try:
            handle = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for symbol in ('scipy_openblas_get_corename64_', 'scipy_openblas_get_corename', 'openblas_get_corename64_', 'openblas_get_corename'):
            get = getattr(handle, symbol, None)
            if get is not None:
                get.restype = ctypes.c_char_p
                cores.append(get().decode())
                break
    return tuple(cores)


@dataclass(frozen=True)
class State:
    """What a process computes in: recorded in every run's provenance."""

    environment: str
    pinned: bool  # the pinned environment holds: the run is the same on any covered machine
    outside: str | None  # why it is not pinned, when it is not
    cpu: dict[str, Any]
    torch_capability: str
    mkl_cbwr: str | None
    openblas: tuple[str, ...]
    onednn: bool
    variables: dict[str, str]
    torch: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mismatches(env: Environment | None = None) -> list[str]:
    """How this process's torch differs from `env` (default: the requested one); empty where it computes in it."""
    import torch

    env = env or requested()
    wrong = []
    want = env.variables.get('ATEN_CPU_CAPABILITY', '')
    have = torch.backends.cpu.get_cpu_capability()
    if want and have.lower() != want.lower():
        wrong.append(f'ATen uses {have} kernels, not {want.upper()}')
    want_mkl = env.variables.get('MKL_CBWR')
    mode = _mkl_mode()
    if want_mkl and mode is not None and mode != _MKL_MODES[want_mkl]:
        wrong.append(f'MKL runs in mode {hex(mode)}, not {want_mkl} ({hex(_MKL_MODES[want_mkl])})')
    disabled = env.variables.get('NPY_DISABLE_CPU_FEATURES', '').split()
    if on := [f for f in disabled if _numpy_features().get(f)]:
        wrong.append(f'NumPy dispatches to {", ".join(on)}')
    want_blas = env.variables.get('OPENBLAS_CORETYPE', '').lower()
    if want_blas and (cores := [c for c in _openblas_cores() if c.lower() != want_blas]):
        wrong.append(f'OpenBLAS uses {", ".join(cores)} kernels, not {env.variables["OPENBLAS_CORETYPE"]}')
    if bool(torch.backends.mkldnn.enabled) != env.onednn:
        wrong.append(f'oneDNN is {"on" if torch.backends.mkldnn.enabled else "off"}')
    return wrong


def state(device: str = 'cpu') -> State:
    """This process's floating-point environment as torch actually runs it."""
    env = requested()
    return _state(device, env, mismatches(env) if device == 'cpu' and covered() is None else [])


def _state(device: str, env: Environment, wrong: list[str]) -> State:
    """The state, given how this process differs from `env` (measured once by the caller)."""
    import torch

    mode = _mkl_mode()
    outside = f'{device}: the pinned environment covers CPU runs only' if device != 'cpu' else covered()
    if outside is None and env.name != PINNED:
        outside = f'{SWITCH}={env.name}: {env.description}'
    if outside is None and wrong:
        outside = '; '.join(wrong)
    return State(env.name, outside is None, outside, cpu(), torch.backends.cpu.get_cpu_capability(),
                 None if mode is None else hex(mode), _openblas_cores(), bool(torch.backends.mkldnn.enabled),
                 {v: os.environ[v] for v in VARIABLES if v in os.environ}, torch.__version__)


def require(device: str = 'cpu') -> State:
    """Put torch in the requested environment, or refuse: called before every exact training and evaluation.

    oneDNN is switched here (a runtime flag); ATen's ISA and MKL's mode were fixed when torch
    first used them and are checked. Off x86-64 with AVX2, or on a GPU, nothing can be pinned:
    the state says so and the run goes ahead.
    """
    import torch

    env = requested()
    if device == 'cpu':
        torch.backends.mkldnn.enabled = env.onednn
    wrong = mismatches(env) if device == 'cpu' and covered() is None else []
    if wrong:
        settings = ' '.join(f'{k}={v}' for k, v in env.variables.items())
        raise FloatingPointEnvironmentError(
            f'torch was loaded outside the {env.name} floating-point environment ({"; ".join(wrong)}), so this run would not be '
            f'the same on another machine. Import excolor before torch, or start Python with {settings}.')
    return _state(device, env, wrong)


def dask_setup(worker: Any = None) -> None:
    """`dask worker --preload excolor.train.floating_point`: the worker and the kernels it starts compute pinned."""
    pin()
