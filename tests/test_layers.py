"""A params file built on another (`base:`), and `--set` overrides: merged key by key, checked like a file, errors traced to their writer."""

import shutil
from pathlib import Path

import pytest

from excolor.params.schema import ConfigError, load_experiment
from excolor.runs.keys import params_hash
from excolor.runs.layout import point_name
from tests.conftest import PARAMS

SCALE = 'training.data.labels.red.scale'
VARIANT = '''base: ex-2.9.1
id: ex-2.9.2
title: "Ablate red (only), labels twice as rare"
training: {data: {labels: {red: {scale: 0.04}}}}
'''


@pytest.fixture
def params(tmp_path: Path) -> Path:
    """A copy of the params folder with the variant of the guide beside ex-2.9.1."""
    shutil.copytree(PARAMS, tmp_path / 'params', ignore=shutil.ignore_patterns('studies'))
    (tmp_path / 'params' / 'ex-2.9.2.yaml').write_text(VARIANT)
    return tmp_path / 'params'


def write(params: Path, text: str, name: str = 'ex-2.9.2') -> Path:
    path = params / f'{name}.yaml'
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_variant_is_its_base_but_what_it_writes(params):
    base, variant = load_experiment(params / 'ex-2.9.1.yaml'), load_experiment(params / 'ex-2.9.2.yaml')
    assert variant.training.data.labels['red'].scale == 0.04
    assert variant.training.data.labels['red'].power == base.training.data.labels['red'].power == 8  # mappings merge
    assert variant.model == base.model and variant.regularizers == base.regularizers and variant.evaluation == base.evaluation
    assert (variant.notebook, variant.base, variant.seed_notebook) == ('ex-2.9.1', 'ex-2.9.1', None)  # reproduces nothing
    assert variant.seeds == {k: base.seeds[k] for k in ('full', 'quick')}  # the book's profiles; not the 1,000-seed wide sweep
    assert variant.wide is None
    assert params_hash(variant) != params_hash(base)


def test_the_same_science_has_the_same_key_whatever_its_name(params):
    write(params, VARIANT.replace('0.04', '0.08'))
    assert params_hash(load_experiment(params / 'ex-2.9.2.yaml')) == params_hash(load_experiment(params / 'ex-2.9.1.yaml'))


def test_lists_replace_whole(params):
    write(params, VARIANT + 'figures: {latent_dims: [[1, 0, 2]]}\n')
    assert load_experiment(params / 'ex-2.9.2.yaml').figures.latent_dims == [(1, 0, 2)]


def test_an_error_names_the_file_that_wrote_the_value(params):
    path = write(params, VARIANT.replace('scale: 0.04', 'scael: 0.04'))
    with pytest.raises(ConfigError, match=rf"{path}:4: training.data.labels.red.scael: unknown key; did you mean 'scale'"):
        load_experiment(path)
    path = write(params, VARIANT + 'model: {latent: 4}\n')  # the anchors, written in the base, no longer fit
    base = params / 'ex-2.9.1.yaml'
    with pytest.raises(ConfigError, match=rf'{base}:{line_of(base, "name: anchor,")}: regularizers\[1\].anchor: has 5 values'):
        load_experiment(path)


def test_a_missing_or_circular_base(params):
    path = write(params, VARIANT.replace('base: ex-2.9.1', 'base: ex-2.9.11'))
    with pytest.raises(ConfigError, match=rf"{path}:1: base: no params file ex-2.9.11.yaml .*did you mean 'ex-2.9.1'"):
        load_experiment(path)
    write(params, 'base: ex-b\nid: ex-a\n', 'ex-a')
    write(params, 'base: ex-a\nid: ex-b\n', 'ex-b')
    with pytest.raises(ConfigError, match='base: ex-a → ex-b → ex-a is a cycle'):
        load_experiment(params / 'ex-a.yaml')


def test_overrides_change_the_value_and_are_recorded(params):
    exp = load_experiment(params / 'ex-2.9.1.yaml', [f'{SCALE}=0.04'])
    assert exp.training.data.labels['red'].scale == 0.04
    assert exp.overrides == {SCALE: 0.04}
    assert point_name(exp) == f'ex-2.9.1~{SCALE}=0.04'
    assert params_hash(exp) == params_hash(load_experiment(params / 'ex-2.9.2.yaml'))  # a --set and a file: one science


def test_an_override_that_changes_nothing_names_no_new_experiment(params):
    for same in ([f'{SCALE}=0.08'], {'training.numerics': 'exact'}, ['seeds.quick=[5]']):
        exp = load_experiment(params / 'ex-2.9.1.yaml', same)
        assert point_name(exp) == 'ex-2.9.1'
    assert load_experiment(params / 'ex-2.9.1.yaml', ['seeds.quick=[5]']).seeds_for('quick') == [5]


def test_a_misspelt_override_stops_with_the_closest_key(params):
    path = params / 'ex-2.9.1.yaml'
    with pytest.raises(ConfigError, match=rf"--set {SCALE[:-5]}scael=0.04: {SCALE[:-5]}scael: unknown key; did you mean 'scale'"):
        load_experiment(path, [f'{SCALE[:-5]}scael=0.04'])
    with pytest.raises(ConfigError, match=r"--set training.data.labels.rde.scale=0.04: training.data.labels.rde: no such key; did you mean 'red'"):
        load_experiment(path, ['training.data.labels.rde.scale=0.04'])
    with pytest.raises(ConfigError, match=r'--set regularizers.1.anchor=\[1, 0\]: regularizers\[1\].anchor: has 2 values'):
        load_experiment(path, ['regularizers.1.anchor=[1, 0]'])
    with pytest.raises(ConfigError, match=r'regularizers is a list of 4; .9. is not an index'):
        load_experiment(path, ['regularizers.9.power=2'])
    with pytest.raises(ConfigError, match=r'--set id=x: id cannot be overridden'):
        load_experiment(path, ['id=x'])
    with pytest.raises(ConfigError, match=r'expected KEY=VALUE'):
        load_experiment(path, ['training.numerics'])
