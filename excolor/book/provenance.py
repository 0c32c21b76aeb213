"""The reproducibility report's provenance table: how each run was made, from its provenance.json.

Field names are read leniently (the runner owns the format); a field that is absent shows as "–".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from excolor.book.markdown import table

HEADER = ('experiment', 'run', 'params', 'template', 'library', 'commit', 'wall (s)')
HASH = 8  # characters of each hash shown; enough to tell runs apart

# Our column -> where provenance.json may hold it (a key path), first match wins. The runner
# (excolor.runs.task) writes `parts` (the cache key's inputs: params, template, library hashes),
# `git` ({commit, dirty}), `seed` and `wall_seconds`.
FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    'params': (('parts', 'params'), ('params_hash',)),
    'template': (('parts', 'template'), ('template_hash',)),
    'library': (('parts', 'library'), ('library_hash',)),
    'commit': (('git', 'commit'), ('git_commit',)),
    'dirty': (('git', 'dirty'),),
    'seconds': (('wall_seconds',), ('seconds',)),
    'seed': (('seed',),),
}


def field(prov: Mapping[str, Any], name: str) -> Any:
    """The first of `FIELDS[name]`'s key paths present in `prov` (None if none is)."""
    for path in FIELDS[name]:
        value: Any = prov
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return value
    return None


def short(value: Any, n: int = HASH) -> str:
    return '–' if value in (None, '') else f'`{str(value)[:n]}`'


def commit_text(prov: Mapping[str, Any]) -> str:
    """The short commit, marked with * if the work tree had uncommitted changes."""
    text = short(field(prov, 'commit'))
    return text + '*' if field(prov, 'dirty') else text


def run_text(folder: str, prov: Mapping[str, Any]) -> str:
    seeds = prov.get('parts', {}).get('seeds') if isinstance(prov.get('parts'), Mapping) else None
    if seeds:  # a chunk of seeds trained together
        return f'seeds {seeds[0]}–{seeds[-1]}'
    seed = field(prov, 'seed')
    return f'seed {seed}' if seed is not None else ('summary' if folder == 'sweep' else folder)


def natural(path: Path) -> list[Any]:
    """Sort key that puts ex-2.9 before ex-2.10."""
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', path.as_posix())]


def seconds(x: Any) -> str:
    return '–' if x is None else f'{float(x):.1f}'


def provenance_records(profile_dir: Path, folders: Iterable[str] = ()) -> list[tuple[str, str, dict[str, Any]]]:
    """(experiment, run folder name, provenance) for every run under `runs/<profile>/` (only `folders`' if given: the book's), sorted."""
    out = []
    keep = set(folders)
    for path in sorted(Path(profile_dir).glob('*/*/provenance.json'), key=natural):
        if keep and path.parent.parent.name not in keep:
            continue
        out.append((path.parent.parent.name, path.parent.name, json.loads(path.read_text())))
    return out


def provenance_table(records: list[tuple[str, str, dict[str, Any]]]) -> str:
    """One row per run: the hashes its cache key was made of, the commit (* = uncommitted changes), wall time."""
    rows = []
    for exp, run, prov in records:
        rows.append([exp, run_text(run, prov), short(field(prov, 'params')), short(field(prov, 'template')), short(field(prov, 'library')), commit_text(prov), seconds(field(prov, 'seconds'))])
    return table(HEADER, rows)


def total_seconds(records: list[tuple[str, str, dict[str, Any]]]) -> float:
    return float(sum(field(p, 'seconds') or 0 for _, _, p in records))


PACKAGES = ('excolor', 'torch', 'lightning', 'numpy', 'scipy', 'pandas', 'matplotlib', 'pydantic', 'papermill', 'jupyter-book', 'sphinx', 'myst-nb', 'sphinx-book-theme')


def software_table(packages: tuple[str, ...] = PACKAGES) -> str:
    """Python, the platform and the version of each package this process runs with."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return 'not installed'

    rows = [['Python', platform.python_version()], ['platform', platform.platform()]] + [[p, installed(p)] for p in packages]
    return table(['package', 'version'], rows)
