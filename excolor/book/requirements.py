"""What `make book` and `make pdf` need from the system, checked before the sweep spends an hour.

pip brings every Python package; these few come from the system's package manager (Debian
names, as CI installs them in `.ci/run`). `python -m excolor.book.requirements html|pdf|site-test`
exits 1 with one line per missing program and the `apt-get install` line that brings them all.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from excolor.book.layout import MATHJAX, ROOT
from excolor.book.mathjax import is_vendored


@dataclass(frozen=True)
class Need:
    """A program a build step runs, and the Debian package that brings it."""

    program: str
    package: str
    why: str


NEEDS: dict[str, tuple[Need, ...]] = {
    'html': (Need('npm', 'npm', 'vendors MathJax so the site works offline'),),
    'pdf': (Need('xelatex', 'texlive-xetex', 'typesets the PDF'), Need('latexmk', 'latexmk', 'runs XeLaTeX until references settle'),
            Need('pdftotext', 'poppler-utils', "reports the page of each of the article's figures")),
    'site-test': (Need('chromium', 'chromium', 'the site test opens the built site in it'),),
}
TARGETS = {'html': 'make book', 'pdf': 'make pdf', 'site-test': 'make site-test'}
# Everything the README's two commands and the site test use, in one line (Debian bookworm names).
APT_PACKAGES = ('python3.11', 'python3.11-venv', 'npm', 'texlive-latex-recommended', 'texlive-latex-extra', 'texlive-xetex',
                'texlive-science', 'latexmk', 'lmodern', 'fonts-freefont-otf', 'poppler-utils', 'chromium')
APT_LINE = 'sudo apt-get install --no-install-recommends ' + ' '.join(APT_PACKAGES)


def missing(target: str, root: Path = ROOT, which: Callable[[str], str | None] = shutil.which) -> list[Need]:
    """The programs `target` needs that are not on PATH (npm only while MathJax is not vendored yet)."""
    needs = NEEDS[target]
    if target == 'html' and is_vendored(root / MATHJAX):
        needs = ()
    return [n for n in needs if which(n.program) is None]


def report(target: str, lacking: list[Need]) -> str:
    """One line per missing program, then the install line."""
    lines = [f'{TARGETS[target]} needs {n.program}, which is missing: it {n.why} (Debian package {n.package})' for n in lacking]
    return '\n'.join(lines + [f'install what the build needs with: {APT_LINE}'])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog='python -m excolor.book.requirements', description=__doc__.splitlines()[0])
    ap.add_argument('target', choices=sorted(NEEDS))
    args = ap.parse_args(argv)
    lacking = missing(args.target)
    if lacking:
        print(report(args.target, lacking), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
