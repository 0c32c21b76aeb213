"""What the model sees: colour grids and spaces, concept labels, and the earlier codebase's data stream, replayed."""
