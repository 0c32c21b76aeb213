"""Figures: every kind renders in both themes to PNG + dark PNG + PDF with alt text, text stays
readable on either background, and the geometry of the cone annotations is right."""

from __future__ import annotations

import base64
import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.text import Text
from PIL import Image

from excolor.data.color import ColorGrid, arange_cyclic
from excolor.params.schema import NoIntervention, RepelSpec, SuppressSpec
from excolor.measure.evaluation import ConditionResult, error_correlation
from excolor.present.figures import Cone, FigureFiles, Theme, cones_for, save_figure
from excolor.present.figures.axes import hue_ticks_on_grid, pretty_value
from excolor.present.figures.cones import cone_outline
from excolor.present.figures.drift import plot_drift
from excolor.present.figures.error_lines import nearest_hues, plot_error_lines
from excolor.present.figures.latents import plot_latent_projections
from excolor.present.figures.saving import figure_paths
from excolor.present.figures.schedule import plot_schedule
from excolor.present.figures.similarity import plot_error_vs_similarity
from excolor.present.figures.slices import plot_color_slices
from excolor.present.figures.overview import plot_overview
from excolor.present.figures.sweep import plot_metric_distributions
from excolor.present.figures.theme import PAGE_WIDTH, use_theme
from excolor.present.figures.training import plot_training_curves
from excolor.params.schedule import KeyframeSchedule

matplotlib.use('agg')

K = 5  # latent size of the synthetic grids
RED = (1.0, 0.0, 0.0, 0.0, 0.0)


def evaluated(grid: ColorGrid, seed: int = 0) -> ColorGrid:
    """A grid as evaluation leaves it: a slightly wrong reconstruction, its MSE and unit latents."""
    rng = np.random.default_rng(seed)
    color = grid['color']
    recon = np.clip(color + 0.05 * rng.standard_normal(color.shape), 0, 1)
    latents = rng.standard_normal((*grid.shape, K))
    latents /= np.linalg.norm(latents, axis=-1, keepdims=True)
    return grid.assign(recon=recon, MSE=((recon - color) ** 2).mean(-1), latents=latents)


@pytest.fixture(scope='module')
def condition() -> ConditionResult:
    spec = SuppressSpec(name='suppression', kind='suppress', concept=list(RED), falloff={'a': 0.0, 'b': 1.0, 'power': 0.0})
    loss = evaluated(ColorGrid.from_hsv(np.linspace(-1 / 12, 13 / 12, 30), np.linspace(0, 1, 6), np.linspace(0, 1, 6)), 1)
    slices = evaluated(ColorGrid.from_hsv(arange_cyclic(1 / 12), np.linspace(0, 1, 4), np.linspace(0, 1, 5)), 2)
    latent = evaluated(ColorGrid.from_rgb(*[np.linspace(0, 1, 5)] * 3), 3)
    result = ConditionResult('suppression', spec, None, loss, slices, latent, np.zeros(17))
    result.correlation = error_correlation(latent, (0, 1, 1), 2)
    return result


SCHEDULE = KeyframeSchedule.parse('STEP,lr,anchor,separate\n0,1e-8,0,0.1\n+10,0.01,,\n100,0.1,0.1,0.01\n')

LOG = pd.DataFrame(
    {
        'step': np.arange(0, 200, 8),
        'train_loss': np.geomspace(1, 1e-4, 25),
        'train_recon': np.geomspace(0.5, 5e-5, 25),
        'train_anchor': np.r_[np.zeros(5), np.geomspace(1e-2, 1e-3, 20)],  # zeros: not drawn on a log axis
        'lr': np.linspace(0, 0.1, 25),
        'val_loss': [np.nan if i % 5 else 10.0 ** -(i / 6) for i in range(25)],
    }
)

MOVES = pd.DataFrame({'native': [0.0, 3e-7, 2e-4, 0.03], 'mkl-compatible': [1e-6, 0.0, 0.0, 5e-3]}, index=pd.Index(range(4), name='seed'))

PER_SEED = pd.DataFrame({'ablated_r': np.linspace(0.8, 0.98, 12), 'suppression_r': np.linspace(0.86, 0.99, 12)}, index=pd.Index(range(12), name='seed'))


def kinds(c: ConditionResult) -> dict:
    """One draw function per figure kind, as a notebook would write them."""
    return {
        'slices': lambda t: plot_color_slices(c.slice_grid, 'Predicted colors · suppression', theme=t),
        'error-lines': lambda t: plot_error_lines(c.loss_grid, 'Reconstruction error · suppression', theme=t, hues=6),
        'latents': lambda t: plot_latent_projections(c.latent_grid, [(1, 0, 2), (3, 0, 1), (4, None, 0), (2, 3, 0)], 'Latents', theme=t, cones=cones_for(c.spec)),
        'overview': lambda t: plot_overview(c, theme=t, latent_dims=[(3, 0, 1), (3, 2, 0)], max_error=0.01, cones=cones_for(c.spec)),
        'similarity': lambda t: plot_error_vs_similarity(c.latent_grid, c.correlation, (0, 1, 1), theme=t),
        'schedule': lambda t: plot_schedule(SCHEDULE, theme=t),
        'training': lambda t: plot_training_curves(LOG, theme=t),
        'sweep': lambda t: plot_metric_distributions(PER_SEED, ['ablated_r', 'suppression_r'], theme=t, published={'ablated_r': 0.931}, highlight={'best': 11, 'representative': 4}),
        'drift': lambda t: plot_drift(MOVES, theme=t, label='ablation r', threshold=0.01),
    }


def luminance(rgb) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg, bg) -> float:
    """WCAG contrast ratio of a (possibly translucent) text colour over an opaque background."""
    r, g, b, a = to_rgba(fg)
    bg = to_rgba(bg)[:3]
    blended = [a * c + (1 - a) * k for c, k in zip((r, g, b), bg)]
    hi, lo = sorted((luminance(blended), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def unreadable_text(fig) -> list[str]:
    bg = fig.get_facecolor()
    return [f'{t.get_text()!r} {t.get_color()}' for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and contrast(t.get_color(), bg) < 4.5]


KINDS = ['slices', 'error-lines', 'latents', 'overview', 'similarity', 'schedule', 'training', 'sweep', 'drift']


def test_every_kind_is_tested(condition):
    assert sorted(kinds(condition)) == sorted(KINDS)


@pytest.mark.parametrize('kind', KINDS)
def test_every_kind_saves_both_themes_and_a_pdf(kind, condition, tmp_path):
    draw = kinds(condition)[kind]
    problems = []

    def checked(theme: Theme):
        fig = draw(theme)
        problems.extend(f'{theme.name}: {p}' for p in unreadable_text(fig))
        if fig.get_figwidth() > PAGE_WIDTH + 1e-9:  # it would be shrunk on the page, and its text with it
            problems.append(f'{fig.get_figwidth():.2f} in wide')
        return fig

    files = save_figure(checked, tmp_path / f'ex-2.9.1-{kind}', alt='A chart titled "{title}".')
    assert files.light.name == f'ex-2.9.1-{kind}.png' and files.dark.name == f'ex-2.9.1-{kind}.dark.png' and files.pdf.name == f'ex-2.9.1-{kind}.pdf'
    light, dark = files.light.read_bytes(), files.dark.read_bytes()
    assert light[:8] == dark[:8] == b'\x89PNG\r\n\x1a\n'
    assert files.pdf.read_bytes()[:5] == b'%PDF-'
    assert light != dark
    corner = [Image.open(f).convert('RGB').getpixel((1, 1)) for f in (files.light, files.dark)]
    assert corner[0] == (255, 255, 255) and max(corner[1]) <= 0x40, corner
    assert 0 < len(light) < 1_000_000
    assert files.alt.strip() and '{title}' not in files.alt
    assert not problems, problems
    assert not list(tmp_path.glob('.*.tmp')), 'atomic writes left temporary files'


def test_variants_draw(condition):
    """Other inputs of the same kinds: true colours without inner squares, a list of grids as given."""
    c = condition
    with use_theme(Theme('light')) as theme:
        figs = [
            plot_color_slices(c.slice_grid, 'True colors', theme=theme, colors='color', compare=None),
            plot_color_slices(c.latent_grid, '', theme=theme, order=None),  # an RGB grid, in its own order
            plot_error_lines([c.loss_grid.sub(slice(None), slice(5, 6), slice(0, 6, 2))], 'Error', theme=theme, ylim=(0, 0.01)),
        ]
    assert figs[0].get_suptitle() == 'True colors · V vs H by S'
    assert figs[1].get_suptitle() == 'G vs B by R'
    assert figs[2].axes[0].get_ylim() == (0, 0.01)
    for fig in figs:
        plt.close(fig)


def titled(theme: Theme):
    """A minimal figure with a suptitle, for testing the saving machinery itself."""
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    fig.suptitle('Reconstruction error · ablated')
    return fig


def test_figure_files_display_both_themes_and_keep_a_png(tmp_path):
    files = save_figure(titled, tmp_path / 'lines', alt='A chart, "{title}"')
    assert files.title == 'Reconstruction error · ablated'
    assert files.alt == 'A chart, "Reconstruction error · ablated"'
    data, meta = files._repr_mimebundle_()
    html = data['text/html']
    assert 'class="only-light"' in html and 'class="only-dark"' in html
    assert html.count('alt="A chart, &quot;Reconstruction error · ablated&quot;"') == 2
    assert base64.b64decode(data['image/png']) == files.light.read_bytes()
    assert meta['image/png']['alt'] == files.alt
    assert files._repr_png_() == files.light.read_bytes()
    assert str(tmp_path) not in html  # images are embedded, not linked
    assert isinstance(files, FigureFiles)


def test_saving_is_deterministic(tmp_path):
    a = save_figure(titled, tmp_path / 'a', alt='x')
    b = save_figure(titled, tmp_path / 'b', alt='x')
    for x, y in ((a.light, b.light), (a.dark, b.dark), (a.pdf, b.pdf)):
        assert x.read_bytes() == y.read_bytes()


def test_a_shared_axis_factor_reads_as_a_power_of_ten(tmp_path):
    seen = {}

    def small(theme: Theme) -> plt.Figure:
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1e-4, 5e-4])
        seen['ax'] = ax
        return fig

    save_figure(small, tmp_path / 'small', alt='x')
    assert seen['ax'].yaxis.get_offset_text().get_text() == '×10⁻⁴'  # not 1e−4


def test_stems_keep_their_dots():
    assert [p.name for p in figure_paths('out/ex-2.9.1-results')] == ['ex-2.9.1-results.png', 'ex-2.9.1-results.dark.png', 'ex-2.9.1-results.pdf']
    assert [p.name for p in figure_paths('out/fig.png')] == ['fig.png', 'fig.dark.png', 'fig.pdf']


def test_blank_alt_text_is_refused(tmp_path):
    with pytest.raises(ValueError, match='alt text'):
        save_figure(lambda t: plot_schedule(SCHEDULE, theme=t), tmp_path / 's', alt='  ')


def test_theme_values_and_styles_do_not_leak():
    assert Theme('light').val(1, dark=2) == 1 and Theme('dark').val(1, dark=2) == 2 and Theme('dark').val(1, light=3) == 1
    before = dict(matplotlib.rcParams)
    with use_theme(Theme('dark')):
        assert matplotlib.rcParams['figure.facecolor'] == '#333'
    assert dict(matplotlib.rcParams) == before


# ── cones ──────────────────────────────────────────────────────────────────────────────


def test_cones_for_use_the_exact_arccos():
    sup = SuppressSpec(name='s', kind='suppress', concept=list(RED), falloff={'a': 0.5, 'b': 1.0, 'power': 2})
    rep = RepelSpec(name='r', kind='repel', concept=list(RED), mapper={'kind': 'bezier', 'a': 0.0, 'b': 0.5})
    assert cones_for(sup) == [Cone(RED, math.acos(0.5), 'dashed')]
    assert cones_for(rep) == [Cone(RED, math.pi / 2, 'dashed'), Cone(RED, math.acos(0.5), 'solid')]
    assert cones_for(NoIntervention(name='none', kind='none')) == []


def test_hemisphere_seen_side_on_is_a_diameter_and_end_on_the_unit_circle():
    hemi = Cone(RED, math.pi / 2)
    (side,) = cone_outline(hemi, (3, 0, 1))  # concept along y: the base circle is edge-on
    assert np.allclose(sorted(side[:, 0]), [-1, 1], atol=1e-3) and np.allclose(side[:, 1], 0, atol=1e-9)
    (end,) = cone_outline(hemi, (3, 2, 0))  # concept along the depth axis
    assert np.allclose(np.linalg.norm(end, axis=1), 1)
    assert cone_outline(hemi, (1, 2, 3)) == []  # the concept has no component in view


def test_cone_silhouette_touches_the_base_at_the_half_angle():
    cone = Cone(RED, math.radians(60))
    base, silhouette = cone_outline(cone, (0, 1, 2))  # concept along x, base edge-on
    assert np.allclose(base[:, 0], 0.5, atol=1e-3)
    angles = sorted(np.degrees(np.arctan2(silhouette[[0, 2], 1], silhouette[[0, 2], 0])))
    assert np.allclose(angles, [-60, 60], atol=0.5)
    assert np.allclose(silhouette[1], 0)

    tilted = Cone((1.0, 0.0, 1.0, 0.0, 0.0), math.radians(20))  # concept 45° out of the view plane
    ellipse, lines = cone_outline(tilted, (0, 1, 2))
    ang = np.arctan2(ellipse[:, 1], ellipse[:, 0])
    ends = np.arctan2(lines[[0, 2], 1], lines[[0, 2], 0])
    assert ang.min() >= ends.min() - 1e-2 and ang.max() <= ends.max() + 1e-2  # the ellipse lies inside the wedge


# ── axes and views ─────────────────────────────────────────────────────────────────────


def test_hue_ticks_and_nearest_hues():
    assert hue_ticks_on_grid(arange_cyclic(1 / 12))[1] == ['Red', 'Green', 'Blue']
    coords = np.linspace(-1 / 12, 13 / 12, 150)
    picked = coords[nearest_hues(coords, [0, 1 / 3, 2 / 3])]
    assert np.allclose(picked % 1, [0, 1 / 3, 2 / 3], atol=0.005) or np.allclose((picked + 0.5) % 1 - 0.5, [0, 1 / 3, 2 / 3], atol=0.005)
    assert [pretty_value(v) for v in (0, 1 / 3, 0.25, 1, 0.123)] == ['0', '1/3', '1/4', '1', '0.12']


def test_sweep_refuses_an_unknown_seed():
    with pytest.raises(KeyError, match='seed 99'):
        plot_metric_distributions(PER_SEED, ['ablated_r'], theme=Theme('light'), highlight={'best': 99})
