"""Run Jupyter Book 1 on the book's source root: always a full build, warnings are errors.

Always `--all`: Sphinx rereads only changed pages, so a paper page would keep citing the glued
numbers of the previous runs (verified). `-W -n --keep-going` reports every warning, then fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BUILDERS = {'html': 'html', 'pdf': 'pdflatex'}


def jupyter_book_command(root: Path, builder: str = 'html') -> list[str]:
    exe = Path(sys.executable).parent / 'jupyter-book'
    cmd = [str(exe) if exe.exists() else (shutil.which('jupyter-book') or 'jupyter-book'), 'build', '--all', '-W', '-n', '--keep-going']
    if builder == 'paper':  # the article: its own config and toc (excolor.book.paper), its own output folder
        from excolor.book.paper import OUT, write_paper_sources

        config, toc = write_paper_sources(root)
        return cmd + ['--builder', BUILDERS['pdf'], '--config', str(config), '--toc', str(toc), '--path-output', str(root / OUT / 'jb'), str(root)]
    if builder != 'html':
        cmd += ['--builder', BUILDERS[builder]]
    return cmd + [str(root)]


def output_of(root: Path, builder: str = 'html') -> Path:
    """Where the builder writes: `_build/html/index.html`-style folder, or the PDF."""
    if builder == 'paper':
        return root / '_build' / 'paper' / 'jb' / '_build' / 'latex' / 'paper.pdf'
    return root / '_build' / 'html' if builder == 'html' else root / '_build' / 'latex' / 'book.pdf'


class BuildFailed(RuntimeError):
    """Jupyter Book exited non-zero (a warning, under -W, counts)."""


def run_jupyter_book(root: Path, builder: str = 'html') -> Path:
    result = subprocess.run(jupyter_book_command(root, builder), cwd=root, check=False)
    if result.returncode != 0:
        raise BuildFailed(f'jupyter-book {BUILDERS.get(builder, builder)} build failed (exit {result.returncode}); see the warnings above')
    out = output_of(root, builder)
    if not out.exists():
        raise BuildFailed(f'jupyter-book succeeded but {out} is missing')
    if builder == 'paper':
        from excolor.book.paper import publish

        return publish(root, out)
    return out
