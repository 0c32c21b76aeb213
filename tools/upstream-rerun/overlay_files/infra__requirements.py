"""Stub: package freezing for the Modal image (cloud only)."""
def freeze(*a, **k): return []
def project_packages(*a, **k): return []
