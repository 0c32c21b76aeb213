"""Stub of mini.experiment.Experiment: the notebooks only enter `async with run():` around
local training (train() is not a Modal function), which starts a Modal app for log streaming."""
from contextlib import asynccontextmanager
class Experiment:
    def __init__(self, name, project=''):
        self.name, self.project, self.image = name, project, None
    def before_each(self, cb): return cb
    @asynccontextmanager
    async def __call__(self, shutdown_timeout: float = 10):
        yield
