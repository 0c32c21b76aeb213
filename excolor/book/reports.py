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
    """Execute one template with papermill (kernel `python3`, cwd = its output folder)."""
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(template), str(out), parameters=parameters, kernel_name='python3', cwd=str(out.parent), progress_bar=False)
    atomic_write_text(out, nbformat.writes(hide_parameter_cells(nbformat.read(out, as_version=4))))
    return out


def execute_reports(templates: Path, out_dir: Path, names: tuple[str, ...], parameters: dict[str, object]) -> list[Path]:
    """Every report, two at a time (each is a separate kernel process)."""
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(execute_report, templates / f'{n}.ipynb', out_dir / f'{n}.ipynb', parameters) for n in names]
        return [j.result() for j in jobs]
