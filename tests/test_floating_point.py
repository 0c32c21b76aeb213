"""The pinned floating-point environment: set before torch loads, checked before a run, refused when torch came up otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from excolor.train import floating_point
from excolor.train.floating_point import ENVIRONMENTS, PINNED, SWITCH, FloatingPointEnvironmentError
from tests.conftest import ROOT

UNCOVERED = floating_point.covered()
needs_pinned = pytest.mark.skipif(UNCOVERED is not None, reason=f'outside the pinned environment: {UNCOVERED}')


def test_pin_sets_the_requested_variables_and_clears_the_others():
    environ = {'ATEN_CPU_CAPABILITY': 'avx512', 'ONEDNN_MAX_CPU_ISA': 'SSE41'}
    assert floating_point.pin(environ).name == PINNED
    assert environ == {'ATEN_CPU_CAPABILITY': 'avx2', 'MKL_CBWR': 'AVX2,STRICT', 'NPY_DISABLE_CPU_FEATURES': 'X86_V4 AVX512_ICL AVX512_SPR',
                       'OPENBLAS_CORETYPE': 'Haswell'}
    native = floating_point.process_environment('native', environ)
    assert native == {SWITCH: 'native'}


def test_an_unknown_environment_is_named_with_the_choices():
    with pytest.raises(FloatingPointEnvironmentError, match=f"{SWITCH}='avx9'.*pinned, native"):
        floating_point.pin({SWITCH: 'avx9'})


@needs_pinned
def test_this_test_process_computes_pinned():
    state = floating_point.require()
    assert state.pinned and state.outside is None
    assert (state.torch_capability, state.mkl_cbwr, state.onednn, set(state.openblas)) == ('AVX2', '0x1000a', False, {'Haswell'})
    assert not torch.backends.mkldnn.enabled


def _python(code: str, environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', code], env=environ, cwd=ROOT, capture_output=True, text=True, timeout=120)


def _bare_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in (SWITCH, *floating_point.VARIABLES)}


@needs_pinned
def test_a_process_whose_torch_computed_before_excolor_loaded_is_refused():
    code = ('import torch\n'
            '(torch.ones(64, 10) @ torch.ones(10, 5)).exp().sum()  # ATen and MKL choose their kernels here\n'
            'from excolor.train import floating_point\n'
            'floating_point.require()\n')
    done = _python(code, _bare_environment())
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert 'FloatingPointEnvironmentError: torch was loaded outside the pinned floating-point environment' in last
    assert 'Import excolor before torch, or start Python with ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2,STRICT' in last


@needs_pinned
def test_importing_excolor_first_pins_a_bare_process_and_its_children():
    code = ('import excolor, json, os, subprocess, sys\n'
            'from excolor.train import floating_point\n'
            "child = subprocess.run([sys.executable, '-c', 'import torch; print(torch.backends.cpu.get_cpu_capability())'], capture_output=True, text=True)\n"
            'print(json.dumps([floating_point.require().as_dict(), child.stdout.strip()]))\n')
    done = _python(code, _bare_environment())
    assert done.returncode == 0, done.stderr
    state, child = json.loads(done.stdout.strip().splitlines()[-1])
    assert state['pinned'] and state['torch_capability'] == 'AVX2' and child == 'AVX2'


@needs_pinned
def test_another_environment_is_allowed_and_recorded_as_not_pinned():
    code = 'from excolor.train import floating_point; import json; print(json.dumps(floating_point.require().as_dict()))'
    done = _python(code, {**_bare_environment(), SWITCH: 'native'})
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state['environment'] == 'native' and not state['pinned'] and state['onednn']
    assert state['outside'].startswith(f'{SWITCH}=native')


def test_the_state_names_the_cpu_and_what_torch_uses():
    state = floating_point.state()
    assert set(state.cpu) >= {'vendor', 'model', 'flags'}
    assert state.torch == torch.__version__ and state.environment in ENVIRONMENTS
    assert state.pinned == (state.outside is None)


def test_a_gpu_run_is_never_called_pinned():
    state = floating_point.state('cuda')
    assert not state.pinned and state.outside.startswith('cuda')
