"""Copying executed notebooks into the book: hide papermill's parameter cells on the way."""

from __future__ import annotations

from pathlib import Path

import nbformat

from excolor.files import atomic_write_text

PAPERMILL_TAGS = {'parameters', 'injected-parameters'}
HIDE = 'remove-cell'


def hide_parameter_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Tag papermill's parameter cells `remove-cell`: a page should open with its content, not `seed = 3`."""
    for cell in nb.cells:
        tags = cell.setdefault('metadata', {}).setdefault('tags', [])
        if PAPERMILL_TAGS & set(tags) and HIDE not in tags:
            tags.append(HIDE)
    return nb


def copy_notebook(src: str | Path, dst: str | Path) -> None:
    """Copy an executed notebook (outputs untouched) with its parameter cells hidden."""
    nb = nbformat.read(src, as_version=4)
    atomic_write_text(dst, nbformat.writes(hide_parameter_cells(nb)))
