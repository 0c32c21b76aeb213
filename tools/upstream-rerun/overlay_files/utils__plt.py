"""Stub: plotting themes (plotting only)."""
class Theme: pass
