"""The paper alone as an article PDF (`make paper` → `_build/paper/paper.pdf`).

Same sources, same glued numbers, same build as the book: Jupyter Book's LaTeX builder over the
whole book (every run page must be read, or its glued numbers could not be pasted), but with a
table of contents and a LaTeX target of its own:

- the toc moves the paper's pages under `book/paper/article` (title and abstract), which is the
  LaTeX start document; everything else stays in the toc, is read, and is left out of the PDF;
- the document class is Sphinx's `howto` (an article: sections, no part or chapter pages, no table
  of contents), on A4, with floats placed near their first mention;
- the bibliography file is named by its absolute path (the config no longer sits beside it).

Both files are written to `_build/paper/` and handed to `jupyter-book build --config … --toc …`.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

ARTICLE = 'book/paper/article'
PAPER_PAGES = ('book/paper/introduction', 'book/paper/related-work', 'book/paper/method', 'book/paper/results', 'book/paper/discussion',
               'book/paper/references')
OUT = Path('_build') / 'paper'

LATEX_ELEMENTS = {
    'papersize': 'a4paper',
    'pointsize': '10pt',
    'tableofcontents': '',
    'figure_align': 'htbp',
    'printindex': '',
    'sphinxsetup': 'hmargin={2.5cm,2.5cm}, vmargin={2.5cm,2.5cm}',
    'extrapackages': r'\usepackage[section]{placeins}',  # a float never drifts into the next section
    # The reference list follows our "References" section: no second heading or contents line of its own.
    'preamble': r'\makeatletter\AddToHook{env/sphinxthebibliography/begin}'
                r'{\let\section\@gobbletwo\let\addcontentsline\@gobblethree\raggedright}\makeatother',
}


def paper_toc(toc: dict[str, Any]) -> dict[str, Any]:
    """The book's toc with the paper's pages moved under the article page (first part)."""
    out = copy.deepcopy(toc)
    for part in out.get('parts', []):
        part['chapters'] = [c for c in part.get('chapters', []) if c.get('file') not in PAPER_PAGES]
    out['parts'] = [p for p in out['parts'] if p['chapters']]
    article = {'file': ARTICLE, 'sections': [{'file': f} for f in PAPER_PAGES]}
    out['parts'].insert(0, {'caption': 'Article', 'numbered': True, 'chapters': [article]})
    return out


def paper_config(config: dict[str, Any], root: Path) -> dict[str, Any]:
    """The book's config, with the LaTeX target set to the article."""
    out = copy.deepcopy(config)
    out['bibtex_bibfiles'] = [str((root / f).resolve()) for f in config.get('bibtex_bibfiles', [])]
    latex = out.setdefault('latex', {})
    latex['latex_documents'] = {'startdocname': ARTICLE, 'targetname': 'paper.tex', 'theme': 'howto', 'toctree_only': False,
                                'title': config.get('title', ''), 'author': config.get('author', '')}
    sphinx_config = out.setdefault('sphinx', {}).setdefault('config', {})
    elements = {**sphinx_config.get('latex_elements', {}), **LATEX_ELEMENTS}
    sphinx_config['latex_elements'] = elements
    sphinx_config['latex_domain_indices'] = False
    return out


def write_paper_sources(root: Path) -> tuple[Path, Path]:
    """`_build/paper/_config.yml` and `_toc.yml`, from the book's."""
    out = root / OUT
    out.mkdir(parents=True, exist_ok=True)
    config = paper_config(yaml.safe_load((root / '_config.yml').read_text()), root)
    toc = paper_toc(yaml.safe_load((root / '_toc.yml').read_text()))
    (out / '_config.yml').write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    (out / '_toc.yml').write_text(yaml.safe_dump(toc, sort_keys=False, allow_unicode=True))
    return out / '_config.yml', out / '_toc.yml'


def publish(root: Path, built: Path) -> Path:
    """Copy the built PDF to `_build/paper/paper.pdf`."""
    target = root / OUT / 'paper.pdf'
    shutil.copy2(built, target)
    return target
