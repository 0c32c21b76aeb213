"""The built site, in a real browser: no console errors, images load, links resolve, glue is
resolved, MathJax comes from our own server, and dark mode shows the dark figures. At a phone's
width (390 px) and a desktop's (1280 px), on every page: the page never scrolls sideways, and
whatever is wider than its column scrolls in a box of its own that says so; one search box; a
favicon; no code on the report pages; no placeholder text; every figure opens at full size.

To look at the site yourself: the scratch build stays in `_build/site-test/src/_build/html/`
after the run (serve it with `python -m http.server -d _build/site-test/src/_build/html`).

The site is built with `python -m excolor.book --profile quick` from a scratch copy of the book
sources under `_build/site-test/`, never over the real `_build/html`:
- by default from FAKE but complete runs (tests.fixtures.fake_runs: no training, seconds);
- from real runs if `EXCOLOR_SITE_RUNS` names a runs folder (holding `quick/`, or the profile
  named by `EXCOLOR_SITE_PROFILE`); if the repository's own `_build/html` is a build of that
  profile newer than those runs, it is checked as is (CI: after `make book`).
A scratch build is reused while its inputs (book sources, the book code, the runs) are unchanged.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright; never `playwright install`.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from excolor.book.build import build_book
from tests.fixtures.fake_runs import cited_by_pages, write_fake_runs
from excolor.book.layout import BENCH, MATHJAX, ROOT, book_sources
from excolor.book.mathjax import vendor_mathjax

pytestmark = pytest.mark.site

CHROMIUM = Path(os.environ.get('EXCOLOR_CHROMIUM') or '/usr/bin/chromium')  # Debian's; elsewhere, point this at a real binary
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
SCRATCH = ROOT / '_build' / 'site-test'
PROFILE = os.environ.get('EXCOLOR_SITE_PROFILE', 'quick')
BATCH = 4  # pages loading at once in the crawl
WIDTHS = {'phone': 390, 'desktop': 1280}  # CSS px; the crawl is at the desktop's width
HEIGHT = 900
CODE = [ROOT / 'excolor' / 'measure' / 'reproduction.py', ROOT / 'excolor' / 'present' / 'figures' / 'saving.py', *sorted((ROOT / 'excolor' / 'book').glob('*.py')),
        *sorted((ROOT / 'excolor' / 'book' / 'static').glob('*'))]  # the site's own CSS, JS and favicon


def fingerprint(runs: Path | None) -> str:
    """Changes whenever anything the scratch build depends on changes."""
    h = hashlib.sha256()
    for rel in book_sources(ROOT):
        h.update(rel.as_posix().encode() + (ROOT / rel).read_bytes())
    for path in CODE:
        h.update(path.read_bytes())
    if runs is not None:
        for path in sorted((runs / PROFILE).rglob('*')):
            h.update(f'{path}:{path.stat().st_mtime_ns}'.encode())
    return h.hexdigest()


def newest_mtime(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob('*') if p.is_file()), default=0.0)


def repo_build_is_current(runs: Path) -> bool:
    """The repository's own _build/html was built from this profile after the runs were made."""
    index, bench = ROOT / '_build' / 'html' / 'index.html', ROOT / BENCH
    if not index.is_file() or not bench.is_file():
        return False
    book = json.loads(bench.read_text()).get('book', {})
    made_from = (book.get('html_profile'), book.get('html_runs_dir'))
    return made_from == (PROFILE, str(runs)) and index.stat().st_mtime > newest_mtime(runs / PROFILE)


def scratch_build(runs: Path | None) -> Path:
    """Build the book from a copy of its sources (and fake runs unless `runs`); reuse an unchanged build."""
    stamp, src = SCRATCH / 'fingerprint', SCRATCH / 'src'
    key = fingerprint(runs)
    html = src / '_build' / 'html'
    if stamp.is_file() and stamp.read_text() == key and (html / 'index.html').is_file():
        return html
    shutil.rmtree(SCRATCH, ignore_errors=True)
    for rel in book_sources(ROOT):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    vendor_mathjax(ROOT / MATHJAX)  # once per checkout; the scratch book links to it
    (src / MATHJAX.parent).symlink_to(ROOT / MATHJAX.parent, target_is_directory=True)
    if runs is None:
        runs = SCRATCH / 'runs'
        write_fake_runs(runs, PROFILE, cited=cited_by_pages((src / 'book').rglob('*.md')))
    build_book(PROFILE, root=src, runs_dir=runs, check=False)
    stamp.write_text(key)
    return html


@pytest.fixture(scope='module')
def site() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f'{CHROMIUM} is not installed (apt-get install chromium)')
    real = os.environ.get('EXCOLOR_SITE_RUNS')
    if real:
        runs = Path(real).resolve()
        if repo_build_is_current(runs):
            return ROOT / '_build' / 'html'
        return scratch_build(runs)
    return scratch_build(None)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope='module')
def server(site: Path) -> Iterator[str]:
    """The site over HTTP on a free local port."""
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    finally:
        httpd.shutdown()
        httpd.server_close()


_REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="0; url=(?P<url>[^"]+)"', re.IGNORECASE)


def pages(site: Path) -> list[str]:
    """Every content page (not redirects, Sphinx's search/index pages, vendored or static files)."""
    skip = {'_static', '_sources', '_images', 'mathjax', '_sphinx_design_static'}
    out = []
    for path in sorted(site.rglob('*.html')):
        rel = path.relative_to(site)
        if not (skip & set(rel.parts)) and rel.name not in ('genindex.html', 'search.html') and not _REDIRECT.search(path.read_text()):
            out.append(rel.as_posix())
    return out


@pytest.fixture(scope='module')
def browser(site: Path, tmp_path_factory: pytest.TempPathFactory):
    sync_api = pytest.importorskip('playwright.sync_api')
    profile_dir = tmp_path_factory.mktemp('chromium-profile')
    with sync_api.sync_playwright() as p:
        # A persistent context is how Playwright takes a fresh --user-data-dir.
        ctx = p.chromium.launch_persistent_context(str(profile_dir), executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield ctx
        finally:
            ctx.close()


_SETTLE = """async () => {
  for (const img of document.images) { img.loading = 'eager'; }
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
}"""

_FACTS = """() => ({
  images: [...document.images].map(img => ({src: img.currentSrc.slice(0, 120), ok: img.complete && img.naturalWidth > 0})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  text: document.body.innerText,
  mathjaxScripts: [...document.scripts].map(s => s.src).filter(src => /mathjax/i.test(src)),
  math: document.querySelectorAll('.math').length,
  typeset: document.querySelectorAll('mjx-container').length,
  theme: document.documentElement.dataset.theme,
  notebookFigures: document.querySelectorAll('.excolor-figure img.only-dark').length,
  pageFigures: document.querySelectorAll('.excolor-themed-image img.only-dark').length,
})"""


# What a reader sees at the page's width (after the page's own resize handlers have run):
# - the page's width against the window's (the page must not scroll sideways);
# - `silent`: boxes that scroll sideways without saying so. A box says so when it is a focusable region
#   whose aria-label says "scroll sideways" and whose hint line (the element its `data-excolor-scroll`
#   names, written by excolor/book/static/excolor-book.js) is on screen and says it too;
# - `clipped`: boxes that cut off what they hold (overflow hidden or clip, and some text, image or
#   drawing really past their edge: MathJax's screen-reader copy of a formula is clipped on purpose);
# - the search fields and search buttons on screen, the favicon links, the code cells on screen;
# - `unzoomable`: figures (images in a figure or a notebook output) that do not open at full size.
_LAYOUT = """async () => {
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const de = document.documentElement;
  const shown = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  const describe = el => {
    const id = el.id ? `#${el.id}` : '';
    const cls = [...el.classList].slice(0, 3).map(c => `.${c}`).join('');
    const text = (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60);
    return `<${el.tagName.toLowerCase()}${id}${cls}> ${el.scrollWidth} px in ${el.clientWidth} px: "${text}"`;
  };
  const hintOf = el => document.getElementById(el.getAttribute('data-excolor-scroll') || '');
  const saysSo = el => /scroll sideways/i.test(el.getAttribute('aria-label') || '') && el.tabIndex >= 0
    && !!hintOf(el) && shown(hintOf(el)) && /scroll sideways/i.test(hintOf(el).textContent);
  const screenReaderOnly = (node, box) => {
    for (let a = node.parentElement; a && a !== box; a = a.parentElement) {
      const s = getComputedStyle(a);
      if ((s.clip !== 'auto' && /absolute|fixed/.test(s.position)) || s.clipPath !== 'none') return true;
    }
    return false;
  };
  const contentRight = box => {  // the right edge of what box really draws: text, images, drawings
    let right = -Infinity;
    const walk = document.createTreeWalker(box, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) {
        if (!n.data.trim() || screenReaderOnly(n, box)) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) right = Math.max(right, r.right);
      } else if (/^(img|svg|canvas|video|iframe)$/i.test(n.tagName) && shown(n) && !screenReaderOnly(n, box)) {
        right = Math.max(right, n.getBoundingClientRect().right);
      }
    }
    return right;
  };
  const silent = [], clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth < 2 || !shown(el)) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'visible') continue;  // what spills out of it spills into its parent, checked in turn
    if (style.overflowX === 'auto' || style.overflowX === 'scroll') {
      if (!saysSo(el)) silent.push(describe(el));
    } else if (style.textOverflow !== 'ellipsis') {
      const edge = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth;
      const right = contentRight(el);
      if (right > edge + 1) clipped.push(`${describe(el)} (cut ${Math.round(right - edge)} px by overflow-x: ${style.overflowX})`);
    }
  }
  const searchFields = [...document.querySelectorAll('.search-button-field, input[type=search], form.bd-search')].filter(shown);
  const searchButtons = [...document.querySelectorAll('button.search-button')].filter(b => !b.matches('.search-button-field') && shown(b));
  const figures = [...document.querySelectorAll('.bd-article :is(figure, .cell_output) img')];
  return {
    documentWidth: de.scrollWidth, windowWidth: de.clientWidth, silent, clipped,
    scrollBoxes: document.querySelectorAll('[data-excolor-scroll]').length,
    searchFields: searchFields.length, searchButtons: searchButtons.length,
    favicons: [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href),
    codeCells: [...document.querySelectorAll('.cell_input')].filter(shown).map(c => c.innerText.trim().slice(0, 80)),
    unzoomable: figures.filter(img => !img.closest('.excolor-zoomable')).map(img => img.currentSrc.slice(0, 80)),
  };
}"""


def _load_all(browser, server: str, rels: list[str], width: int, scripts: tuple[str, ...]) -> dict[str, dict]:
    """Load every page (a few at a time: most of a load is MathJax starting) at `width` px; merge what each script
    reports, and the page's console and network errors and requests."""
    results = {}
    for start in range(0, len(rels), BATCH):
        opened = []
        for rel in rels[start : start + BATCH]:
            page = browser.new_page()
            page.set_viewport_size({'width': width, 'height': HEIGHT})
            errors: list[str] = []
            requests: list[str] = []
            page.on('console', lambda m, errors=errors: errors.append(f'console: {m.text} at {m.location.get("url")}') if m.type == 'error' else None)
            page.on('pageerror', lambda e, errors=errors: errors.append(f'page error: {e}'))
            page.on('requestfailed', lambda r, errors=errors: errors.append(f'request failed: {r.url}'))
            page.on('response', lambda r, errors=errors: errors.append(f'HTTP {r.status}: {r.url}') if r.status >= 400 else None)
            page.on('request', lambda r, requests=requests: requests.append(r.url))
            page.goto(server + rel, wait_until='commit')  # the rest loads while the next pages start
            opened.append((rel, page, errors, requests))
        for rel, page, errors, requests in opened:
            page.wait_for_load_state('load')
            page.evaluate(_SETTLE)
            facts: dict = {}
            for script in scripts:
                facts.update(page.evaluate(script))
            facts.update(errors=errors, requests=requests)
            results[rel] = facts
            page.close()
    return results


@pytest.fixture(scope='module')
def crawl(browser, server: str, site: Path) -> dict[str, dict]:
    """Every page once, at the desktop's width: what each check needs."""
    todo = pages(site)
    assert todo, f'no pages found in {site}'
    return _load_all(browser, server, todo, WIDTHS['desktop'], (_FACTS, _LAYOUT))


@pytest.fixture(scope='module')
def layouts(browser, server: str, site: Path, crawl: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """What a reader sees on every page at each width (the desktop's from the crawl)."""
    phone = _load_all(browser, server, pages(site), WIDTHS['phone'], (_LAYOUT,))
    return {'phone': phone, 'desktop': crawl}


def test_site_root_redirects_to_the_landing_page(site: Path, server: str) -> None:
    m = _REDIRECT.search((site / 'index.html').read_text())
    assert m, 'index.html is not the redirect jupyter-book writes'
    with urllib.request.urlopen(urljoin(server, m['url']), timeout=10) as r:
        assert r.status == 200


@pytest.mark.parametrize('width', WIDTHS)
def test_no_console_or_network_errors(layouts: dict[str, dict[str, dict]], width: str) -> None:
    bad = {rel: f['errors'] for rel, f in layouts[width].items() if f['errors']}
    assert not bad, json.dumps(bad, indent=1)


def test_every_image_loads(crawl: dict[str, dict]) -> None:
    bad = {rel: [i['src'] for i in f['images'] if not i['ok']] for rel, f in crawl.items()}
    assert not {k: v for k, v in bad.items() if v}
    assert sum(len(f['images']) for f in crawl.values()) > 0


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ('id', 'name') and value:
                self.ids.add(value)


def test_every_internal_link_resolves(crawl: dict[str, dict], server: str) -> None:
    host = urlparse(server).netloc
    links = {link for f in crawl.values() for link in f['links'] if urlparse(link).netloc == host}
    ids: dict[str, set[str]] = {}
    broken = []
    for link in sorted(links):
        url, fragment = urldefrag(link)
        if url not in ids:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = r.read().decode('utf-8', 'replace') if r.headers.get_content_type() == 'text/html' else ''
            except urllib.error.HTTPError as e:
                broken.append(f'{link}: HTTP {e.code}')
                continue
            parser = _Ids()
            parser.feed(body)
            ids[url] = parser.ids
        if fragment and fragment not in ids[url]:
            broken.append(f'{link}: no element with id {fragment!r}')
    assert not broken, '\n'.join(broken)
    assert len(links) > len(crawl)  # the navigation alone links every page


def test_no_unresolved_glue(crawl: dict[str, dict]) -> None:
    leftovers = {rel: re.findall(r'.{0,40}(?:\{glue|glue:).{0,40}', f['text']) for rel, f in crawl.items()}
    assert not {k: v for k, v in leftovers.items() if v}


def test_mathjax_is_served_locally_and_typesets(crawl: dict[str, dict], server: str) -> None:
    with_math = {rel: f for rel, f in crawl.items() if f['mathjaxScripts']}
    assert with_math, 'no page loads MathJax (the reproduction report has formulas)'
    for rel, f in with_math.items():
        assert all(src.startswith(server) and src.split('?')[0].endswith('/mathjax/tex-chtml.js') for src in f['mathjaxScripts']), (rel, f['mathjaxScripts'])
        # Sphinx also loads MathJax on pages whose toctree children have maths (the landing page).
        assert f['typeset'] > 0 or f['math'] == 0, f'{rel}: {f["math"]} formulas, none typeset'
    assert any(f['typeset'] for f in with_math.values())
    external = {rel: [u for u in f['requests'] if not u.startswith((server, 'data:'))] for rel, f in crawl.items()}
    assert not {k: v for k, v in external.items() if v}, external


def _figure_visibility(page) -> dict[str, list[bool]]:
    page.evaluate(_SETTLE)  # load lazy images, so a shown image has a size
    return page.evaluate("""() => {
      const shown = img => img.checkVisibility() && img.getBoundingClientRect().width > 0;
      return {
        dark: [...document.querySelectorAll('img.only-dark')].map(shown),
        light: [...document.querySelectorAll('img.only-light')].map(shown),
      };
    }""")


def open_in_scheme(browser, url: str, scheme: str):
    """A page under the given prefers-color-scheme, with no theme choice remembered from earlier tests."""
    page = browser.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(url, wait_until='load')
    page.evaluate('localStorage.clear()')
    page.reload(wait_until='load')
    return page


def themed_pages(crawl: dict[str, dict]) -> list[str]:
    """One page per way a light/dark pair is made: a notebook's figure output, a page's {figure}."""
    found = [next((rel for rel, f in crawl.items() if f[kind]), None) for kind in ('notebookFigures', 'pageFigures')]
    assert found[0], 'no notebook page shows a light/dark figure'
    return [rel for rel in found if rel]  # the paper may have no figure yet


@pytest.mark.parametrize('scheme', ['light', 'dark'])
def test_theme_shows_matching_figures(browser, server: str, crawl: dict[str, dict], scheme: str) -> None:
    """The reader's colour scheme picks the theme, and the theme picks each figure's variant."""
    for rel in themed_pages(crawl):
        page = open_in_scheme(browser, server + rel, scheme)
        assert page.evaluate('document.documentElement.dataset.theme') == scheme, rel
        seen = _figure_visibility(page)
        want_dark = scheme == 'dark'
        assert all(v == want_dark for v in seen['dark']) and all(v != want_dark for v in seen['light']), (rel, seen)
        page.close()


def test_theme_switch_button_turns_dark(browser, server: str, crawl: dict[str, dict]) -> None:
    rel = themed_pages(crawl)[0]
    page = open_in_scheme(browser, server + rel, 'light')
    button = page.locator('.theme-switch-button').first
    for _ in range(3):  # the switch cycles through light, dark and auto
        if page.evaluate('document.documentElement.dataset.theme') == 'dark':
            break
        button.click()
    assert page.evaluate('document.documentElement.dataset.theme') == 'dark'
    seen = _figure_visibility(page)
    assert all(seen['dark']) and not any(seen['light']), seen
    page.close()


# ── the paper as a reader sees it ───────────────────────────────────────────────────────────

_SNAKE = re.compile(r'\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b')
_E_NOTATION = re.compile(r'\b\d(?:\.\d+)?e[-+]?\d+\b')


def _attributes(html: str, tag: str, attr: str) -> list[str]:
    return re.findall(rf'<{tag}\b[^>]*\b{attr}="([^"]*)"', html)


def _cells(html: str, tag: str) -> list[str]:
    return [re.sub(r'<[^>]+>', '', c) for c in re.findall(rf'<{tag}\b[^>]*>(.*?)</{tag}>', html, re.S)]


def test_the_paper_opens_with_an_abstract_and_ends_with_references(crawl: dict[str, dict]) -> None:
    landing = crawl['book/index.html']['text']
    assert 'Abstract' in landing
    refs = crawl['book/paper/references.html']['text']
    assert refs.count('arXiv') + refs.count('doi') + refs.count('https://') >= 5
    assert not re.search(r'\[[\w:-]+\?\]', refs + crawl['book/paper/related-work.html']['text'])  # unresolved {cite}


def test_results_show_every_experiment_and_the_headline_table(site: Path) -> None:
    html = (site / 'book' / 'paper' / 'results.html').read_text()
    captions = ' '.join(_cells(html, 'figcaption'))
    for exp in ('Ex 2.2', 'Ex 2.3', 'Ex 2.9', 'Ex 2.9.1', 'Ex 2.10'):
        assert exp in captions, exp
    assert 'id="tab-headline"' in html


def test_no_metric_key_reaches_a_reader(site: Path) -> None:
    for rel in pages(site):
        html = (site / rel).read_text()
        alts = [a for a in _attributes(html, 'img', 'alt') if _SNAKE.search(a)]
        headers = [h for h in _cells(html, 'th') if _SNAKE.search(h)]
        assert not alts and not headers, (rel, alts[:3], headers[:3])


def test_paper_prose_has_no_e_notation(crawl: dict[str, dict]) -> None:
    for rel in ('book/index.html', *(p for p in crawl if p.startswith('book/paper/'))):
        assert not _E_NOTATION.search(crawl[rel]['text']), (rel, _E_NOTATION.findall(crawl[rel]['text'])[:3])


# ── every screen: nothing cut off, one search box, a favicon, no code or placeholders in the reports ──


@pytest.mark.parametrize('width', WIDTHS)
def test_no_page_scrolls_sideways(layouts: dict[str, dict[str, dict]], width: str) -> None:
    wide = {rel: f'{f["documentWidth"]} px in a {f["windowWidth"]} px window' for rel, f in layouts[width].items() if f['documentWidth'] > f['windowWidth']}
    assert not wide, json.dumps(wide, indent=1)


@pytest.mark.parametrize('width', WIDTHS)
def test_wide_content_scrolls_in_a_box_that_says_so(layouts: dict[str, dict[str, dict]], width: str) -> None:
    """A table, figure or code block wider than its column scrolls in its own box, which says "scroll sideways"
    (label and a line on screen); no box cuts off what it holds."""
    bad = {rel: {'scrolls without saying so': f['silent'], 'cuts off': f['clipped']} for rel, f in layouts[width].items() if f['silent'] or f['clipped']}
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


def test_wide_content_is_there_to_check(layouts: dict[str, dict[str, dict]]) -> None:
    """The check above is not vacuous: on a phone, boxes do scroll sideways (and were marked as saying so)."""
    assert sum(f['scrollBoxes'] for f in layouts['phone'].values()) > 0


def test_one_search_box(layouts: dict[str, dict[str, dict]]) -> None:
    """One search field beside the navigation on a desktop (the theme's header had a second); on a phone, one search button."""
    desktop = {rel: f['searchFields'] for rel, f in layouts['desktop'].items() if f['searchFields'] != 1}
    phone = {rel: (f['searchFields'], f['searchButtons']) for rel, f in layouts['phone'].items() if f['searchFields'] + f['searchButtons'] != 1}
    assert not desktop, f'search fields on screen at 1280 px: {desktop}'
    assert not phone, f'search (fields, buttons) on screen at 390 px: {phone}'


def test_every_page_has_a_favicon_that_loads(crawl: dict[str, dict]) -> None:
    missing = [rel for rel, f in crawl.items() if not f['favicons']]
    assert not missing, f'no <link rel="icon">: {missing}'
    for href in {h for f in crawl.values() for h in f['favicons']}:
        with urllib.request.urlopen(href, timeout=10) as r:
            assert r.status == 200 and r.headers.get_content_type().startswith('image/'), (href, r.headers.get_content_type())
            assert r.read(), href


def report_pages(crawl: dict[str, dict]) -> list[str]:
    """The generated reports and parameter studies: prose, tables and figures for a reader, their code folded."""
    found = [rel for rel in crawl if re.fullmatch(r'book/_runs/(report|studies)/[^/]+\.html', rel)]
    assert any(rel.startswith('book/_runs/report/') for rel in found), 'no report pages found'
    return found


@pytest.mark.parametrize('width', WIDTHS)
def test_report_pages_show_no_code(layouts: dict[str, dict[str, dict]], width: str) -> None:
    shown = {rel: layouts[width][rel]['codeCells'] for rel in report_pages(layouts[width]) if layouts[width][rel]['codeCells']}
    assert not shown, 'code cells on screen (tag them hide-input):\n' + json.dumps(shown, indent=1, ensure_ascii=False)


_PLACEHOLDER = re.compile(r'<[a-z][a-z0-9_-]*(?: [a-z][a-z0-9_-]*)?>')  # `<experiment>`, `<wide profile>`: a name left unfilled
# Pages that document a naming pattern, and the placeholders that pattern is written with.
PLACEHOLDERS_ALLOWED = {'book/guide.html': {'<study>', '<metric>', '<stat>', '<value>'}}


def test_no_page_shows_placeholder_text(crawl: dict[str, dict]) -> None:
    found = {}
    for rel, f in crawl.items():
        left = [m for m in _PLACEHOLDER.finditer(f['text']) if m[0] not in PLACEHOLDERS_ALLOWED.get(rel, set())]
        if left:
            found[rel] = [f['text'][max(0, m.start() - 40) : m.end() + 20].replace('\n', ' ') for m in left[:5]]
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.mark.parametrize('width', WIDTHS)
def test_every_figure_opens_full_size(layouts: dict[str, dict[str, dict]], width: str) -> None:
    bad = {rel: f['unzoomable'] for rel, f in layouts[width].items() if f['unzoomable']}
    assert not bad, json.dumps(bad, indent=1)


_FULL_SIZE = """async () => {
  const figure = document.querySelector('.excolor-zoomable');
  const onScreen = [...figure.querySelectorAll('img')].find(img => img.checkVisibility() && img.getBoundingClientRect().width > 0);
  const dialog = document.querySelector('dialog.excolor-lightbox');
  const img = dialog.querySelector('img');
  await img.decode();
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const scroller = dialog.querySelector('.excolor-lightbox__scroll');
  return {
    open: dialog.open, same: img.src === onScreen.currentSrc, dark: onScreen.classList.contains('only-dark'),
    width: img.getBoundingClientRect().width, natural: img.naturalWidth, shownWidth: onScreen.getBoundingClientRect().width,
    scrollerSaysSo: /scroll sideways/i.test(scroller.getAttribute('aria-label') || ''),
    file: dialog.querySelector('a.excolor-lightbox__file').href,
    documentWidth: document.documentElement.scrollWidth, windowWidth: document.documentElement.clientWidth,
  };
}"""


@pytest.mark.parametrize('scheme', ['light', 'dark'])
def test_a_figure_opens_full_size_on_a_phone(browser, server: str, crawl: dict[str, dict], scheme: str) -> None:
    """On a phone a figure's text is a few pixels high; its full-size button shows the variant on screen (light or
    dark) at one image pixel per CSS pixel, in a box that scrolls both ways, with a link to the image file."""
    for rel in themed_pages(crawl):  # a notebook's figure output, a page's {figure}
        page = open_in_scheme(browser, server + rel, scheme)
        page.set_viewport_size({'width': WIDTHS['phone'], 'height': HEIGHT})
        page.evaluate(_SETTLE)
        page.locator('.excolor-zoomable .excolor-zoom-button').first.click()  # a reader's tap
        seen = page.evaluate(_FULL_SIZE)
        assert seen['open'] and seen['same'] and seen['dark'] == (scheme == 'dark'), (rel, seen)
        assert seen['width'] == seen['natural'] > seen['shownWidth'], (rel, seen)
        assert seen['scrollerSaysSo'] and seen['file'].startswith(('http', 'blob:')), (rel, seen)
        assert seen['documentWidth'] <= seen['windowWidth'], (rel, seen)
        page.keyboard.press('Escape')
        assert not page.evaluate("document.querySelector('dialog.excolor-lightbox').open"), rel
        page.close()
