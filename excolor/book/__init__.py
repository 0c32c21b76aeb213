"""The book: assemble finished runs into the book's source tree, execute the report notebooks, build.

`python -m excolor.book --profile quick|full [--pdf] [--skip-check]` (see `__main__`).

Generated layout under `book/_runs/` (gitignored; rebuilt whole on every build, in a temporary
folder beside it, then swapped in, so a failed build never leaves half a tree):

    book/_runs/<experiment>/
        representative.ipynb   runs/<profile>/<experiment>/seed-NNN/notebook.ipynb of the sweep's
                               `representative_seed` (summary.json)
        sweep.ipynb            runs/<profile>/<experiment>/sweep/sweep.ipynb
        figures/               the sweep's figures and the representative seed's figures, merged
        tables/                likewise for tables
    book/_runs/report/
        reproduction.ipynb     book/report/reproduction.ipynb executed by papermill
        reproducibility.ipynb  book/report/reproducibility.ipynb executed by papermill

Both notebooks of an experiment sit in one folder, so `figures/<name>` written relative to either
run folder still resolves, and a paper page cites `../_runs/<experiment>/figures/<name>.*`
(Sphinx picks `<name>.png` for HTML, `<name>.pdf` for LaTeX, and never `<name>.dark.png`: of
several files of one type it takes the shortest name; `sphinx_ext` then adds `<name>.dark.png` as
the dark-theme twin in HTML). A file name present in both the sweep's
and the seed's folder with different contents is an error: the merged folder cannot hold both.

Paper pages cite `{glue:text}` values as `../_runs/<experiment>/sweep.ipynb::<metric>_<stat>:<fmt>`
(the sweep glues `<metric>_{mean,std,min,max,ci_low,ci_high,n}`, `best_seed`,
`representative_seed`, `n_seeds`) or `…/representative.ipynb::<metric>:<fmt>`, and the report's
`../_runs/report/reproduction.ipynb::reproduced_count:d` (also `compared_count`,
`not_reproduced_count`, `not_enough_seeds_count`, `missing_count`). With a `path::key` reference
the format spec is required: myst-nb splits the last `:` off as the format.

The papermill `parameters` / `injected-parameters` cells of every copied or executed notebook
are tagged `remove-cell`, so pages start with their content. Which experiments are assembled,
and which studies get a page (`book/_runs/studies/<study>.ipynb`), is read from `params/`, and
`_toc.yml`'s "Experiments" and "Parameter studies" parts are rewritten to match (`toc`), so an
experiment the book pools always has its pages.

Modules: `layout` (paths), `toc` (the generated parts of `_toc.yml`), `preflight` (asks excolor.runs whether runs are fresh),
`assemble` (copy runs into `book/_runs/`, staged), `notebooks` (copy with parameter cells hidden),
`reports` (papermill for the report pages), `study_page` (a study's page), `reproduction_table` / `provenance` / `markdown`
(what the report pages display), `mathjax` (vendored MathJax), `sphinx` (run Jupyter Book),
`sphinx_ext` (light/dark figure pairs and two theme fixes, loaded by `_config.yml`), `build`
(the steps in order, timed), `__main__` (CLI). The tests build it from fake runs (`tests/fixtures/fake_runs.py`).
"""
