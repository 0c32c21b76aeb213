import shutil
from pathlib import Path

import pytest

from excolor.config import ConfigError, load_experiment
from tests.conftest import PARAMS


@pytest.mark.parametrize('name', ['ex-2.2', 'ex-2.3', 'ex-2.9', 'ex-2.9.1', 'ex-2.10'])
def test_every_params_file_loads(name):
    exp = load_experiment(PARAMS / f'{name}.yaml')
    assert exp.id == name
    assert len(exp.seeds_for('quick')) == 2
    assert len(exp.seeds_for('full')) == (100 if name == 'ex-2.9.1' else 10)


def test_variants_share_the_science():
    exp = load_experiment(PARAMS / 'ex-2.10.yaml')
    a, b = exp.train_config('with-unitarity'), exp.train_config('without-unitarity')
    assert [r.name for r in a.regularizers] == ['reg-unit', 'reg-anchor', 'reg-separate', 'reg-anti-anchor']
    assert [r.name for r in b.regularizers] == ['reg-anchor', 'reg-separate', 'reg-anti-anchor']
    assert load_experiment(PARAMS / 'ex-2.3.yaml').train_config('sigmoid').model.sigmoid_out


def broken(tmp_path: Path, old: str, new: str, csv: str | None = None) -> Path:
    """A copy of ex-2.9.1's params with one edit (and optionally a different schedule)."""
    text = (PARAMS / 'ex-2.9.1.yaml').read_text()
    assert old in text
    (tmp_path / 'schedules').mkdir()
    shutil.copy(PARAMS / 'schedules' / 'ex-2.9.1.csv', tmp_path / 'schedules')
    if csv is not None:
        (tmp_path / 'schedules' / 'ex-2.9.1.csv').write_text(csv)
    path = tmp_path / 'ex-2.9.1.yaml'
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_unknown_key_names_file_line_and_closest_key(tmp_path):
    path = broken(tmp_path, '    batch_size: 64', '    batchsize: 64')
    with pytest.raises(ConfigError) as e:
        load_experiment(path)
    msg = str(e.value)
    assert f'{path}:{line_of(path, "batchsize")}: training.data.batchsize: unknown key' in msg
    assert "did you mean 'batch_size'" in msg


def test_wrong_type(tmp_path):
    path = broken(tmp_path, 'latent: 5', 'latent: five')
    with pytest.raises(ConfigError, match=rf'{path}:{line_of(path, "latent: five")}: model.latent: .*integer.*five'):
        load_experiment(path)


def test_anchor_length_must_match_the_latent(tmp_path):
    path = broken(tmp_path, 'anchor: [1, 0, 0, 0, 0]', 'anchor: [1, 0, 0, 0]')
    with pytest.raises(ConfigError, match=rf'{path}:{line_of(path, "name: anchor,")}: regularizers\[1\].anchor: has 4 values but the latent size'):
        load_experiment(path)


def test_unknown_label(tmp_path):
    path = broken(tmp_path, 'labels: [red]', 'labels: [rad]')
    with pytest.raises(ConfigError, match=r"regularizers\[1\].labels\[0\]: unknown label 'rad'; did you mean 'red'"):
        load_experiment(path)


def test_backwards_schedule(tmp_path):
    csv = (PARAMS / 'schedules' / 'ex-2.9.1.csv').read_text().replace('750,,,0.1', '5,,,0.1')
    path = broken(tmp_path, 'id: ex-2.9.1', 'id: ex-2.9.1', csv=csv)
    with pytest.raises(ConfigError, match=r'training.schedule: .*ex-2.9.1.csv, line \d+, column .STEP.: keyframes run backwards'):
        load_experiment(path)


def test_unknown_term(tmp_path):
    path = broken(tmp_path, 'term: Separate', 'term: Seperate')
    with pytest.raises(ConfigError, match=r"regularizers\[0\]: unknown term 'Seperate'; did you mean 'Separate'"):
        load_experiment(path)


def test_missing_schedule_file(tmp_path):
    path = broken(tmp_path, 'schedules/ex-2.9.1.csv', 'schedules/nope.csv')
    with pytest.raises(ConfigError, match=r'training.schedule: .*nope.csv'):
        load_experiment(path)


def test_unscheduled_regularizer_can_be_refused(tmp_path):
    path = broken(tmp_path, '  log_every: 8', '  log_every: 8\n  unscheduled_weight: null')
    text = path.read_text().replace('name: separate,', 'name: seperate,')
    path.write_text(text)
    with pytest.raises(ConfigError, match="has no column for regularizer 'seperate'; did you mean 'separate'"):
        load_experiment(path)
