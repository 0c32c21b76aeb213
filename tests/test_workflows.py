"""The publishing workflow: valid for GitHub, and run on the system whose package names it installs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / '.github' / 'workflows').glob('*.yml'))
LINTER = Path(sys.executable).parent / 'check-jsonschema'


def lint(*paths: Path) -> subprocess.CompletedProcess:
    linter = str(LINTER) if LINTER.exists() else shutil.which('check-jsonschema')
    assert linter, 'check-jsonschema is missing: `make install` brings it (pyproject dev extras)'
    return subprocess.run([linter, '--builtin-schema', 'vendor.github-workflows', *map(str, paths)], capture_output=True, text=True, timeout=120)


def test_every_workflow_passes_the_linter():
    assert WORKFLOWS
    result = lint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_catches_a_misspelt_key(tmp_path):
    broken = tmp_path / 'pages.yml'
    broken.write_text((ROOT / '.github' / 'workflows' / 'pages.yml').read_text().replace('runs-on:', 'run-on:', 1))
    assert lint(broken).returncode != 0


@pytest.mark.parametrize('workflow', WORKFLOWS, ids=lambda p: p.name)
def test_jobs_that_apt_get_install_run_on_debian(workflow):
    """Debian's package names (chromium, not Ubuntu's snap) need a Debian system, as CI uses (.ci/run)."""
    for name, job in yaml.safe_load(workflow.read_text())['jobs'].items():
        installs = any('apt-get install' in step.get('run', '') for step in job.get('steps', []))
        if installs:
            container = job.get('container')
            image = container.get('image') if isinstance(container, dict) else container
            assert image and image.startswith('debian:'), f'{workflow.name}: job {name} installs Debian packages on {job["runs-on"]}'


def test_the_site_test_takes_its_browser_from_the_environment(monkeypatch):
    import importlib

    import tests.test_site as site

    monkeypatch.setenv('EXCOLOR_CHROMIUM', '/opt/browser/chrome')
    try:
        assert importlib.reload(site).CHROMIUM == Path('/opt/browser/chrome')
    finally:
        monkeypatch.undo()
        importlib.reload(site)  # the rest of the session sees the real browser again
