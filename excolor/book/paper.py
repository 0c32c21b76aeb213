"""The paper alone as an article PDF (`make paper` → `_build/paper/paper.pdf`).

Same sources, same glued numbers, same build as the book: Jupyter Book's LaTeX builder over the
whole book (every run page must be read, or its glued numbers could not be pasted), but with a
table of contents and a LaTeX target of its own:

- the toc moves the paper's pages under `book/paper/article` (title and abstract), which is the
  LaTeX start document; everything else stays in the toc, is read, and is left out of the PDF;
- the document class is Sphinx's `howto` (an article: sections, no part or chapter pages, no table
  of contents), on A4, with floats placed near their first mention (`htbp`; the book's float
  parameters from `excolor.book.sphinx_ext`): a figure may float into the next section, as in any
  article, but none past the start of the reference list (a `\FloatBarrier` there, from
  `placeins`). A barrier at every section would force each figure still waiting at the end of
  Results onto a page of its own and leave the page before it half empty;
- no figure is taller than 45 % of a page (`FIGURES`), and the paper shows Ex 2.9.1's spread over seeds by its
  correlations alone (the summary page shows every metric), so the figures trail their first mention by
  at most a page or two (`float_pages`: the build logs each float's page against its first mention);
- a heading is moved to the next page only when less than a tenth of a page would follow it (Sphinx's
  titlesec default, a fifth, left a third of a page blank above several of Results' subsections);
- the reference list is set compactly (small type, little space between entries, no entry split over
  two pages), and its last four entries are kept on one page, so it never ends on a page holding one
  or two references alone;
- no URL footnotes in the reference list, as in the book's PDF (`excolor.book.sphinx_ext`); this
  module is a Sphinx extension of the article build for the barrier and the last references (`setup`,
  added by `paper_config`);
- the bibliography file is named by its absolute path (the config no longer sits beside it).

Both files are written to `_build/paper/` and handed to `jupyter-book build --config … --toc …`.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

ARTICLE = 'book/paper/article'
PAPER_PAGES = ('book/paper/introduction', 'book/paper/related-work', 'book/paper/method', 'book/paper/results', 'book/paper/discussion',
               'book/paper/references')
OUT = Path('_build') / 'paper'

# The reference list follows our "References" section: no second heading or contents line of its own; small
# type, no space between entries beyond a fifth of a line, and no page break inside an entry.
BIBLIOGRAPHY = (r'\makeatletter\AddToHook{env/sphinxthebibliography/begin}{\let\section\@gobbletwo\let\addcontentsline\@gobblethree'
                r'\small\raggedright\interlinepenalty=10000\relax'
                r'\def\@openbib@code{\setlength{\itemsep}{0.2\baselineskip}\setlength{\parsep}{0pt}}}\makeatother')
# Sphinx loads titlesec with `nobottomtitles*`: a heading in the bottom fifth of a page (`\bottomtitlespace`,
# .2\textheight) goes to the next page. With the Results' figures waiting for a page of their own, that left a
# third of a page blank before several subsections; a heading now moves only with less than a tenth of a page
# (six lines) below it.
HEADINGS = r'\renewcommand{\bottomtitlespace}{.1\textheight}'
# No figure taller than 45 % of a page (Sphinx scales an image to fit `\spx@image@maxheight`, a full page by default):
# a full-page figure can only go on a page of its own, pages after its mention, with the next ones queued behind it.
FIGURES = r'\makeatletter\AtBeginDocument{\spx@image@maxheight=.45\textheight}\makeatother'
LATEX_ELEMENTS = {
    'papersize': 'a4paper',
    'pointsize': '10pt',
    'tableofcontents': '',
    'figure_align': 'htbp',
    'printindex': '',
    'sphinxsetup': 'hmargin={2.5cm,2.5cm}, vmargin={2.5cm,2.5cm}',
    'extrapackages': r'\usepackage{placeins}',  # \FloatBarrier, put before the reference list by FloatsBeforeReferences
    'preamble': '\n'.join((BIBLIOGRAPHY, HEADINGS, FIGURES)),
}
LAST_TOGETHER = 4  # the reference list's last page holds at least its last four entries (KeepTheLastReferencesTogether)
# After an entry: no page break before the next one (\nopagebreak stops a break at the glue between entries,
# \@itempenalty one at the \bibitem; the setting lasts to the end of the list).
KEEP_WITH_NEXT = '\n\\par\\nopagebreak\\csname @itempenalty\\endcsname=10000\\relax\n'
EXTENSION = 'excolor.book.paper'  # this module, as the article build's Sphinx extension (setup below)


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
    sphinx = out.setdefault('sphinx', {})
    extensions = sphinx.get('extra_extensions') or []
    extensions = [extensions] if isinstance(extensions, str) else list(extensions)
    sphinx['extra_extensions'] = extensions if EXTENSION in extensions else [*extensions, EXTENSION]
    sphinx_config = sphinx.setdefault('config', {})
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


CAPTION = re.compile(r'^\s*((?:Fig\.|Table) \d+):', re.M)
MENTION = re.compile(r'(?:Fig\.|Table) \d+')


def float_pages(text: str) -> dict[str, tuple[int, int]]:
    """Each figure and table of the article's text (`pdftotext` output, pages split by form feeds): the page that
    first mentions it and the page of its caption, so a build can say how far each float trails its text."""
    mentioned: dict[str, int] = {}
    placed: dict[str, int] = {}
    for number, page in enumerate(text.split('\f'), 1):
        for m in CAPTION.finditer(page):
            placed.setdefault(m[1], number)
        for m in MENTION.finditer(CAPTION.sub('', page)):
            mentioned.setdefault(m[0], number)
    return {name: (mentioned.get(name, page), page) for name, page in placed.items()}


def float_report(pdf: Path) -> str:
    """One line: where each float landed against its first mention (`Fig. 6 p7→8`), or why it cannot say."""
    if shutil.which('pdftotext') is None:
        return 'float pages not measured: pdftotext (poppler-utils) is missing'
    text = subprocess.run(['pdftotext', '-layout', str(pdf), '-'], capture_output=True, text=True, check=True).stdout
    pages = float_pages(text)
    return 'floats, first mention → page: ' + ', '.join(f'{name} p{cited}→{page}' for name, (cited, page) in pages.items())


def publish(root: Path, built: Path) -> Path:
    """Copy the built PDF to `_build/paper/paper.pdf`."""
    target = root / OUT / 'paper.pdf'
    shutil.copy2(built, target)
    return target


# --- the article build's Sphinx extension -------------------------------------------------------------------


class FloatsBeforeReferences(SphinxPostTransform):
    """`\\FloatBarrier` at the start of the document that holds the reference list (before its heading):
    every figure and table is printed before the references begin."""

    default_priority = 402
    formats = ('latex',)

    def run(self, **kwargs: Any) -> None:
        # Sphinx's inline_all_toctrees sets a start_of_file's children without their parent: search downwards.
        # Pre-order, so the last one that holds a citation is the innermost, the reference list's own page.
        holders = [f for f in self.document.findall(addnodes.start_of_file) if next(f.findall(nodes.citation), None) is not None]
        if holders:
            holders[-1].insert(0, nodes.raw('', '\\FloatBarrier\n', format='latex'))


class KeepTheLastReferencesTogether(SphinxPostTransform):
    """No page break among the last `LAST_TOGETHER` entries of the reference list (nor inside an entry:
    `BIBLIOGRAPHY`), so its last page never holds one or two references alone, whatever their number
    and length: when they would not fit, they move to the last page together."""

    default_priority = 403
    formats = ('latex',)

    def run(self, **kwargs: Any) -> None:
        for citation in list(self.document.findall(nodes.citation))[-LAST_TOGETHER:-1]:
            citation += nodes.raw('', KEEP_WITH_NEXT, format='latex')


def setup(app: Any) -> dict[str, Any]:
    app.add_post_transform(FloatsBeforeReferences)
    app.add_post_transform(KeepTheLastReferencesTogether)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
