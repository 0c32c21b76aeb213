"""The report pages (reproduction, reproducibility): notebook templates executed by papermill.

They read the run folders directly (`runs_dir`, `profile`), so they can be executed into the
staging folder before it is swapped in.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from excolor.book.notebooks import hide_parameter_cells
from excolor.files import atomic_write_text


def execute_report(template: Path, out: Path, parameters: dict[str, object]) -> Path:
    """Execute one template with papermill (kernel `python3`, started in its output folder).

    The kernel's folder is given to nbclient (`resources`), not as papermill's `cwd`: that one
    changes this whole process's directory, so two reports started together could swap folders and
    write their figures into the wrong one (or into the repository)."""
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(template), str(out), parameters=parameters, kernel_name='python3', progress_bar=False,
                               resources={'metadata': {'path': str(out.parent.resolve())}})
    atomic_write_text(out, nbformat.writes(hide_parameter_cells(nbformat.read(out, as_version=4))))
    return out


def execute_reports(templates: Path, out_dir: Path, names: tuple[str, ...], parameters: dict[str, object]) -> list[Path]:
    """Every report, two at a time (each is a separate kernel process)."""
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(execute_report, templates / f'{n}.ipynb', out_dir / f'{n}.ipynb', parameters) for n in names]
        return [j.result() for j in jobs]
