import shutil
from pathlib import Path

import pytest

from excolor.params.schema import ConfigError, load_experiment
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


def test_duplicate_key_names_file_line_and_key(tmp_path):
    path = broken(tmp_path, '    batch_size: 64', '    batch_size: 64\n    batch_size: 32')
    first = line_of(path, 'batch_size: 64')
    with pytest.raises(ConfigError) as e:
        load_experiment(path)
    assert str(e.value) == f'{path}:{first + 1}: training.data.batch_size: duplicate key (first given at line {first}); each key may appear once'


def test_a_misspelt_schedule_column_is_an_error_naming_the_column(tmp_path):
    csv = (PARAMS / 'schedules' / 'ex-2.9.1.csv').read_text().replace(',anchor,', ',anchr,', 1)
    path = broken(tmp_path, 'id: ex-2.9.1', 'id: ex-2.9.1', csv=csv)
    with pytest.raises(ConfigError) as e:
        load_experiment(path)
    assert str(e.value) == (
        f"{path}:{line_of(path, 'schedule:')}: training.schedule: {tmp_path / 'schedules' / 'ex-2.9.1.csv'} has no column for "
        "regularizer 'anchor'; did you mean 'anchr', an unused column? Without one it would run at weight 1 for every step; "
        "if that is meant, write `unscheduled_weight: 1` under `training:`")


def test_an_intended_fallback_loads_and_is_reported(tmp_path):
    csv = (PARAMS / 'schedules' / 'ex-2.9.1.csv').read_text().replace(',anchor,', ',anchr,', 1)
    path = broken(tmp_path, '  log_every: 8', '  log_every: 8\n  unscheduled_weight: 1.0', csv=csv)
    assert load_experiment(path).schedule_notes() == [
        "ex-2.9.1: regularizer 'anchor' has no schedule column (the unused column 'anchr' looks like its name); it runs at weight 1 "
        'for every step, as training.unscheduled_weight asks']


def test_the_published_quirks_are_reported_not_refused():
    notes = {name: load_experiment(PARAMS / f'{name}.yaml').schedule_notes() for name in ('ex-2.2', 'ex-2.9', 'ex-2.10')}
    assert notes == {
        'ex-2.2': ["ex-2.2: regularizer 'reg-planar' has no schedule column (the unused column 'reg-polar' looks like its name); "
                   'it runs at weight 1 for every step, as training.unscheduled_weight asks'],
        'ex-2.9': [f"ex-2.9: schedule column 'reg-planar-v' of {PARAMS / 'schedules' / 'ex-2.9.csv'} is unused: "
                   "no regularizer is named 'reg-planar-v'"],
        'ex-2.10': [],  # its variant without unitarity drops reg-unit, whose column the other variant reads
    }


SCHEDULE = (PARAMS / 'schedules' / 'ex-2.9.1.csv').read_text()


def test_a_negative_learning_rate_is_refused_naming_column_and_step(tmp_path):
    path = broken(tmp_path, 'seed_notebook', 'seed_notebook', csv=SCHEDULE.replace('750,,,0.1,', '750,,,-0.1,'))
    with pytest.raises(ConfigError, match=r"ex-2\.9\.1\.csv: column 'lr' at step 750 is -0\.1: a learning rate must be ≥ 0"):
        load_experiment(path)


def test_a_negative_weight_is_refused(tmp_path):
    path = broken(tmp_path, 'seed_notebook', 'seed_notebook', csv=SCHEDULE.replace('750,,,0.1,0.001,', '750,,,0.1,-0.001,'))
    with pytest.raises(ConfigError, match=r"column 'separate' at step 750 is -0\.001: a weight must be ≥ 0"):
        load_experiment(path)


def test_a_misspelt_lr_column_is_refused_not_a_note(tmp_path):
    path = broken(tmp_path, 'seed_notebook', 'seed_notebook', csv=SCHEDULE.replace('STEP,PHASE,ACTION,lr,', 'STEP,PHASE,ACTION,LR,'))
    with pytest.raises(ConfigError, match=r"has no 'lr' column: training reads its learning rate from it; did you mean 'LR'\?"):
        load_experiment(path)


def test_a_nan_power_is_refused_with_file_line_and_key(tmp_path):
    path = broken(tmp_path, 'red: {quantity: redness, power: 8,', 'red: {quantity: redness, power: .nan,')
    with pytest.raises(ConfigError) as e:
        load_experiment(path)
    assert str(e.value).startswith(f'{path}:{line_of(path, "power: .nan")}: training.data.labels.red.power: Input should be a finite number')


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    import time

    levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'] + [f'a{i}: &a{i} [' + ', '.join([f'*a{i - 1}'] * 9) + ']' for i in range(1, 10)]
    path = broken(tmp_path, 'seed_notebook', '\n'.join(levels) + '\nseed_notebook')
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match=rf'{path.name}:\d+: alias \*a0: params files may not use YAML aliases'):
        load_experiment(path)
    assert time.perf_counter() - t0 < 1


def test_a_params_file_that_is_not_utf8_is_one_line(tmp_path):
    path = broken(tmp_path, 'seed_notebook', 'seed_notebook')
    path.write_bytes(path.read_bytes().replace('→'.encode(), b'\xe9'))
    with pytest.raises(ConfigError, match=rf'^{path}: not UTF-8 text \(byte \d+ is .*\); save it as UTF-8$'):
        load_experiment(path)


def test_a_schedule_that_is_not_utf8_is_named(tmp_path):
    path = broken(tmp_path, 'seed_notebook', 'seed_notebook')
    (tmp_path / 'schedules' / 'ex-2.9.1.csv').write_bytes(SCHEDULE.replace('ACTION', 'ACTIÖN').encode('latin-1'))
    with pytest.raises(ConfigError, match=r'training\.schedule: .*ex-2\.9\.1\.csv: not UTF-8 text'):
        load_experiment(path)


@pytest.mark.parametrize('seeds, message', [
    ('full: {start: 10, stop: 5}', r'seeds\.full: .*no seeds: stop \(5\) must be greater than start \(10\)'),
    ('full: []', r'seeds\.full.*at least 1 item'),
    ('full: [-1, 1]', r'seeds\.full.*0.*greater than or equal to 0'),
    ('full: [0, 0, 1]', r'seeds\.full: seed 0 is listed twice'),
])
def test_seed_lists_are_checked_up_front(tmp_path, seeds, message):
    path = broken(tmp_path, 'full: {start: 0, stop: 100}', seeds)
    with pytest.raises(ConfigError, match=message):
        load_experiment(path)
