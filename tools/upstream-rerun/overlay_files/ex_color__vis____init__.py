"""Stub: plotting functions (plotting only)."""
def _noop(*a, **k): return None
plot_cube_series = plot_colors = plot_latent_grid_3d = _noop
class ConicalAnnotation:
    def __init__(self, *a, **k): pass
def __getattr__(name): return _noop
