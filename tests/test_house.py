"""The house (README, Layout): `ls excolor` is the flow, and a folder imports only from the folders above it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / 'excolor'
FLOW = ('data', 'model', 'params', 'train', 'measure', 'present', 'runs', 'notebook', 'book', 'bench')
SHARED = ('__init__.py', 'files.py')  # the package itself (pins floating point) and atomic writes, used everywhere


def imported_folders(path: Path) -> set[str]:
    """The excolor folders a module imports from, anywhere in it (functions and TYPE_CHECKING blocks too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith('excolor'):
            dotted = [node.module] if node.module != 'excolor' else [f'excolor.{a.name}' for a in node.names]
        elif isinstance(node, ast.Import):
            dotted = [a.name for a in node.names if a.name.startswith('excolor.')]
        else:
            continue
        out |= {d.split('.')[1] for d in dotted if d.count('.') >= 1}
    return out


def test_the_library_is_the_flow_and_nothing_else():
    entries = sorted(p.name for p in LIBRARY.iterdir() if p.name != '__pycache__')
    assert entries == sorted(FLOW + SHARED)


def test_every_folder_imports_only_from_the_folders_above_it():
    upward = []
    for path in sorted(LIBRARY.rglob('*.py')):
        rel = path.relative_to(LIBRARY)
        if rel.parts[0] in SHARED:
            continue
        mine = FLOW.index(rel.parts[0])
        upward += [f'{rel} imports excolor.{f}' for f in imported_folders(path) if f in FLOW and FLOW.index(f) > mine]
    assert upward == []


def test_no_test_fixture_lives_in_the_library():
    assert not [p for p in LIBRARY.rglob('*.py') if 'fake' in p.name or 'fixture' in p.name]
