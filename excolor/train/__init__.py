"""Training: the exact trainer (one seed, the earlier codebase's arithmetic), the wide trainer (many seeds as one model), and the pinned floating-point environment they compute in."""
