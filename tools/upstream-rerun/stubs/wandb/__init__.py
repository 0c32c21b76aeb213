"""Stub of `wandb` (logging only)."""
def finish(*a, **k): pass
def init(*a, **k): pass
