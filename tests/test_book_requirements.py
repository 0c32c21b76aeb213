"""make book / make pdf name a missing system program before the sweep starts."""

import subprocess

from excolor.book import requirements
from tests.conftest import ROOT


def test_a_missing_program_is_named_with_its_package(tmp_path):
    lacking = requirements.missing('pdf', tmp_path, which=lambda program: None if program == 'latexmk' else f'/usr/bin/{program}')
    assert requirements.report('pdf', lacking).splitlines() == [
        'make pdf needs latexmk, which is missing: it runs XeLaTeX until references settle (Debian package latexmk)',
        f'install what the build needs with: {requirements.APT_LINE}']


def test_npm_is_needed_only_until_mathjax_is_vendored(tmp_path):
    assert [n.program for n in requirements.missing('html', tmp_path, which=lambda program: None)] == ['npm']
    (tmp_path / '_vendor' / 'mathjax').mkdir(parents=True)
    (tmp_path / '_vendor' / 'mathjax' / 'tex-chtml.js').write_text('')
    assert requirements.missing('html', tmp_path, which=lambda program: None) == []


def test_make_book_checks_before_it_runs_the_sweep():
    plan = subprocess.run(['make', '-n', 'book', 'pdf'], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout.splitlines()
    steps = [ln for ln in plan if 'excolor.book.requirements' in ln or 'excolor.runs' in ln]
    assert steps[0].endswith('-m excolor.book.requirements html') and 'excolor.runs --profile' in steps[1]
    assert steps[-1].endswith('-m excolor.book.requirements pdf')  # the sweep (the profile, then its wide companion) ran once, for both
    assert all('excolor.runs --profile' in s for s in steps[1:-1])


def test_the_readme_lists_the_install_line():
    assert requirements.APT_LINE in (ROOT / 'README.md').read_text()


def test_make_runs_measures_drift_in_every_environment_the_book_reads():
    from excolor.book.layout import DRIFT_ENVIRONMENTS, DRIFT_PROFILES

    for profile, drift in DRIFT_PROFILES.items():
        plan = subprocess.run(['make', '-n', 'runs', f'PROFILE={profile}'], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
        assert all(f'excolor.runs --profile {drift}@{env} --no-summary' in plan for env in DRIFT_ENVIRONMENTS), plan
