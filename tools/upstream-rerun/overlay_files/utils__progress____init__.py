"""Stub: progress display package (display only); only .lightning is used by the notebooks."""
