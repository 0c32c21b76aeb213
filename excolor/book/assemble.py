"""Assemble `book/_runs/` from finished runs, in a temporary folder that is swapped in whole.

See the package docstring for the layout. Assembly only copies; it never runs anything, and it
fails before touching the book if a run folder is incomplete.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from excolor.book.notebooks import copy_notebook, title


class IncompleteRuns(RuntimeError):
    """A run folder the book needs is missing a file."""


def seed_folder(experiment_dir: Path, seed: int) -> Path:
    """The representative seed's run with figures (the sweep re-runs the shown seeds with figures)."""
    return experiment_dir / 'showcase' / f'seed-{seed:03d}'


def representative_seed(experiment_dir: Path) -> int:
    """The seed the sweep chose to show (`representative_seed` in sweep/summary.json)."""
    summary = json.loads((experiment_dir / 'sweep' / 'summary.json').read_text())
    return int(summary['representative_seed'])


def missing_files(profile_dir: Path, experiments: list[str]) -> list[str]:
    """Every file assembly needs but cannot find, as readable lines (empty when complete)."""
    problems = []
    for exp in experiments:
        exp_dir = profile_dir / exp
        summary = exp_dir / 'sweep' / 'summary.json'
        for need in (summary, exp_dir / 'sweep' / 'sweep.ipynb'):
            if not need.is_file():
                problems.append(f'{exp}: missing {need}')
        if summary.is_file():
            try:
                seed = representative_seed(exp_dir)
            except (KeyError, ValueError, TypeError) as e:
                problems.append(f'{exp}: {summary} has no usable representative_seed ({e!r})')
                continue
            nb = seed_folder(exp_dir, seed) / 'notebook.ipynb'
            if not nb.is_file():
                problems.append(f'{exp}: missing {nb} (the representative seed)')
    return problems


def merge_tree(src: Path, dst: Path) -> None:
    """Copy `src` into `dst`; a file already there must be identical (two sources, one folder)."""
    if not src.is_dir():
        return
    for path in sorted(src.rglob('*')):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif target.exists():
            if not filecmp.cmp(path, target, shallow=False):
                raise IncompleteRuns(f'{target.relative_to(dst.parent)}: {path} differs from a file of the same name already assembled; rename one of them')
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def assemble_experiment(exp_dir: Path, out: Path, new_title: str | None = None) -> None:
    """One experiment's pages and their figures and tables into `out` (see the package docstring); `new_title`: the
    representative page's title, when its notebook's own heading names another experiment (a variant shares its base's template)."""
    seed = representative_seed(exp_dir)
    seed_dir = seed_folder(exp_dir, seed)
    sweep_dir = exp_dir / 'sweep'
    out.mkdir(parents=True, exist_ok=True)
    rule = json.loads((sweep_dir / 'summary.json').read_text()).get('representative_rule')
    preface = (f'*The seed this page shows is seed {seed}: {rule}. Every seed is on the {{doc}}`summary page <sweep>`.*' if rule else None)
    representative = copy_notebook(seed_dir / 'notebook.ipynb', out / 'representative.ipynb', new_title, preface)
    # "Ex 2.9.1: Delete only red, over many seeds" → "Ex 2.9.1: summary over seeds"
    head = title(representative) or ''
    label = head.split(':')[0] if ':' in head else exp_dir.name
    copy_notebook(sweep_dir / 'sweep.ipynb', out / 'sweep.ipynb', f'{label}: summary over seeds')
    shutil.copy2(sweep_dir / 'summary.json', out / 'summary.json')  # the sweep page links it
    for sub in ('figures', 'tables'):
        (out / sub).mkdir(exist_ok=True)
        merge_tree(sweep_dir / sub, out / sub)
        merge_tree(seed_dir / sub, out / sub)


def assemble(profile_dir: Path, experiments: list[str], out: Path, titles: dict[str, str] | None = None) -> None:
    """Every listed experiment from `runs/<profile>/` into `out/<experiment>/`; `titles` retitles some representative pages."""
    problems = missing_files(profile_dir, experiments)
    if problems:
        raise IncompleteRuns('the book needs runs that are not there:\n  ' + '\n  '.join(problems))
    for exp in experiments:
        assemble_experiment(profile_dir / exp, out / exp, (titles or {}).get(exp))


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target`; on success it replaces `target` (two renames), on error it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (*target.parent.glob(f'.{target.name}.new-*'), *target.parent.glob(f'.{target.name}.old-*')):
        shutil.rmtree(leftover, ignore_errors=True)  # from a build that was killed (one build per checkout)
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f'.{target.name}.new-'))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    os.chmod(stage, 0o755)  # mkdtemp makes it private
    old = target.with_name(f'.{target.name}.old-{os.getpid()}')
    if target.exists():
        os.replace(target, old)
    os.replace(stage, target)
    shutil.rmtree(old, ignore_errors=True)
