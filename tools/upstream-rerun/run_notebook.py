"""Run an upstream ex-preppy notebook's code cells, in order, in an IPython shell (top-level await
works as in Jupyter), with upstream's own src/ at the given commit on sys.path.

Only display/cloud pieces are replaced (see make_overlay.sh): modal, wandb, the Modal app wrapper,
the progress bar, the figure displayer and the plotting functions; WandbLogger -> logger=False.
Nothing in training or evaluation arithmetic is touched.

Recording (read-only; does not change any computation): for every Trainer.fit, the model's
initial and final state dict, every training batch (x and labels) and the loss returned by every
training step. After each cell, any new `max_loss` / `median_loss` is printed at full precision.

Floating point: the process computes in `excolor.train.floating_point`'s environment named by
EXCOLOR_FLOATING_POINT (unset: `pinned`, i.e. ATEN_CPU_CAPABILITY=avx2, MKL_CBWR=COMPATIBLE,STRICT
set before torch loads, oneDNN off; `native`: no variables, oneDNN on, as upstream ran). The
resulting state is printed first.

usage: run_notebook.py EXP_DIR NOTEBOOK.ipynb OUT_PREFIX
"""

import json
import os
import sys
import typing

import typing_extensions

typing.override = typing_extensions.override  # Python 3.11 has no typing.override (no-op decorator)

EXP_DIR, NB, OUT = (os.path.abspath(a) for a in sys.argv[1:4])
HERE = os.path.dirname(os.path.abspath(__file__))

# ---- floating-point environment: its variables must be set before torch (and MKL) load ----
sys.path.append(os.path.dirname(os.path.dirname(HERE)))  # the repo root, last: it must not shadow upstream's packages
import excolor.train.floating_point as fp  # noqa: E402  (imports no torch)

FP_ENV = fp.pin()  # EXCOLOR_FLOATING_POINT, default `pinned`; sets/clears the variables in os.environ (workers inherit them)
sys.path[:0] = [p for p in os.environ.get("EXTRA_PATH", "").split(":") if p] + [os.path.join(EXP_DIR, "pkg"), os.path.join(HERE, "stubs")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.backends.mkldnn.enabled = FP_ENV.onednn
fp.require()  # refuses a torch that came up in another environment
print('floating point:', json.dumps(fp.state().as_dict()), flush=True)
torch.set_num_threads(int(os.environ.get('NTHREADS', '1')))
import lightning  # noqa: E402

print('versions: numpy', np.__version__, 'torch', torch.__version__, 'lightning', lightning.__version__, flush=True)

import lightning as L  # noqa: E402
import lightning.pytorch.loggers  # noqa: E402

lightning.pytorch.loggers.WandbLogger = lambda *a, **k: False  # logging only

# ---- recording hooks (observe only) ----
from ex_color.training import TrainingModule  # noqa: E402

RUNS = []
_orig_fit = L.Trainer.fit
_orig_step = TrainingModule.training_step


def fit(self, module, *a, **k):
    rec = {'init': {kk: v.detach().clone() for kk, v in module.model.state_dict().items()}, 'x': [], 'labels': [], 'loss': []}
    RUNS.append(rec)
    module._rec = rec
    try:
        return _orig_fit(self, module, *a, **k)
    finally:
        rec['final'] = {kk: v.detach().clone() for kk, v in module.model.state_dict().items()}


def training_step(self, batch, batch_idx):
    out = _orig_step(self, batch, batch_idx)
    rec = getattr(self, '_rec', None)
    if rec is not None:
        x, labels = batch
        rec['x'].append(x.detach().clone())
        rec['labels'].append({k: v.detach().clone() for k, v in labels.items()})
        rec['loss'].append(out['loss'].detach().clone())
    return out


L.Trainer.fit = fit
TrainingModule.training_step = training_step

# ---- run the notebook ----
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

nb = json.load(open(NB))
os.chdir(os.path.join(EXP_DIR, 'pkg_docs'))
shell = InteractiveShell.instance()
results = []
last = (None, None)
for i, cell in enumerate(nb['cells']):
    if cell['cell_type'] != 'code':
        continue
    src = ''.join(cell['source'])
    if not src.strip():
        continue
    print(f'--- cell {i}', flush=True)
    r = shell.run_cell(src, store_history=False)
    if not r.success:
        print(f'CELL {i} FAILED', r.error_before_exec or r.error_in_exec, flush=True)
        sys.exit(1)
    ns = shell.user_ns
    cur = (ns.get('max_loss'), ns.get('median_loss'))
    if cur != last and cur[0] is not None:
        title = ''
        for line in src.splitlines():
            if 'title=' in line and 'Reconstruction error' in line:
                title = line.strip()
        med = cur[1] if cur[1] != last[1] else None  # the repulsion cell of ex-2.3 prints a stale median
        print(f'RESULT cell {i} {title} max_loss={cur[0]!r} median_loss={cur[1]!r}' + ('' if med is not None else ' (median not recomputed)'), flush=True)
        results.append({'cell': i, 'title': title, 'max_loss': cur[0], 'median_loss': cur[1], 'median_recomputed': med is not None})
        last = cur

json.dump(results, open(OUT + '-results.json', 'w'), indent=1)
arrs = {}
for j, rec in enumerate(RUNS):
    for k, v in rec['init'].items():
        arrs[f'run{j}.init.{k}'] = v.numpy()
    for k, v in rec['final'].items():
        arrs[f'run{j}.final.{k}'] = v.numpy()
    arrs[f'run{j}.x'] = torch.cat(rec['x']).numpy()  # all batches, concatenated
    arrs[f'run{j}.batch_sizes'] = np.array([len(t) for t in rec['x']])
    for name in rec['labels'][0]:
        arrs[f'run{j}.label.{name}'] = torch.cat([t[name] for t in rec['labels']]).numpy()
    arrs[f'run{j}.loss'] = torch.stack(rec['loss']).numpy()
np.savez(OUT + '-record.npz', **arrs)
print('saved', OUT, flush=True)
