"""Run upstream's Ex 2.9.1 seed sweep (z0u/ex-preppy `docs/m2-control/ex-2.9.1-redux.ipynb` at
`ebbddd5`) for chosen seeds, with its own code: DataLoader workers, Lightning, loss, model and
evaluation.

The notebook's code cells up to its 100-seed sweep (the cell that awaits
`run_multi_seed_training`) are executed in an IPython shell, as in Jupyter; then, for each seed,
what that sweep does per seed: `await evaluate_seed(seed, plans_by_name, CORRELATION_SPECS)`, which
trains (`train(...)`, `set_deterministic_mode(seed)` first) and measures ablation r (power 3) and
suppression r (power 2). Only display/cloud pieces are replaced, as for run_notebook.py
(make_overlay.sh; plus `ex_color.vis.plot_latent_slices`, a plotting module imported for a type).

Floating point: the environment named by EXCOLOR_FLOATING_POINT (unset: `pinned`, see
`excolor.train.floating_point`), set before torch loads; 1 torch thread.

Output: two `experiment,seed,metric,value,commit` rows per seed (ablated_r, suppression_r) appended to CSV (full precision; a `#`
header on creation). Seeds already in the CSV are skipped, so a run can be resumed, and two
processes may append to one CSV with disjoint seed lists (appends are locked). For the
`--record-seeds`, `<record-dir>/upstream-ex-2.9.1-seed<N>.npz` holds (recorded by observing only):
train_x [steps, 64, 3], train_red [steps, 64], val_step, val_x, val_red, loader_base_seed,
loader_n, loader_step, loss [steps] float32, init.<name>, final.<name> (upstream's layer names).

usage: run_ex291.py EXP_DIR NOTEBOOK.ipynb CSV SEEDS [--record-dir DIR] [--record-seeds 0,47] [--commit ebbddd5]
SEEDS: comma-separated items, each N or A-B (inclusive) or A-B:STEP, e.g. 0-99, 0-98:2, 3,5,47
"""

import argparse
import datetime
import fcntl
import json
import os
import platform
import shlex
import sys
import time
import types
import typing

import typing_extensions

typing.override = typing_extensions.override  # Python 3.11 has no typing.override (no-op decorator)


def parse_seeds(spec: str) -> list[int]:
    seeds: list[int] = []
    for item in spec.split(','):
        item = item.strip()
        if not item:
            continue
        rng, _, step = item.partition(':')
        a, sep, b = rng.partition('-')
        seeds += list(range(int(a), int(b) + 1, int(step or 1))) if sep else [int(a)]
    return seeds


ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
ap.add_argument('exp_dir')
ap.add_argument('notebook')
ap.add_argument('csv')
ap.add_argument('seeds', type=parse_seeds)
ap.add_argument('--record-dir', default=None)
ap.add_argument('--record-seeds', type=parse_seeds, default=[0, 47])
ap.add_argument('--commit', default='ebbddd5', help='upstream commit of EXP_DIR (for the CSV header)')
ARGS = ap.parse_args()
EXP_DIR, NB, CSV = (os.path.abspath(p) for p in (ARGS.exp_dir, ARGS.notebook, ARGS.csv))
RECORD_DIR = ARGS.record_dir and os.path.abspath(ARGS.record_dir)  # before the notebook's chdir
HERE = os.path.dirname(os.path.abspath(__file__))

# ---- floating-point environment: its variables must be set before torch (and MKL) load ----
sys.path.append(os.path.dirname(os.path.dirname(HERE)))  # the repo root, last: it must not shadow upstream's packages
import excolor.train.floating_point as fp  # noqa: E402  (imports no torch)

FP_ENV = fp.pin()
sys.path[:0] = [p for p in os.environ.get('EXTRA_PATH', '').split(':') if p] + [os.path.join(EXP_DIR, 'pkg'), os.path.join(HERE, 'stubs')]

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.backends.mkldnn.enabled = FP_ENV.onednn
fp.require()  # refuses a torch that came up in another environment
FP_STATE = fp.state().as_dict()
print('floating point:', json.dumps(FP_STATE), flush=True)
torch.set_num_threads(1)

import lightning  # noqa: E402
import lightning as L  # noqa: E402
import lightning.pytorch.loggers  # noqa: E402
from torch.utils.data import dataloader as _dl  # noqa: E402

print('versions: python', platform.python_version(), 'numpy', np.__version__, 'torch', torch.__version__, 'lightning', lightning.__version__, flush=True)


class _NoLogger:
    """WandbLogger -> no logger (logging only, as run_notebook.py's `False`): Lightning takes a falsy
    logger as `logger=False`; the notebook's `logger.log_hyperparams(...)` does nothing."""

    def __bool__(self):
        return False

    def __getattr__(self, name):
        return lambda *a, **k: None


lightning.pytorch.loggers.WandbLogger = lambda *a, **k: _NoLogger()

# Plotting only: the notebook imports a type alias from this module (the overlay stubs ex_color.vis).
_latent_slices = types.ModuleType('ex_color.vis.plot_latent_slices')
_latent_slices.LatentD = typing.Any
sys.modules['ex_color.vis.plot_latent_slices'] = _latent_slices

# ---- recording hooks (observe only; nothing they do feeds back into the computation) ----
from ex_color.training import TrainingModule  # noqa: E402

REC: dict | None = None
_orig_fit = L.Trainer.fit
_orig_train_step = TrainingModule.training_step
_orig_val_step = TrainingModule.validation_step
_orig_iter_init = _dl._BaseDataLoaderIter.__init__


def fit(self, module, *a, **k):
    global REC
    REC = {'init': {n: v.detach().clone() for n, v in module.model.state_dict().items()},
           'x': [], 'red': [], 'loss': [], 'val_step': [], 'val_x': [], 'val_red': [], 'loaders': []}
    try:
        return _orig_fit(self, module, *a, **k)
    finally:
        REC['final'] = {n: v.detach().clone() for n, v in module.model.state_dict().items()}
        REC['fitting'] = False


def training_step(self, batch, batch_idx):
    out = _orig_train_step(self, batch, batch_idx)
    x, labels = batch
    REC['x'].append(x.detach().clone())
    REC['red'].append(labels['red'].detach().clone())
    REC['loss'].append(out['loss'].detach().clone())
    return out


def validation_step(self, batch, batch_idx, dataloader_idx=0):
    x, labels = batch
    REC['val_step'].append(len(REC['loss']))  # training steps done before this validation
    REC['val_x'].append(x.detach().clone())
    REC['val_red'].append(labels['red'].detach().clone())
    return _orig_val_step(self, batch, batch_idx, dataloader_idx)


def iter_init(self, loader):
    _orig_iter_init(self, loader)
    if REC is not None and REC.get('fitting', True):  # during a fit only (not the evaluation's predict loaders)
        # the base seed this iterator drew, the dataset size (351 validation, 512 train) and the last training step done
        REC['loaders'].append((self._base_seed, len(loader.dataset), len(REC['loss']) - 1))


L.Trainer.fit = fit
TrainingModule.training_step = training_step
TrainingModule.validation_step = validation_step
_dl._BaseDataLoaderIter.__init__ = iter_init


def save_recording(path: str) -> None:
    arrs = {
        'train_x': torch.stack(REC['x']).numpy(),
        'train_red': torch.stack(REC['red']).numpy(),
        'val_step': np.array(REC['val_step'], dtype=np.int64),
        'val_x': torch.stack(REC['val_x']).numpy(),
        'val_red': torch.stack(REC['val_red']).numpy(),
        'loader_base_seed': np.array([s for s, _, _ in REC['loaders']], dtype=np.int64),
        'loader_n': np.array([n for _, n, _ in REC['loaders']], dtype=np.int64),
        'loader_step': np.array([t for _, _, t in REC['loaders']], dtype=np.int64),
        'loss': torch.stack(REC['loss']).numpy(),
    }
    arrs.update({f'init.{n}': v.numpy() for n, v in REC['init'].items()})
    arrs.update({f'final.{n}': v.numpy() for n, v in REC['final'].items()})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez_compressed(path + '.tmp.npz', **arrs)
    os.replace(path + '.tmp.npz', path)


# ---- the CSV: locked appends, resumable ----
def done_seeds() -> set[int]:
    if not os.path.exists(CSV):
        return set()
    with open(CSV) as f:
        return {int(line.split(',')[0]) for line in f if line.strip() and not line.startswith('#') and not line.startswith('seed')}


def cpu_model() -> str:
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.partition(':')[2].strip()
    return platform.processor()


def header() -> str:
    s = FP_STATE
    settings = ' '.join(f'{k}={shlex.quote(v)}' for k, v in s['variables'].items()) or 'no variables'
    cpu = s['cpu']
    return (
        f"# The earlier codebase (z0u/ex-preppy @ {ARGS.commit}, docs/m2-control/ex-2.9.1-redux.ipynb) re-run seed by seed with\n"
        f"# tools/upstream-rerun/run_ex291.py: its own DataLoader workers, Lightning, loss, model and evaluation; only display and\n"
        f"# cloud calls stubbed. ablated_r: Pearson r of MSE vs sim^3 after ablating latent dim 0; suppression_r: vs sim^2 under suppression.\n"
        f"# Floating-point environment: {s['environment']} ({settings}; oneDNN {'on' if s['onednn'] else 'off'}; torch capability {s['torch_capability']}, "
        f"MKL mode {s['mkl_cbwr']}; pinned={s['pinned']}), 1 torch thread.\n"
        f"# Python {platform.python_version()}, torch {torch.__version__}, Lightning {lightning.__version__}, numpy {np.__version__}; "
        f"CPU: {cpu_model()} ({cpu.get('vendor')} family {cpu.get('family')} model {cpu.get('model_number')}); "
        f"{datetime.date.today().isoformat()}.\n"
        'experiment,seed,metric,value,commit\n'
    )


def append_row(seed: int, ablated_r: float, suppression_r: float) -> None:
    os.makedirs(os.path.dirname(CSV), exist_ok=True)
    with open(CSV, 'a+') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                f.write(header())
            f.write(f'ex-2.9.1,{seed},ablated_r,{ablated_r!r},{ARGS.commit}\nex-2.9.1,{seed},suppression_r,{suppression_r!r},{ARGS.commit}\n')
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ---- run the notebook up to its sweep, then the sweep's per-seed step for each seed ----
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

todo = [s for s in ARGS.seeds if s not in done_seeds()]
print(f'seeds to run: {todo} ({len(ARGS.seeds) - len(todo)} already in {CSV})', flush=True)
if not todo:
    sys.exit(0)

nb = json.load(open(NB))
os.chdir(os.path.join(EXP_DIR, 'pkg_docs'))
shell = InteractiveShell.instance()


def run(src: str, label: str) -> None:
    r = shell.run_cell(src, store_history=False)
    if not r.success:
        print(f'{label} FAILED', r.error_before_exec or r.error_in_exec, flush=True)
        sys.exit(1)


for i, cell in enumerate(nb['cells']):
    if cell['cell_type'] != 'code':
        continue
    src = ''.join(cell['source'])
    if 'await run_multi_seed_training(' in src:
        break  # the sweep itself: run per seed below
    if src.strip():
        print(f'--- cell {i}', flush=True)
        run(src, f'cell {i}')
else:
    sys.exit('the notebook has no `await run_multi_seed_training(` cell')

# The sweep reloads the dopesheet before it starts (first line of its cell); do the same.
run("dopesheet = Dopesheet.from_csv(f'./ex-{nbid}-dopesheet.csv')\n_plans_by_name = {plan.name: plan for plan in EVALUATION_PLANS}", 'setup')

for seed in todo:
    if seed in done_seeds():
        continue
    t0 = time.perf_counter()
    REC = None
    run(f'_metrics, _model, _contexts = await evaluate_seed({seed}, _plans_by_name, CORRELATION_SPECS)', f'seed {seed}')
    m = shell.user_ns['_metrics']
    ablated_r, suppression_r = m.correlations['ablated'].correlation, m.correlations['suppression'].correlation
    seconds = time.perf_counter() - t0
    if RECORD_DIR and seed in ARGS.record_seeds:
        save_recording(os.path.join(RECORD_DIR, f'upstream-ex-2.9.1-seed{seed}.npz'))
    append_row(seed, ablated_r, suppression_r)
    print(f'RESULT seed={seed} ablated_r={ablated_r!r} suppression_r={suppression_r!r} seconds={seconds:.1f}', flush=True)
    shell.user_ns.pop('_model', None), shell.user_ns.pop('_contexts', None)
