"""Cones that mark where an intervention acts in latent space, and their outline in a projection.

A suppression with falloff threshold `a` edits latents whose cosine to the concept exceeds
`a`: a cone of half-angle arccos(a) round the concept. A repulsion moves that cone's contents
out to cosine `b`, leaving an empty cone of half-angle arccos(b).

Fix over upstream (semantics §9.1): upstream draws half-angle π/2 − a, treating the cosine
threshold as an angle; here the cone is drawn at the exact arccos. The two agree for a = 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.path import Path

from excolor.present.figures.theme import Theme

Dims = tuple[int | None, int | None, int | None]  # latent columns on x, y and depth; None → 0


@dataclass(frozen=True)
class Cone:
    """A cone with its apex at the origin, round `direction` (a latent vector)."""

    direction: tuple[float, ...]
    half_angle_rad: float
    style: Literal['dashed', 'solid'] = 'dashed'

    def __post_init__(self) -> None:
        object.__setattr__(self, 'direction', tuple(float(x) for x in self.direction))  # lists and int concepts too
        if self.style not in ('dashed', 'solid'):
            raise ValueError(f"cone style must be 'dashed' or 'solid', not {self.style!r}")


def cones_for(spec: object) -> list[Cone]:
    """The cone(s) of a suppression (dashed, where it acts) or repulsion (dashed + solid: the hole).

    `spec` is a condition spec from `excolor.params.schema`; it is read by its `kind` so that
    drawing does not import the training stack.
    """
    kind = getattr(spec, 'kind', None)
    if kind == 'suppress':
        return [Cone(tuple(spec.concept), math.acos(spec.falloff.a), 'dashed')]
    if kind == 'repel':
        concept = tuple(spec.concept)
        return [Cone(concept, math.acos(spec.mapper.a), 'dashed'), Cone(concept, math.acos(spec.mapper.b), 'solid')]
    return []


def project(vector: Sequence[float], dims: Dims) -> np.ndarray:
    """The components of a latent vector on (x, y, depth); a None axis reads as 0."""
    v = np.asarray(vector, dtype=float)
    return np.array([0.0 if d is None else v[d] for d in dims])


def cone_outline(cone: Cone, dims: Dims, n: int = 721, eps: float = 1e-3) -> list[np.ndarray]:
    """Polylines `[m, 2]` of the cone seen straight down the depth axis (orthographic).

    The base circle (on the unit sphere) projects to an ellipse, drawn unless it is seen
    edge-on (then it is a segment); if the apex lies outside the ellipse, the two silhouette
    lines run from the apex to the ellipse's tangent points.
    """
    u = project(cone.direction, dims)
    if np.linalg.norm(u) < 1e-12 or cone.half_angle_rad <= 0:
        return []
    u = u / np.linalg.norm(u)
    a = np.array([0.0, 0.0, 1.0]) if abs(u[2]) < 0.9 else np.array([0.0, 1.0, 0.0])
    v = np.cross(u, a)
    v /= np.linalg.norm(v)
    w = np.cross(u, v)
    r = math.sin(cone.half_angle_rad)
    centre = math.cos(cone.half_angle_rad) * u
    t = np.linspace(0, 2 * np.pi, n)
    ring = (centre[None, :] + r * (np.cos(t)[:, None] * v + np.sin(t)[:, None] * w))[:, :2]
    minor = r * np.linalg.svd(np.column_stack([v[:2], w[:2]]), compute_uv=False)[-1]
    if minor < eps:  # edge-on: the base is a segment; the silhouette is a triangle (or the segment)
        offsets = ring - centre[:2]
        along = offsets @ offsets[np.argmax(np.linalg.norm(offsets, axis=1))]
        ends = ring[[np.argmin(along), np.argmax(along)]]
        out = [ends]
        if np.linalg.norm(centre[:2]) > eps:
            out.append(np.array([ends[0], [0.0, 0.0], ends[1]]))
        return out
    out = [ring]
    if not Path(ring).contains_point((0.0, 0.0)):
        towards = math.atan2(centre[1], centre[0])
        rel = (np.arctan2(ring[:, 1], ring[:, 0]) - towards + np.pi) % (2 * np.pi) - np.pi
        out.append(np.array([ring[np.argmin(rel)], [0.0, 0.0], ring[np.argmax(rel)]]))
    return out


def line_style(cone: Cone, theme: Theme) -> dict:
    """Dashed: a thin dashed line with a translucent gap colour so it reads over any colour."""
    fg = theme.foreground
    if cone.style == 'solid':
        return {'color': fg, 'linewidth': theme.val(0.75, dark=1.0), 'linestyle': '-'}
    return {
        'color': fg,
        'linewidth': theme.val(0.75, dark=1.0),
        'linestyle': (0, theme.val((6, 4), dark=(4, 4))),
        'gapcolor': theme.val('#fffa', dark='#222a'),
    }


def draw_cones(ax: Axes, cones: Sequence[Cone], dims: Dims, theme: Theme) -> None:
    for cone in cones:
        for line in cone_outline(cone, dims):
            ax.plot(line[:, 0], line[:, 1], zorder=50, clip_on=False, **line_style(cone, theme))
