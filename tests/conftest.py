from pathlib import Path

import excolor  # noqa: F401  (first: it pins the floating-point environment before any test imports torch)
import pytest

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / 'params'


@pytest.fixture
def params_dir() -> Path:
    return PARAMS
