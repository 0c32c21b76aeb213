"""Stub of `modal` (cloud only; no arithmetic). Any attribute / call returns another stub."""
class _Any:
    def __getattr__(self, name): return _Any()
    def __call__(self, *a, **k): return _Any()
def __getattr__(name): return _Any()
