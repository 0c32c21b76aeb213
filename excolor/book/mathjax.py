"""MathJax served from the site itself, because the default CDN is unreachable offline.

`npm install mathjax@3` once and copy its `es5/` bundle to `_vendor/mathjax`; `_config.yml`
publishes `_vendor/` with `html_extra_path` (not `_static/`, where the theme would add every
one of MathJax's ~70 scripts to every page) and points `mathjax_path` at it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ENTRY = 'tex-chtml.js'
PACKAGE = 'mathjax@3'


def is_vendored(dest: Path) -> bool:
    return (dest / ENTRY).is_file()


def vendor_mathjax(dest: Path, package: str = PACKAGE) -> bool:
    """Install MathJax's es5 bundle into `dest` unless it is there; True if it had to be installed."""
    if is_vendored(dest):
        return False
    npm = shutil.which('npm')
    if npm is None:
        raise RuntimeError(f'MathJax is not vendored at {dest} and npm is not installed (apt-get install npm)')
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='mathjax-npm-') as tmp:
        subprocess.run([npm, 'install', '--prefix', tmp, '--no-audit', '--no-fund', '--loglevel=error', package], check=True)
        es5 = Path(tmp) / 'node_modules' / 'mathjax' / 'es5'
        if not (es5 / ENTRY).is_file():
            raise RuntimeError(f'{package} did not contain es5/{ENTRY}')
        stage = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f'.{dest.name}.new-'))
        shutil.copytree(es5, stage, dirs_exist_ok=True)
        os.chmod(stage, 0o755)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(stage, dest)
    return True
