"""Sphinx additions for the book, loaded from `_config.yml` (`sphinx.extra_extensions`).

- Figures follow the reader's theme. A page image `…/figures/<name>.*` (or `.png`) whose
  `<name>.dark.png` exists becomes a light/dark pair (classes `only-light` / `only-dark`, which the
  theme shows one at a time); builders other than HTML keep only the light (or vector) image.
  The pair is wrapped in one element so the theme's `.only-dark ~ figcaption` rule, meant for
  separate figures, does not hide the caption.
- Dark figures in dark mode get no light backdrop (`static/excolor-book.css`).
- Every screen width (`static/excolor-book.css`, `static/excolor-book.js`): the page never scrolls
  sideways; a code block, table or output wider than its column scrolls in its own box and says so
  (a "Scroll sideways" line above it, faded edges, an aria-label); each figure opens at full size.
- One search box: pydata-sphinx-theme 0.17 puts a search field in a header bar of its own (its
  `navbar_persistent` default) above sphinx-book-theme's sidebar, which has one already; the header
  bar is dropped unless `html_theme_options` asks for it.
- The favicon (`html.favicon` in `_config.yml`, `excolor/book/static/favicon.svg`) is found from the
  repository when the book is built from a copy of its sources that has no `excolor/` folder.
- No URL footnote in a PDF's reference list: an entry prints its address (`URL: https://…`) or its
  identifier (`arXiv:…`, `doi:…`), which is a link; a footnote would repeat it. A link in the text
  keeps its footnote (`latex_show_urls: footnote` in `_config.yml`).
- A table output (`excolor.present.tables.Table`) reaches LaTeX as its `text/latex` form, which myst-nb
  would typeset as an equation; a `text/latex` output that is a table environment is passed through
  as raw LaTeX instead, and the preamble its tables need (`excolor/present/latex/preamble.tex`) is added,
  with float placement that keeps figures near their text (`LAYOUT_PREAMBLE`).
- Numbers pasted by `{glue:text}` in e-notation (`7.5e-05`, from a `:.2g` format) become maths,
  7.5 × 10⁻⁵, in HTML (MathJax) and LaTeX alike; a negative one gets a true minus sign.
- References: author–year in the text and in the list, years disambiguated (2025a, 2025b): the
  pybtex style and the sphinxcontrib-bibtex reference style `excolor` (`excolor.book.bibliography`).
- sphinx-thebe 0.3.1 registers its inline configuration script (`const THEBE_JS_URL = …`) in a
  way Sphinx 7.4 does not see as a duplicate, so every page declared the constant twice and the
  browser logged a SyntaxError; repeated scripts are dropped per page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from excolor.present.numbers import E_NOTATION

HYPHEN_MINUS = re.compile(r'(?<![\w.])-(?=\d)')  # a negative number's sign, typed as a hyphen

STATIC = Path(__file__).resolve().parent / 'static'
REPOSITORY = STATIC.parent.parent.parent  # holds excolor/, where _config.yml's favicon path starts
PREAMBLE = Path(__file__).resolve().parent.parent / 'present' / 'latex' / 'preamble.tex'
PAIR = 'excolor-themed-image'
LATEX_TABLE_STARTS = (r'\begin{table}', r'\begingroup', r'\begin{longtable}', r'\begin{tabular}')

# Both PDFs: figures may fill more of a text page before LaTeX sends them to a page of their own,
# a page of floats starts at the top, not centred, and a table's caption is as wide as the text
# (Sphinx sets it 4 in wide: Table 1's caption took eight lines and pushed the figures after it a page on).
LAYOUT_PREAMBLE = r'''
\AtBeginDocument{\setlength{\LTcapwidth}{\linewidth}}
\renewcommand{\topfraction}{0.85}
\renewcommand{\bottomfraction}{0.6}
\renewcommand{\textfraction}{0.1}
\renewcommand{\floatpagefraction}{0.75}
\setcounter{totalnumber}{4}
\makeatletter
\setlength{\@fptop}{0pt}
\makeatother
'''


def dark_variant(uri: str, abs_path: str) -> str | None:
    """`x.dark.png` beside the image `x.*` / `x.png`, as a URI like `uri`; None if there is none."""
    for suffix in ('.*', '.png'):
        stem = uri[: -len(suffix)]
        if uri.endswith(suffix) and not stem.endswith('.dark') and os.path.isfile(abs_path[: -len(suffix)] + '.dark.png'):
            return stem + '.dark.png'
    return None


def pair_dark_images(app: Any, doctree: nodes.document) -> None:
    """Before images are collected: give each image with a dark sibling a dark twin."""
    env = app.env
    for image in list(doctree.findall(nodes.image)):
        uri = image.get('uri', '')
        if '://' in uri or uri.startswith('data:') or (isinstance(image.parent, nodes.container) and PAIR in image.parent['classes']):
            continue
        _, abs_path = env.relfn2path(uri, env.docname)
        dark_uri = dark_variant(uri, abs_path)
        if dark_uri is None:
            continue
        dark = image.deepcopy()
        dark['uri'] = dark_uri
        dark['classes'] = [*image['classes'], 'only-dark']
        dark['ids'] = []
        image['classes'] = [*image['classes'], 'only-light']
        pair = nodes.container(classes=[PAIR])
        image.parent.replace(image, pair)  # not replace_self: it would copy the image's classes onto the pair
        pair += [image, dark]


class KeepLightImageOnly(SphinxPostTransform):
    """Outside HTML, a light/dark pair is just its light image (the PDF is printed on white)."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        if self.app.builder.format == 'html':
            return
        for pair in list(self.document.findall(lambda n: isinstance(n, nodes.container) and PAIR in n['classes'])):
            light = next(c for c in pair.children if 'only-light' in c['classes'])
            light['classes'] = [c for c in light['classes'] if c != 'only-light']
            pair.parent.replace(pair, light)


class PassLatexTablesThrough(SphinxPostTransform):
    """A `text/latex` output that is a table (myst-nb made it an equation) becomes raw LaTeX."""

    default_priority = 5
    formats = ('latex',)

    def run(self, **kwargs: Any) -> None:
        for block in list(self.document.findall(nodes.math_block)):
            text = block.astext().strip()
            if 'text_latex' in block['classes'] and text.startswith(LATEX_TABLE_STARTS):
                block.replace_self(nodes.raw('', text + '\n', format='latex'))


class PastedNumbersAsMaths(SphinxPostTransform):
    """`7.5e-05` pasted by `{glue:text}` → the maths `7.5 \\times 10^{-5}`, and `-0.012` → `−0.012` with a
    true minus sign (after myst-nb pastes glue, priority 5)."""

    default_priority = 50

    def run(self, **kwargs: Any) -> None:
        for inline in list(self.document.findall(nodes.inline)):
            if 'pasted-text' not in inline['classes']:
                continue
            text = inline.astext()
            if not E_NOTATION.search(text) and not HYPHEN_MINUS.search(text):
                continue
            parts: list[nodes.Node] = []
            last = 0
            for m in E_NOTATION.finditer(text):
                if m.start() > last:
                    parts.append(nodes.Text(HYPHEN_MINUS.sub('\N{MINUS SIGN}', text[last:m.start()])))
                latex = rf'{m[1]} \times 10^{{{int(m[2])}}}'
                parts.append(nodes.math(latex, latex))
                last = m.end()
            if last < len(text):
                parts.append(nodes.Text(HYPHEN_MINUS.sub('\N{MINUS SIGN}', text[last:])))
            inline.children = []
            inline += parts


def _script_key(js: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    attrs = getattr(js, 'attributes', {}) or {}
    return os.fspath(getattr(js, 'filename', js) or ''), tuple(sorted((k, str(v)) for k, v in attrs.items()))


def dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Keep the first of identical `<script>` entries (same source and attributes, inline body included)."""
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for js in context.get('script_files', []):
        key = _script_key(js)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context['script_files'] = unique


def _add_static(app: Any) -> None:
    if app.builder.format == 'html':
        app.config.html_static_path.append(str(STATIC))
        app.add_css_file('excolor-book.css')
        app.add_js_file('excolor-book.js', loading_method='defer')


def _one_search_box(app: Any, config: Any) -> None:
    """No pydata header bar holding a second search field (sphinx-book-theme's sidebar has the first); other themes lack the option."""
    if config.html_theme in ('sphinx_book_theme', 'pydata_sphinx_theme'):
        config.html_theme_options.setdefault('navbar_persistent', [])


def _find_favicon(app: Any, config: Any) -> None:
    """A favicon path missing from the source root (a scratch copy of the book's sources) is looked up in the
    repository; before Sphinx checks that the file exists (priority 800)."""
    favicon = config.html_favicon
    if favicon and '://' not in favicon and not (Path(app.confdir) / favicon).is_file() and (REPOSITORY / favicon).is_file():
        config.html_favicon = str(REPOSITORY / favicon)


def _add_latex_preamble(app: Any, config: Any) -> None:
    """Before any builder starts: the LaTeX builder copies `latex_elements` when it is made, so
    `builder-inited` would be too late."""
    elements = config.latex_elements
    elements['preamble'] = elements.get('preamble', '') + '\n' + PREAMBLE.read_text() + LAYOUT_PREAMBLE


def _register_bibliography_style() -> None:
    from excolor.book.bibliography import register

    register()


NO_FOOTNOTE = 'excolor-no-footnote:'  # a refuri prefix that hides a link from Sphinx's ShowUrlsTransform


class HideReferenceListLinks(SphinxPostTransform):
    """Before Sphinx's ShowUrlsTransform (priority 400) turns every link whose text is not its address
    into a footnote: hide the links of the reference list (citation nodes) from it."""

    default_priority = 399
    formats = ('latex',)

    def run(self, **kwargs: Any) -> None:
        for citation in self.document.findall(nodes.citation):
            for ref in citation.findall(nodes.reference):
                if ref.get('refuri', '').startswith(('http:', 'https:', 'ftp:', 'mailto:')):
                    ref['refuri'] = NO_FOOTNOTE + ref['refuri']


class RestoreReferenceListLinks(SphinxPostTransform):
    """After ShowUrlsTransform: the reference list's links point at their addresses again."""

    default_priority = 401
    formats = ('latex',)

    def run(self, **kwargs: Any) -> None:
        for ref in self.document.findall(nodes.reference):
            if ref.get('refuri', '').startswith(NO_FOOTNOTE):
                ref['refuri'] = ref['refuri'][len(NO_FOOTNOTE):]



def setup(app: Any) -> dict[str, Any]:
    app.add_post_transform(HideReferenceListLinks)
    app.add_post_transform(RestoreReferenceListLinks)
    app.connect('config-inited', _add_latex_preamble)
    app.connect('config-inited', _one_search_box)
    app.connect('config-inited', _find_favicon, priority=700)
    app.connect('builder-inited', _add_static)
    app.connect('doctree-read', pair_dark_images, priority=400)  # before Sphinx collects images (500)
    app.connect('html-page-context', dedupe_scripts, priority=900)
    app.add_post_transform(KeepLightImageOnly)
    app.add_post_transform(PassLatexTablesThrough)
    app.add_post_transform(PastedNumbersAsMaths)
    _register_bibliography_style()
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
