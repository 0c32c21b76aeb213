"""The warm engine: same notebook, same numbers and same output notebook as a cold papermill run, at a fraction of the cost."""

import json
import re
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from excolor.runs import task
from excolor.runs.engine import ENGINE, WarmEngine
from excolor.runs.kernels import POOL, PRELOAD, WARM
from excolor.runs.plan import make_plan
from tests.fixtures.sweeps import PRELOAD as LIGHT_PRELOAD
from tests.fixtures.sweeps import TEMPLATES
from tests.fixtures.sweeps import WARM as LIGHT_WARM
from tests.fixtures.sweeps import fixture_layout, science

LIGHT = {'preload': LIGHT_PRELOAD, 'warm': LIGHT_WARM}


@pytest.fixture(scope='module', autouse=True)
def kernels():
    yield POOL
    POOL.shutdown_all()


def execute(template: Path, out: Path, engine: str, parameters: dict, **kwargs) -> nbformat.NotebookNode:
    out.mkdir(parents=True, exist_ok=True)
    extra = kwargs if engine == ENGINE else {}
    return pm.execute_notebook(str(template), str(out / 'notebook.ipynb'), parameters={**parameters, 'out_dir': str(out)},
                               engine_name=engine, progress_bar=False, resources={'metadata': {'path': str(template.parent)}}, **extra)


def comparable(nb: nbformat.NotebookNode, warnings_as_set: bool = False) -> dict:
    """A notebook without what differs between any two executions: timestamps, durations, its out_dir, the kernel's pid.

    `warnings_as_set`: compare stderr by which warnings it shows, not how often (torch's C++ warn-once warnings show once per
    process in a cold kernel, once per line of code in a warm one; see `kernelside.start`).
    """
    out_dir = nb.metadata.papermill.parameters['out_dir']
    nb = nbformat.reads(re.sub(r'ipykernel_\d+', 'ipykernel_PID', nbformat.writes(nb).replace(out_dir, '<out_dir>')), as_version=4)
    if warnings_as_set:
        for c in nb.cells:
            for o in c.get('outputs', []):
                if o.get('name') == 'stderr':
                    o['text'] = sorted({re.sub(r'^\S+:\d+: ', '', ln) for ln in o['text'].splitlines() if 'Warning:' in ln})
    cells = []
    for c in nb.cells:
        meta = {k: v for k, v in c.metadata.items() if k not in ('execution', 'papermill')}
        cells.append({'type': c.cell_type, 'source': c.source, 'meta': meta, 'count': c.get('execution_count'),
                      'outputs': c.get('outputs'), 'papermill': {k: v for k, v in c.metadata.get('papermill', {}).items()
                                                                  if k not in ('start_time', 'end_time', 'duration')}})
    pmeta = {k: v for k, v in nb.metadata.papermill.items() if k not in ('start_time', 'end_time', 'duration', 'output_path', 'parameters')}
    return {'cells': cells, 'papermill': pmeta, 'language_info': nb.metadata.get('language_info'), 'kernelspec': nb.metadata.get('kernelspec')}


def light_kernels() -> set[int]:
    """The idle kernels `task.execute` would use: light preload, single-threaded."""
    return {k.pid for k in POOL._idle if k.key[1] == LIGHT_PRELOAD and k.key[3][:3] == ('1', '1', '1')}


def test_papermill_knows_the_engine():
    from papermill.engines import papermill_engines

    assert papermill_engines.get_engine(ENGINE) is WarmEngine


def test_warm_runs_equal_a_cold_run(tmp_path):
    tpl = TEMPLATES / 'tiny.ipynb'
    params = {'experiment': 'fx', 'seed': 3}
    cold = execute(tpl, tmp_path / 'cold', 'nbclient', params)
    warm = [execute(tpl, tmp_path / f'warm{i}', ENGINE, params, **LIGHT) for i in range(3)]
    metrics = [json.loads((tmp_path / d / 'metrics.json').read_text()) for d in ('cold', 'warm0', 'warm1', 'warm2')]
    assert metrics[0]['fresh'] == 1.0
    assert metrics[1] == metrics[0] and metrics[2] == metrics[0] and metrics[3] == metrics[0]  # exactly, every key
    # the same notebook papermill writes: injected parameters, outputs, execution counts from 1, metadata
    assert comparable(warm[0]) == comparable(warm[1]) == comparable(warm[2])  # whatever the kernel ran before
    for nb in warm:
        assert comparable(nb, warnings_as_set=True) == comparable(cold, warnings_as_set=True)
    assert [c.execution_count for c in warm[2].cells if c.cell_type == 'code'] == list(range(1, 7))
    assert warm[2].cells[2].metadata.tags == ['injected-parameters']
    assert len(POOL) == 1  # one kernel, reused


def test_each_notebook_gets_a_fresh_kernel_state(tmp_path):
    probe = new_notebook(metadata={'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}, cells=[
        new_code_cell('mutate = False\nout_dir = ""', metadata={'tags': ['parameters']}),
        new_code_cell(
            'import json, os, sys, warnings, logging\n'
            'import matplotlib, numpy, torch\n'
            'import excolor.files\n'
            'state = {"cwd": os.getcwd(), "env": os.environ.get("EXCOLOR_PROBE"), "path": sys.path[-1], "threads": torch.get_num_threads(),\n'
            '         "deterministic": torch.are_deterministic_algorithms_enabled(), "linewidth": matplotlib.rcParams["lines.linewidth"],\n'
            '         "filters": len(warnings.filters), "numpy_err": numpy.geterr()["divide"], "grad": torch.is_grad_enabled(),\n'
            '         "dtype": str(torch.get_default_dtype()), "marker": hasattr(excolor.files, "MARKER"), "user": "leftover" in dir(),\n'
            '         "log": logging.getLogger().level}\n'
            'json.dump(state, open(os.path.join(out_dir, "state.json"), "w"))'),
        new_code_cell(
            'if mutate:\n'
            '    os.chdir("/"); os.environ["EXCOLOR_PROBE"] = "1"; sys.path.append("/nowhere"); torch.set_num_threads(1)\n'
            '    torch.use_deterministic_algorithms(True); matplotlib.rcParams["lines.linewidth"] = 9; warnings.simplefilter("error")\n'
            '    numpy.seterr(divide="raise"); torch.set_grad_enabled(False); torch.set_default_dtype(torch.float64)\n'
            '    excolor.files.MARKER = 1; leftover = 1; logging.getLogger().setLevel(logging.DEBUG)'),
    ])
    tpl = tmp_path / 'probe.ipynb'
    nbformat.write(probe, tpl)
    execute(tpl, tmp_path / 'cold', 'nbclient', {'mutate': False})
    stateful = {'preload': (*LIGHT_PRELOAD, 'matplotlib'), 'warm': LIGHT_WARM}  # only preloaded libraries' state is restored
    execute(tpl, tmp_path / 'w1', ENGINE, {'mutate': True}, **stateful)
    execute(tpl, tmp_path / 'w2', ENGINE, {'mutate': False}, **stateful)
    cold, after = (json.loads((tmp_path / d / 'state.json').read_text()) for d in ('cold', 'w2'))
    assert after == cold
    assert cold['cwd'] == str(tmp_path) and not cold['marker'] and not cold['user']


def test_a_dead_kernel_is_replaced_and_the_run_retried_once(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-a': [0], 'fx-die': [0]})
    plan = make_plan('quick', None, layout)
    assert task.execute(plan.experiments['fx-a'].runs[0], **LIGHT)['status'] == 'done'
    job = plan.experiments['fx-die'].runs[0]
    pids = light_kernels()
    out = task.execute(job, **LIGHT)
    assert out['status'] == 'done', out
    assert out['attempts'] == 2  # the first attempt's kernel killed itself
    assert (Path(job.folder) / 'metrics.json').exists()
    assert pids and light_kernels() and not pids & light_kernels()  # the dead kernel left the pool
    assert json.loads((Path(job.folder) / 'provenance.json').read_text())['attempts'] == 2


def test_an_error_in_a_cell_keeps_the_kernel(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-fail': [1, 2]})
    plan = make_plan('quick', None, layout)
    failed = task.execute(plan.runs[0], **LIGHT)
    assert failed['status'] == 'failed' and 'fails on purpose' in failed['error']
    pid = light_kernels()
    ok = task.execute(plan.runs[1], **LIGHT)
    assert ok['status'] == 'done' and light_kernels() == pid


def test_a_cell_that_times_out_fails_the_run_and_retires_the_kernel(tmp_path):
    layout = fixture_layout(tmp_path, {'fx-hang': [0, 1]})
    plan = make_plan('quick', None, layout)
    pids = light_kernels()
    out = task.execute(plan.runs[0], timeout=2, **LIGHT)
    assert out['status'] == 'failed' and 'CellTimeoutError' in out['error'], out
    assert not pids & light_kernels()  # a kernel stuck in a cell is not reused
    assert task.execute(plan.runs[1], **LIGHT)['status'] == 'done'


@pytest.mark.slow
def test_real_training_warm_equals_cold(tmp_path):
    """One real ex-2.9.1 seed (train + every evaluation) through a cold kernel and a fully preloaded warm one."""
    layout = fixture_layout(tmp_path, {'fx-train': [0]}, template='train')
    tpl = TEMPLATES / 'train.ipynb'
    params = {'experiment': 'fx-train', 'seed': 0, 'params_dir': str(layout.params_dir)}
    with task.kernel_environment():  # as in a sweep, for both kernels
        execute(tpl, tmp_path / 'cold', 'nbclient', params)
        execute(tpl, tmp_path / 'warm0', ENGINE, params, preload=PRELOAD, warm=WARM)
        execute(tpl, tmp_path / 'warm1', ENGINE, params, preload=PRELOAD, warm=WARM)
    cold, *warm = (json.loads((tmp_path / d / 'metrics.json').read_text()) for d in ('cold', 'warm0', 'warm1'))
    assert 'score' in cold and 'ablated_r' in cold
    assert science(warm[0]) == science(cold) and science(warm[1]) == science(cold)
