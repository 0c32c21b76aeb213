"""Cache keys: a run is up to date when the hash of everything that can change its numbers is unchanged.

A run's key covers its experiment's science (the parameters as resolved, after `base:` and
`--set`, minus the names and seed lists, plus the schedule CSV it names), its notebook template (cells only, not outputs),
the library source (`excolor/**` but the code that only schedules or publishes, `NOT_RESULTS`),
and the versions of the packages that compute. A summary's key adds its seed runs' keys and its
own code under `runs/` (`SUMMARY_CODE`). Editing one experiment's params therefore re-runs only
that experiment; adding seeds to a profile re-runs nothing that already exists; any library edit
re-runs everything.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from excolor.runs.layout import LIBRARY, PROVENANCE, ROOT

if TYPE_CHECKING:
    from excolor.params.schema import Experiment

PACKAGES = ('torch', 'lightning', 'numpy', 'scipy', 'pandas', 'matplotlib', 'pydantic', 'PyYAML', 'papermill', 'nbclient', 'nbformat',
            'ipykernel', 'ipython', 'myst-nb', 'jinja2')
LIBRARY_SUFFIXES = ('.py', '.mplstyle', '.tex', '.css', '.json', '.yaml', '.html')


def digest(obj: Any) -> str:
    """sha256 of a JSON-able object, stable across runs (sorted keys)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def params_hash(exp: Experiment) -> str:
    """The resolved parameters' science (after `base:` and `--set`; not the id, title or seeds), plus the schedule CSV's bytes.

    Two params files, or a file and a `--set`, that ask for the same science have the same hash.
    """
    schedule = (Path(exp.source).parent / exp.training.schedule).read_bytes()
    return digest({'params': exp.science(), 'schedule': hashlib.sha256(schedule).hexdigest()})


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes; 'missing' when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else 'missing'


def template_hash(path: Path) -> str:
    """What a notebook computes: cell types, sources and tags, and the kernel; not outputs or other metadata."""
    nb = nbformat.read(path, as_version=4)
    cells = [(c.cell_type, c.source, sorted(c.get('metadata', {}).get('tags', []))) for c in nb.cells]
    return digest({'cells': cells, 'kernel': nb.metadata.get('kernelspec', {}).get('name')})


# Code that schedules, publishes or benchmarks results but cannot change them (the runner's own
# warm-equals-cold test guards its part): editing it keeps runs fresh.
# Paths under excolor/, a folder (ending in /) or a file: present/latex/ is the PDF's preamble.
NOT_RESULTS = ('book/', 'runs/', 'bench/', 'present/latex/', 'measure/reproduction.py')


# The summary notebook's own library code: it sits under `runs/` but computes the summary's
# statistics (best and representative seed, means, CIs) and what its page shows.
SUMMARY_CODE = ('runs/aggregate.py', 'runs/sweep_page.py')


def summary_code_hash(root: Path = LIBRARY) -> str:
    """The summary's code under `runs/` (the library hash leaves `runs/` out), by path and content."""
    return digest({name: file_hash(root / name) for name in SUMMARY_CODE})


def code_parts(kind: str) -> dict[str, Any]:
    """The key parts that come from this process's code and packages, for a job of `kind`
    (`seed` or `summary`): the planner computes them, and the runner again to see if they moved."""
    parts: dict[str, Any] = {'library': library_hash(), 'packages': package_versions()}
    if kind == 'summary':
        parts['code'] = summary_code_hash()
    return parts


def is_not_results(path: str) -> bool:
    """Is `path` (relative to excolor/, with /) code that cannot change a result (`NOT_RESULTS`)?"""
    return any(path.startswith(n) if n.endswith('/') else path == n for n in NOT_RESULTS)


def library_hash(root: Path = LIBRARY) -> str:
    """Every source and data file of the package that can change a result (Python, styles, LaTeX templates), by path and content."""
    h = hashlib.sha256()
    files = (p for p in root.rglob('*') if p.is_file() and p.suffix in LIBRARY_SUFFIXES and '__pycache__' not in p.parts)
    for path in sorted(p for p in files if not is_not_results(p.relative_to(root).as_posix())):
        h.update(path.relative_to(root).as_posix().encode() + b'\0' + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions (from package metadata, without importing torch), and Python's."""
    out = {'python': platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = 'missing'
    return out


@lru_cache(maxsize=1)
def git_commit(root: Path = ROOT) -> dict[str, Any]:
    """The commit the library was run from, and whether the work tree had changes (provenance only, never the key)."""
    try:
        head = subprocess.run(['git', '-C', str(root), 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return {'commit': None, 'dirty': None}
        status = subprocess.run(['git', '-C', str(root), 'status', '--porcelain', '--', 'excolor', 'params', 'book'],
                                capture_output=True, text=True, timeout=10)
        return {'commit': head.stdout.strip(), 'dirty': bool(status.stdout.strip()) if status.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return {'commit': None, 'dirty': None}


def run_key(parts: dict[str, Any]) -> str:
    return digest(parts)


def folder_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file in a run folder but its provenance, by relative path: what the provenance's key vouches for.

    A run counts as complete only while these match, so a file rewritten after publishing (a
    by-hand notebook run, an editor) makes the run stale instead of lending it the old key.
    """
    files = sorted(p for p in folder.rglob('*') if p.is_file() and p.relative_to(folder).as_posix() != PROVENANCE)
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
