"""`make bench` for the sweep runner: what papermill costs per run, cold and warm; optionally a whole sweep.

The per-run figure is measured on a notebook that only imports torch and lightning (what every
template does first), so it is pure overhead: kernel start, imports, papermill's bookkeeping.
`--sweep` (slow) also times the full profile in a scratch folder (wall time, runs per minute)
and the speed-up of 2 workers over 1 on a small sweep. Results are merged into
`_build/bench.json` under "runs" (other keys are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from excolor.files import atomic_write_json
from excolor.runs.layout import ROOT, Layout

TRIVIAL_SOURCE = 'import torch\nimport lightning\nx = torch.zeros(1) + seed'


def trivial_notebook(folder: Path) -> Path:
    """A parameterised notebook that imports torch and lightning and does nothing else."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(metadata={'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
                      cells=[new_code_cell('seed = 0', metadata={'tags': ['parameters']}), new_code_cell(TRIVIAL_SOURCE)])
    path = folder / 'trivial.ipynb'
    nbformat.write(nb, path)
    return path


def seconds_per_run(engine: str, repeats: int, folder: Path, **engine_kwargs: Any) -> list[float]:
    """Wall time of `repeats` papermill runs of the trivial notebook with `engine`."""
    import papermill as pm

    nb = trivial_notebook(folder)
    out = []
    for i in range(repeats):
        t0 = time.perf_counter()
        pm.execute_notebook(str(nb), str(folder / f'out-{engine}-{i}.ipynb'), parameters={'seed': i}, engine_name=engine,
                            progress_bar=False, **engine_kwargs)
        out.append(time.perf_counter() - t0)
    return out


def overhead(repeats: int = 3) -> dict[str, Any]:
    """Cold papermill (a new kernel per run) against the warm engine (kernel started once, reset per run)."""
    from excolor.runs.kernels import POOL, PRELOAD, WARM
    from excolor.runs.task import kernel_environment

    with kernel_environment(), tempfile.TemporaryDirectory() as tmp:  # single-threaded kernels, as in a sweep
        cold = seconds_per_run('nbclient', repeats, Path(tmp))
        t0 = time.perf_counter()
        POOL.release(POOL.acquire('python3', PRELOAD, WARM), healthy=True)
        start = time.perf_counter() - t0
        warm = seconds_per_run('excolor-warm', max(repeats, 5), Path(tmp))
        POOL.shutdown_all()
    return {
        'cold_seconds_per_run': statistics.median(cold),
        'warm_seconds_per_run': statistics.median(warm),
        'warm_kernel_start_seconds': start,
        'saved_seconds_per_run': statistics.median(cold) - statistics.median(warm),
        'cold_over_warm': statistics.median(cold) / statistics.median(warm),
        'cold_all': cold,
        'warm_all': warm,
        'preload': list(PRELOAD),
    }


def sweep_wall(profile: str, workers: int, runs_dir: Path, experiments: list[str] | None = None, limit: int | None = None) -> dict[str, Any]:
    """Time one forced sweep (no summaries) into `runs_dir`; `limit` keeps the first n seeds of each experiment."""
    from excolor.runs.plan import make_plan
    from excolor.runs.progress import Progress
    from excolor.runs.sweep import run_sweep

    plan = make_plan(profile, experiments, Layout.make(runs_dir))
    if limit:
        for ep in plan.experiments.values():
            ep.runs = ep.runs[:limit]
    result = run_sweep(plan, force=True, workers=workers, summaries=False, progress=Progress(len(plan.runs), tty=False))
    n = len(plan.runs)
    return {'profile': profile, 'workers': workers, 'runs': n, 'failed': len(result.failed), 'wall_seconds': result.seconds,
            'runs_per_minute': 60 * n / result.seconds if result.seconds else None}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=3, help='cold runs to time (warm: at least 5)')
    ap.add_argument('--sweep', action='store_true', help='slow: also time the full profile, and 1 vs 2 workers on a small sweep')
    ap.add_argument('--profile', default='full', help='the profile --sweep times (default full)')
    ap.add_argument('--small', type=int, default=6, help='seeds of ex-2.9.1 in the 1-vs-2-workers sweep')
    ap.add_argument('--wide', action='store_true', help='time the wide profile (1,000 ex-2.9.1 seeds trained together) from an empty cache')
    ap.add_argument('--out', type=Path, default=ROOT / '_build' / 'bench.json')
    args = ap.parse_args(argv)

    report: dict[str, Any] = {'overhead': overhead(args.repeats), 'cpu_count': os.cpu_count()}
    o = report['overhead']
    print(f'papermill per run: cold {o["cold_seconds_per_run"]:.2f} s, warm {o["warm_seconds_per_run"]:.2f} s '
          f'({o["cold_over_warm"]:.1f}x; a warm kernel starts once in {o["warm_kernel_start_seconds"]:.1f} s)')
    if args.sweep:
        with tempfile.TemporaryDirectory() as tmp:
            full = sweep_wall(args.profile, os.cpu_count() or 1, Path(tmp) / 'full')
            one = sweep_wall('full', 1, Path(tmp) / 'one', ['ex-2.9.1'], args.small)
            two = sweep_wall('full', 2, Path(tmp) / 'two', ['ex-2.9.1'], args.small)
        report['sweep'] = {'full': full, 'one_worker': one, 'two_workers': two,
                           'speedup_2_over_1': one['wall_seconds'] / two['wall_seconds'] if two['wall_seconds'] else None}
        print(f'{args.profile} profile: {full["runs"]} runs in {full["wall_seconds"]:.0f} s ({full["runs_per_minute"]:.1f} runs/min); '
              f'2 workers over 1: {report["sweep"]["speedup_2_over_1"]:.2f}x')
    if args.wide:
        with tempfile.TemporaryDirectory() as tmp:
            wide = sweep_wall('wide', os.cpu_count() or 1, Path(tmp) / 'wide')
        report['wide'] = wide
        print(f'wide profile: {wide["runs"]} runs (chunks of seeds) in {wide["wall_seconds"]:.0f} s')
    prev = json.loads(args.out.read_text()) if args.out.exists() else {}
    atomic_write_json(args.out, {**prev, 'runs': report})
    print(f'wrote {args.out} (key "runs")')


if __name__ == '__main__':
    main()
