"""`python -m excolor.book --profile quick|full [--pdf | --paper] [--skip-check]`: build the site, the book PDF or the article PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from excolor.book.assemble import IncompleteRuns
from excolor.book.build import build_book
from excolor.book.layout import ROOT, RUNS_DIR
from excolor.book.preflight import RunsNotReady
from excolor.book.sphinx import BuildFailed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog='python -m excolor.book', description='Assemble the runs into the book and build it with Jupyter Book.')
    ap.add_argument('--profile', required=True, choices=['quick', 'full'], help='which sweep profile under runs/ to publish')
    ap.add_argument('--pdf', action='store_true', help='build the PDF (_build/latex/book.pdf) instead of the site')
    ap.add_argument('--paper', action='store_true', help='build the paper alone as an article PDF (_build/paper/paper.pdf)')
    ap.add_argument('--skip-check', action='store_true', help='do not ask excolor.runs whether runs are missing or stale')
    ap.add_argument('--runs-dir', type=Path, default=RUNS_DIR, help=f'where the runs are (default: {RUNS_DIR})')
    ap.add_argument('--root', type=Path, default=ROOT, help='the book source root holding _config.yml and _toc.yml (default: this repository)')
    args = ap.parse_args(argv)
    try:
        build_book(args.profile, root=args.root, runs_dir=args.runs_dir, pdf=args.pdf, paper=args.paper, check=not args.skip_check)
    except (RunsNotReady, IncompleteRuns, BuildFailed) as e:
        print(f'excolor.book: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
