"""Stub: progress bar callback (display only). A silent ProgressBar so Lightning adds none."""
from lightning.pytorch.callbacks.progress.progress_bar import ProgressBar
class LightningProgress(ProgressBar):
    def __init__(self, *a, **k):
        super().__init__(); self._enabled = True
    def disable(self): self._enabled = False
    def enable(self): self._enabled = True
    @property
    def is_enabled(self): return self._enabled
