"""The standard figures and tables of an experiment page, each with alt text written from the data.

Notebooks call these with a `RunPage` and a trained variant; every call saves light/dark PNGs and
a PDF into the run folder and returns something the notebook displays.
"""

from __future__ import annotations

import numpy as np
from IPython.display import Markdown

from excolor.measure.evaluation import ConditionResult, slug
from excolor.notebook.experiment import ExperimentRun, VariantRun
from excolor.present.figures import FigureFiles, cones_for
from excolor.notebook.page import RunPage
from excolor.present.tables import Table


def _title(variant: VariantRun, page: RunPage, what: str) -> str:
    many = len(page.experiment.variants) > 1
    return f'{what} · {variant.name}' if many else what


def _stem(variant: VariantRun, page: RunPage, name: str) -> str:
    return f'{name}-{slug(variant.name)}' if len(page.experiment.variants) > 1 else name


def _peak(c: ConditionResult) -> str:
    """Where the error is largest, in words: hue angle, saturation and value."""
    g = c.loss_grid
    i = np.unravel_index(np.argmax(g['MSE']), g.shape)
    h, s, v = (g.coords[a][i[a]] for a in range(3))
    return f'{(h % 1) * 360:.0f}° hue, saturation {s:.2f}, value {v:.2f}'


def schedule_figure(page: RunPage) -> FigureFiles:
    from excolor.present.figures.schedule import plot_schedule

    sched = page.experiment.schedule
    names = [n for n in sched.names if n != 'lr']
    alt = (f'Training schedule over {sched.length} steps: the weights of {", ".join(names)} (top) and the learning rate (bottom), '
           f'each easing between keyframes at steps {", ".join(str(s) for s in sorted(set(sched.steps)))}.')
    return page.figure('schedule', plot_schedule, sched, alt=alt)


def training_figure(page: RunPage, variant: VariantRun) -> FigureFiles:
    from excolor.present.figures.training import plot_training_curves

    log = variant.training.log
    final = log['train_recon'].dropna().iloc[-1]
    terms = [c.removeprefix('train_') for c in log.columns if c.startswith('train_') and c not in ('train_loss', 'train_recon')]
    alt = (f'Training curves for the {variant.name} model on a log scale: total loss, reconstruction error (final {final:.2g}) '
           f'and the unweighted regularizer terms {", ".join(terms)}, over {variant.training.steps} steps.')
    return page.figure(_stem(variant, page, 'training'), plot_training_curves, log, title=_title(variant, page, 'Training'), alt=alt)


def condition_figures(page: RunPage, variant: VariantRun, name: str, *, ylim: tuple[float, float] | None = None) -> list[FigureFiles]:
    """Colour slices, error-by-colour lines and latent projections for one condition (plus the scatter if correlated)."""
    c = variant.evaluation[name]
    out = [slices_figure(page, variant, c), errors_figure(page, variant, c, ylim=ylim), latents_figure(page, variant, c)]
    if c.correlation:
        out.append(similarity_figure(page, variant, c))
    return out


def slices_figure(page: RunPage, variant: VariantRun, c: ConditionResult) -> FigureFiles:
    from excolor.present.figures.slices import plot_color_slices

    return page.figure(f'{_stem(variant, page, slug(c.name))}-colors', plot_color_slices, c.slice_grid, _title(variant, page, f'Predicted colours · {c.name}'),
                       alt=f'Colour patches for the {c.name} condition: hue across, value up, one panel per saturation. Each patch is the '
                           f'reconstruction with the true colour as a small inner square; where they differ, the model has lost that colour.')


def errors_figure(page: RunPage, variant: VariantRun, c: ConditionResult, *, ylim: tuple[float, float] | None = None) -> FigureFiles:
    from excolor.present.figures.error_lines import plot_error_lines

    hues = 3 if c.spec.kind == 'none' else 6
    return page.figure(f'{_stem(variant, page, slug(c.name))}-errors', plot_error_lines, c.loss_grid, _title(variant, page, f'Reconstruction error · {c.name}'),
                       ylim=ylim, hues=hues,
                       alt=f'Reconstruction error (MSE) by colour under {c.name}, lines drawn in the colours they measure, against hue, saturation '
                           f'and value. Maximum {c.max_mse:.2g} at {_peak(c)}; median {c.median_mse:.2g}.')


def latents_figure(page: RunPage, variant: VariantRun, c: ConditionResult) -> FigureFiles:
    from excolor.present.figures.latents import plot_latent_projections

    dims = latent_dims(page.experiment.figures.latent_dims, c)
    return page.figure(f'{_stem(variant, page, slug(c.name))}-latents', plot_latent_projections, c.latent_grid, dims, _title(variant, page, f'Latents · {c.name}'),
                       cones=cones_for(c.spec),
                       alt=f'Latent activations of a 20×20×20 RGB cube under {c.name}, one panel per pair of latent dimensions (across, up): '
                           f'{"; ".join(dims_words(d) for d in dims)}, each seen straight down the third; each dot is ringed in its '
                           f'reconstruction and filled with its true colour, on the unit circle.')


def similarity_figure(page: RunPage, variant: VariantRun, c: ConditionResult) -> FigureFiles:
    from excolor.present.figures.similarity import plot_error_vs_similarity

    k = c.correlation
    anchor = page.experiment.evaluation.anchor_hsv
    return page.figure(f'{_stem(variant, page, slug(c.name))}-similarity', plot_error_vs_similarity, c.latent_grid, k, anchor,
                       title=_title(variant, page, f'Error against similarity · {c.name}'),
                       alt=f'Scatter of reconstruction error against similarity to red raised to the power {k.power:g} under {c.name}, '
                           f'8000 RGB colours drawn in their own colours, with a least-squares line: Pearson r = {k.r:.3f}, R² = {k.r2:.3f}.')


def overview_figures(page: RunPage, variant: VariantRun) -> list[FigureFiles]:
    """The paper's overview figure (latents, colour slice, error line) per condition, on one error scale."""
    from excolor.present.figures.overview import plot_overview

    dims = page.experiment.figures.overview_dims
    conds = list(variant.evaluation.conditions.values())
    shared = max(c.max_mse for c in conds if c.spec.kind in ('none', 'ablate', 'prune'))
    out = []
    for c in conds:
        out.append(page.figure(f'{slug(c.name)}-overview', plot_overview, c, latent_dims=latent_dims(dims, c), max_error=shared, cones=cones_for(c.spec),
                               title=c.name.capitalize(),
                               alt=f'Result under {c.name}: two latent projections ({"; ".join(dims_words(d) for d in latent_dims(dims, c))}; top), the reconstructed '
                                   f'fully saturated colours by hue and value (middle) and the error by hue (bottom, shared scale up to {shared:.2g}; '
                                   f'this condition peaks at {c.max_mse:.2g}).'))
    return out


def dims_words(dims: tuple[int | None, ...]) -> str:
    """`z1 across, z0 up` for alt text (a pruned dimension: `pruned`)."""
    return ', '.join(f'{"pruned" if d is None else f"z{d}"} {way}' for d, way in zip(dims, ('across', 'up')))


def latent_dims(dims: list[tuple[int, int, int]], c: ConditionResult) -> list[tuple[int | None, ...]]:
    """Projection triples for a condition; after pruning, later dimensions shift down and pruned ones show as zero."""
    if c.spec.kind != 'prune':
        return [tuple(d) for d in dims]
    pruned = sorted(c.spec.dims)
    return [tuple(None if d in pruned else d - sum(p < d for p in pruned) for d in triple) for triple in dims]


def named_color_table(page: RunPage, variant: VariantRun) -> Table:
    """Per named colour: the error without intervention and its change under each intervention (HTML and LaTeX)."""
    from excolor.present.tables import named_color_table as tidy
    from excolor.present.tables import named_colors_latex, style_named_colors, table_text

    df = tidy(variant.evaluation.named_table())
    label = f'tab:{page.experiment.id}-named-colors' + (f'-{slug(variant.name)}' if len(page.experiment.variants) > 1 else '')
    latex = named_colors_latex(df, caption=f'Reconstruction error by colour and condition ({page.experiment.id}, seed {page.seed})', label=label)
    html = style_named_colors(df).to_html()
    page.table(_stem(variant, page, 'named-colors'), html, latex)
    return Table(html, latex, table_text(df.drop(columns='rgb').set_index('color')))


def shared_error_limit(variant: VariantRun, names: list[str]) -> tuple[float, float]:
    """One y scale for the error lines of the conditions being compared, so their heights compare."""
    top = max(variant.evaluation[n].max_mse for n in names)
    return (0.0, top * 1.05)


def headline(run: ExperimentRun) -> Markdown:
    """Per variant and condition: max and median error, and the error-vs-similarity correlation (each column by one number rule)."""
    from excolor.measure.evaluation import metric_key
    from excolor.present.metric_labels import CONDITIONS, VARIANTS
    from excolor.present.numbers import cell_latex, column

    several = len(run.variants) > 1  # else the one model needs no column
    conditions = [(v, c) for v in run.variants.values() for c in v.evaluation.conditions.values()]
    maxima, medians = (column([getattr(c, stat) for _, c in conditions]) for stat in ('max_mse', 'median_mse'))
    rows = ['| Model ' * several + '| Condition | Max MSE | Median MSE | r (MSE vs sim$^p$) |', '|---' * several + '|---|---:|---:|---:|']
    for (v, c), top, middle in zip(conditions, maxima, medians):
        k = c.correlation
        corr = f'${k.r:+.3f}$ ($p = {k.power:g}$)' if k else ''
        model = f'| {VARIANTS.get(metric_key(v.name), v.name)} ' * several
        condition = CONDITIONS.get(metric_key(c.name), c.name)
        rows.append(f'{model}| {condition} | ${cell_latex(top)}$ | ${cell_latex(middle)}$ | {corr} |')
    return Markdown('\n'.join(rows))

