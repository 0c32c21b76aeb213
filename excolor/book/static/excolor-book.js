/* excolor book: wide content and figures on any screen (loaded on every page by excolor.book.sphinx_ext).

   1. Sideways scrolling that says so. A code block, table or notebook output wider than its column scrolls
      inside its own box (the page itself never scrolls sideways). Whenever one does, at the current width,
      it becomes a labelled, focusable region (role "region", aria-label "… scroll sideways", tabindex 0,
      so a keyboard can scroll it), a small visible line above it says "Scroll sideways", and its cut
      edges fade (classes excolor-more-left / excolor-more-right, see excolor-book.css). When it fits
      again (a wider window), all of that is taken away.
   2. Figures open full size. Each figure (a page's {figure}, a notebook's figure output; for a light/dark
      pair, the variant on screen) gets a "Full size" button under it; it, or a click on the figure, opens a
      dialog showing the image at its natural size (one image pixel per CSS pixel), scrolling both ways, with
      a "Fit to window" toggle and a link to the image file (a blob: for a notebook's inline figure).
   The site test (tests/test_site.py) checks both at 390 px and 1280 px on every page. */
(() => {
  'use strict';

  const HINT = 'Scroll sideways to see all of it';
  // What can be wider than the text column, and scrolls when it is (the theme's overflow-x: auto): code and
  // text output, a notebook's outputs (its tables), a page's tables.
  const SCROLLERS = ['pre', '.cell_output > .output', '.pst-scrollable-table-container'].join(', ');
  let hintCount = 0;

  const kindOf = el => {
    if (el.matches('pre')) return 'Code';
    if (el.querySelector('table')) return 'Wide table';
    if (el.querySelector('img')) return 'Wide figure';
    return 'Wide output';
  };

  /* The element a hint line goes above: the scroller, or the box that frames it (a notebook cell's input, with
     its border and background; a code block's, whose corner holds the copy button). */
  const hintAnchor = el => el.closest('.cell_input') || el.closest('div[class^="highlight-"], div[class*=" highlight-"]') || el;

  const fades = el => {
    const caption = el.querySelector(':scope > table > caption');
    const top = caption ? caption.getBoundingClientRect().bottom - el.getBoundingClientRect().top : 0;
    el.style.setProperty('--excolor-unfaded-top', `${Math.max(0, Math.round(top))}px`);
    const more = el.scrollWidth - el.clientWidth;
    el.classList.toggle('excolor-more-left', el.scrollLeft > 1);
    el.classList.toggle('excolor-more-right', el.scrollLeft < more - 1);
  };

  function markScroller(el) {
    const overflows = el.scrollWidth > el.clientWidth + 1 && /^(auto|scroll)$/.test(getComputedStyle(el).overflowX);
    const marked = el.hasAttribute('data-excolor-scroll');
    if (overflows && !marked) {
      const hint = document.createElement('div');
      hint.className = 'excolor-scroll-hint';
      hint.id = `excolor-scroll-hint-${++hintCount}`;
      hint.setAttribute('aria-hidden', 'true');  // the region's own label says it
      hint.textContent = `${HINT} \u21C6`;
      hintAnchor(el).before(hint);
      el.setAttribute('data-excolor-scroll', hint.id);
      el.dataset.excolorLabelWas = el.getAttribute('aria-label') ?? '';
      el.setAttribute('role', el.getAttribute('role') || 'region');
      el.setAttribute('aria-label', `${kindOf(el)}: scroll sideways to see all of it`);
      el.tabIndex = 0;
      el.classList.add('excolor-scrolls');
      el.addEventListener('scroll', onScroll, {passive: true});
    } else if (!overflows && marked) {
      document.getElementById(el.getAttribute('data-excolor-scroll'))?.remove();
      el.removeAttribute('data-excolor-scroll');
      if (el.getAttribute('role') === 'region') el.removeAttribute('role');
      const was = el.dataset.excolorLabelWas;
      if (was) el.setAttribute('aria-label', was); else el.removeAttribute('aria-label');
      delete el.dataset.excolorLabelWas;
      el.tabIndex = -1;
      el.classList.remove('excolor-scrolls', 'excolor-more-left', 'excolor-more-right');
      el.style.removeProperty('--excolor-unfaded-top');
      el.removeEventListener('scroll', onScroll);
    }
    if (overflows) fades(el);
  }

  function onScroll(event) { fades(event.currentTarget); }

  const scrollers = () => [...document.querySelectorAll(`.bd-article :is(${SCROLLERS})`)];
  let pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      scrollers().forEach(markScroller);
    });
  }

  // ── figures, full size ────────────────────────────────────────────────────────────────────────────
  let dialog = null;

  function lightbox() {
    if (dialog) return dialog;
    dialog = document.createElement('dialog');
    dialog.className = 'excolor-lightbox';
    dialog.setAttribute('aria-label', 'Figure at full size');
    dialog.innerHTML = `
      <div class="excolor-lightbox__bar">
        <p class="excolor-lightbox__caption"></p>
        <button type="button" class="excolor-lightbox__fit" aria-pressed="false">Fit to window</button>
        <a class="excolor-lightbox__file" target="_blank" rel="noopener">Image file</a>
        <button type="button" class="excolor-lightbox__close" aria-label="Close">\u2715</button>
      </div>
      <p class="excolor-lightbox__hint">Full size: scroll sideways and down to see all of it.</p>
      <div class="excolor-lightbox__scroll" role="region" tabindex="0" autofocus
           aria-label="Figure at full size: scroll sideways and down to see all of it"><img alt=""></div>`;
    dialog.querySelector('.excolor-lightbox__close').addEventListener('click', () => dialog.close());
    // Full size (one image pixel per CSS pixel) or the whole figure in the window: the button, or a tap on the image.
    const fit = dialog.querySelector('.excolor-lightbox__fit');
    const toggleFit = () => {
      const fitted = dialog.classList.toggle('excolor-lightbox--fit');
      fit.setAttribute('aria-pressed', String(fitted));
      dialog.querySelector('.excolor-lightbox__hint').hidden = fitted;
    };
    fit.addEventListener('click', toggleFit);
    dialog.querySelector('.excolor-lightbox__scroll img').addEventListener('click', toggleFit);
    dialog.addEventListener('click', event => { if (event.target === dialog) dialog.close(); });  // the backdrop
    // Escape by hand: Sphinx's sphinx_highlight.js cancels the key's default on the document (so does the theme for its dialogs).
    dialog.addEventListener('keydown', event => {
      if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); dialog.close(); }
    });
    dialog.addEventListener('close', () => {
      const url = dialog.dataset.blob;
      if (url) URL.revokeObjectURL(url);
      delete dialog.dataset.blob;
    });
    document.body.append(dialog);
    return dialog;
  }

  /* The image of a figure on screen now (a light/dark pair shows one of its two). */
  const shownImage = figure => [...figure.querySelectorAll('img')].find(img => img.checkVisibility() && img.getBoundingClientRect().width > 0)
    || figure.querySelector('img');

  const captionOf = figure => {
    const fig = figure.closest('figure');
    const text = fig?.querySelector('figcaption')?.innerText || shownImage(figure)?.alt || '';
    return text.replace(/\s+/g, ' ').trim();
  };

  async function openFull(figure) {
    const img = shownImage(figure);
    if (!img) return;
    const box = lightbox();
    const big = box.querySelector('.excolor-lightbox__scroll img');
    const src = img.currentSrc || img.src;
    big.src = src;
    big.alt = img.alt;
    big.style.width = `${img.naturalWidth}px`;  // natural size: one image pixel per CSS pixel
    box.querySelector('.excolor-lightbox__caption').textContent = captionOf(figure);
    const file = box.querySelector('.excolor-lightbox__file');
    file.href = src;
    if (src.startsWith('data:')) {  // a notebook's figure lives in the page; a browser opens it as a blob, not as data:
      try {
        const url = URL.createObjectURL(await (await fetch(src)).blob());
        box.dataset.blob = url;
        file.href = url;
      } catch (err) {
        file.removeAttribute('href');
      }
    }
    box.classList.remove('excolor-lightbox--fit');  // each figure opens at full size
    box.querySelector('.excolor-lightbox__fit').setAttribute('aria-pressed', 'false');
    box.querySelector('.excolor-lightbox__hint').hidden = false;
    box.showModal();
    box.querySelector('.excolor-lightbox__scroll').scrollTo(0, 0);
  }

  function zoomable(figure, label) {
    if (figure.classList.contains('excolor-zoomable')) return;
    figure.classList.add('excolor-zoomable');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'excolor-zoom-button';
    button.setAttribute('aria-label', label);
    button.title = label;
    button.innerHTML = '<span aria-hidden="true">\u2922</span> Full size';
    button.addEventListener('click', event => { event.preventDefault(); openFull(figure); });
    figure.append(button);
    figure.addEventListener('click', event => {
      if (event.target instanceof HTMLImageElement) { event.preventDefault(); openFull(figure); }
    });
  }

  function figures() {
    // A light/dark pair (sphinx_ext on a page; excolor.present.figures in a notebook), then a lone image in a figure or output.
    document.querySelectorAll('.bd-article :is(.excolor-themed-image, .excolor-figure)').forEach(f => zoomable(f, 'Show this figure full size'));
    document.querySelectorAll('.bd-article :is(figure, .cell_output) img').forEach(img => {
      if (img.closest('.excolor-zoomable, a, .excolor-lightbox')) return;
      const frame = document.createElement('span');
      frame.className = 'excolor-figure-frame';
      img.replaceWith(frame);
      frame.append(img);
      zoomable(frame, 'Show this figure full size');
    });
  }

  function start() {
    figures();
    refresh();
    window.addEventListener('resize', refresh);
    window.addEventListener('load', refresh);
    const observer = new ResizeObserver(refresh);
    scrollers().forEach(el => observer.observe(el));
    const article = document.querySelector('.bd-article');
    if (article) observer.observe(article);
    window.MathJax?.startup?.promise?.then(refresh);
    document.fonts?.ready?.then(refresh);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
