"""The parameter schedule (semantics §6.6): regularizer weights above, learning rate below.

Keyframe steps are marked with faint vertical lines and each track's own keyframes with
dots, so the figure can be read against the schedule's CSV.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents
from excolor.params.schedule import KeyframeSchedule

LR = 'lr'


DASHES = ('-', (0, (5, 2)), (0, (1, 1.5)), (0, (7, 2, 1, 2)), (0, (3, 3)), (0, (1, 3)))  # each track its own dash, besides its colour


def same_curves(schedule: KeyframeSchedule, names: list[str]) -> list[list[str]]:
    """The tracks grouped by curve: tracks with the same values every step are one line (Ex 2.3's reg-unit and reg-planar), not one hidden under another."""
    groups: list[list[str]] = []
    for name in names:
        values = schedule.values(name)
        match = next((g for g in groups if np.array_equal(schedule.values(g[0]), values)), None)
        if match is None:
            groups.append([name])
        else:
            match.append(name)
    return groups


def draw_tracks(ax: Axes, schedule: KeyframeSchedule, names: list[str], colors: list[str]) -> None:
    steps = np.arange(schedule.length)
    for i, (group, color) in enumerate(zip(same_curves(schedule, names), colors)):
        label = group[0] if len(group) == 1 else ' = '.join(group)
        ax.plot(steps, schedule.values(group[0]), color=color, linewidth=1.4, linestyle=DASHES[i % len(DASHES)], label=label)
        keys = schedule.tracks[group[0]].keys
        ax.plot([k for k, _ in keys], [v for _, v in keys], 'o', color=color, markersize=3)
    ax.margins(x=0.01, y=0.1)


def mark_keyframes(ax: Axes, schedule: KeyframeSchedule, theme: Theme) -> None:
    for step in sorted(set(schedule.steps)):
        ax.axvline(step, color=theme.val('#0002', dark='#fff3'), linewidth=0.6, zorder=0)


def plot_schedule(schedule: KeyframeSchedule, *, theme: Theme) -> Figure:
    """Weights (every track but `lr`) over steps, with `lr` in a smaller panel below."""
    weights = [n for n in schedule.names if n != LR]
    panels = [p for p in (weights, [LR] if LR in schedule.tracks else []) if p]
    fig, axs = plt.subplots(len(panels), 1, figsize=(PAGE_WIDTH, 3), sharex=True, height_ratios=[3, 1][: len(panels)] if len(panels) == 2 else None, squeeze=False)
    palette = accents()
    for ax, names in zip(axs[:, 0], panels):
        colors = [theme.foreground] if names == [LR] else [palette[i % len(palette)] for i in range(len(names))]
        draw_tracks(ax, schedule, names, colors)
        mark_keyframes(ax, schedule, theme)
        ax.set_ylabel('LR' if names == [LR] else 'Weight')
        if names != [LR]:
            ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0))
    axs[-1, 0].set_xlabel('Step')
    return fig
