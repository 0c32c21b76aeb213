"""Training: the exact trainer (`trainer`: one seed in the earlier codebase's arithmetic, with `loss`
and `loop`), the wide trainer (`wide`, `adam`: many seeds as one model), a run's pieces drawn in
seeded order (`components`), and the pinned floating-point environment they compute in.
"""
