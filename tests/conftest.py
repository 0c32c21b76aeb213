from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARAMS = ROOT / 'params'


@pytest.fixture
def params_dir() -> Path:
    return PARAMS
