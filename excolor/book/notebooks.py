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


def title(nb: nbformat.NotebookNode) -> str | None:
    """The text of the notebook's first `# ` heading (its page title in the book)."""
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            for line in cell.source.splitlines():
                if line.startswith('# '):
                    return line[2:].strip()
    return None


def retitle(nb: nbformat.NotebookNode, new: str) -> nbformat.NotebookNode:
    """Replace the first `# ` heading: the sweep template is shared, its pages should not all be "Summary over seeds"."""
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            lines = cell.source.splitlines()
            for i, line in enumerate(lines):
                if line.startswith('# '):
                    lines[i] = f'# {new}'
                    cell.source = '\n'.join(lines)
                    return nb
    raise ValueError('the notebook has no "# " heading to retitle')


def copy_notebook(src: str | Path, dst: str | Path, new_title: str | None = None, preface: str | None = None) -> nbformat.NotebookNode:
    """Copy an executed notebook (outputs untouched) with its parameter cells hidden, optionally retitled, and with
    `preface` (Markdown) as a cell after the first one (the title and its introduction); returns the copy."""
    nb = hide_parameter_cells(nbformat.read(src, as_version=4))
    if new_title:
        retitle(nb, new_title)
    if preface:
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(preface))
    atomic_write_text(dst, nbformat.writes(nb))
    return nb
