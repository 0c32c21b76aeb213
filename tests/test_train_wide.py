"""Wide training: a seed trained among others gets exactly the run it gets alone (fast numerics)."""

import torch

from excolor.train.wide import train_wide
from excolor.params.schema import load_experiment
from excolor.train.trainer import train
from tests.conftest import PARAMS


def test_each_seed_of_a_stack_is_that_seed_trained_alone():
    cfg = load_experiment(PARAMS / 'ex-2.9.1.yaml').train_config('main')
    wide = train_wide(cfg, [0, 1, 2, 3, 4, 5])
    for seed in (0, 3, 5):  # odd and even positions: their slices sit at differently aligned addresses
        alone = train(cfg, seed, numerics='fast', progress=False)
        for (name, a), b in zip(alone.model.state_dict().items(), wide.models[seed].state_dict().values()):
            assert torch.equal(a, b), (seed, name)
        assert alone.label_counts == wide.label_counts[seed]
