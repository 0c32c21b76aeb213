"""What the model sees: colour grids and spaces (`color`), concept labels (`labels`), and the earlier
codebase's data stream, replayed draw for draw (`stream`).
"""
