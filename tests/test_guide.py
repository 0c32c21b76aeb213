"""The README's guide "Asking a new question", run as written: its files are written and its commands run, in order.

A YAML block whose first line is `# params/<path>` is written to that path of a copy of `params/`;
each `$ ` line of a console block is run with `EXCOLOR_PARAMS` and `EXCOLOR_RUNS` pointing at the
copy and a fresh runs folder. A command followed by output lines must fail and print each of them;
any other must succeed. So the guide cannot rot.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.fixtures.sweeps import stable_library

BLOCK = re.compile(r'```(?P<kind>yaml|console)\n(?P<body>.*?)```', re.S)


def guide() -> str:
    text = (ROOT / 'README.md').read_text()
    return text.split('<!-- guide:start -->')[1].split('<!-- guide:end -->')[0]


def steps(text: str):
    """('file', path, text) and ('command', argv, expected output lines), in the guide's order."""
    for m in BLOCK.finditer(text):
        body = m['body']
        if m['kind'] == 'yaml':
            first, _, rest = body.partition('\n')
            if first.startswith('# params/'):
                yield 'file', first.removeprefix('# ').strip(), rest
            continue
        for chunk in re.split(r'^\$ ', body, flags=re.M)[1:]:
            command, *expected = [line for line in chunk.splitlines() if line.strip()]
            yield 'command', shlex.split(command), expected


def test_the_guide_has_files_and_commands():
    kinds = [s[0] for s in steps(guide())]
    assert kinds.count('file') == 2 and kinds.count('command') == 4


@stable_library
def test_the_guide_runs_as_written(tmp_path):
    params, runs = tmp_path / 'params', tmp_path / 'runs'
    shutil.copytree(ROOT / 'params', params)
    env = {**os.environ, 'EXCOLOR_PARAMS': str(params), 'EXCOLOR_RUNS': str(runs)}
    for kind, what, detail in steps(guide()):
        if kind == 'file':
            (tmp_path / what).write_text(detail)
            continue
        argv = [sys.executable if what[0] == 'python' else what[0], *what[1:]]
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        said = done.stdout + done.stderr
        if detail:
            assert done.returncode != 0, f'{shlex.join(what)} should fail'
            for line in detail:
                assert line in said, f'{shlex.join(what)} did not print {line!r}:\n{said}'
        else:
            assert done.returncode == 0, f'{shlex.join(what)} failed:\n{said}'
    assert (runs / 'quick' / 'ex-2.9.2' / 'sweep' / 'summary.json').is_file()  # the variant, summarised
    point = runs / 'quick' / 'ex-2.9.1~training.data.labels.red.scale=0.04' / 'seed-000'
    variant = runs / 'quick' / 'ex-2.9.2' / 'seed-000'
    assert (point / 'metrics.json').read_text() == (variant / 'metrics.json').read_text()  # one science, trained once
    assert str(variant) in (point / 'provenance.json').read_text()  # the --set run evaluated the variant's models
    assert (runs / 'quick' / 'ex-2.9.1~model.codec=4' / 'seed-000' / 'metrics.json').is_file()  # the study's other point


@pytest.mark.parametrize('page', ['book/guide.md'])
def test_the_book_page_is_the_guide(page):
    text = (ROOT / page).read_text()
    assert '```{include} ../README.md' in text and ':start-after: <!-- guide:start -->' in text
