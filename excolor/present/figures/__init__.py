"""Figures: one module per figure kind, each a `plot_…(data, *, theme) -> Figure`.

Notebooks pass a draw function to `save_figure`, which renders it in the light and dark
themes and writes `<stem>.png`, `<stem>.dark.png` and `<stem>.pdf`:

    files = save_figure(lambda theme: plot_schedule(exp.schedule, theme=theme), out / 'schedule', alt='…')
    files  # displays the themed image in the notebook

Kinds: `slices`, `error_lines`, `latents`, `overview`, `similarity`, `schedule`, `training`,
`sweep`. Modules are imported on use, so `import excolor.present.figures` stays light.
"""

from excolor.present.figures.cones import Cone, cones_for
from excolor.present.figures.saving import FigureFiles, save_figure
from excolor.present.figures.theme import Theme

__all__ = ['Cone', 'FigureFiles', 'Theme', 'cones_for', 'save_figure']
