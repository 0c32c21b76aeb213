"""Experiment parameters: the YAML schema, and errors that name the file, line and key.

`load_experiment('params/ex-2.9.1.yaml')` is the only way parameters reach code. Everything
is checked before any work starts: unknown keys (with the closest valid key), types, anchor
lengths against the latent size, label and layer names, and the schedule file itself.

A params file may build on another (`base: ex-2.9.1`, see `excolor.params.layers`), and any value may
be overridden for one run (`overrides={'training.data.labels.red.scale': 0.04}`, the runner's
`--set`). Both are checked like the file itself, and an error names the file and line, or the
`--set`, that wrote the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator

from excolor.params import columns
from excolor.data.color import ColorGrid, arange_cyclic
from excolor.data.labels import QUANTITIES, LabelRule
from excolor.params.layers import ConfigError, Layer, apply_overrides, dotted, locate, merge, parse_overrides, read_with_bases, suggest, value_at
from excolor.params.schedule import KeyframeSchedule, ScheduleError


class Strict(BaseModel):
    model_config = ConfigDict(extra='forbid', frozen=True, allow_inf_nan=False)  # every number finite (`.nan` trains, wrongly)


# ── grids ──────────────────────────────────────────────────────────────────────────────


class Axis(Strict):
    """`num` points from `start` to `stop` inclusive, keeping every `every`-th."""

    start: float
    stop: float
    num: int = Field(gt=0)
    every: int = Field(1, gt=0)

    def values(self) -> np.ndarray:
        return np.linspace(self.start, self.stop, self.num)[:: self.every]


AxisSpec = Union[int, Axis]  # an int n: hue → n steps round the circle; others → linspace(0, 1, n)


def _axis(spec: AxisSpec, cyclic: bool) -> np.ndarray:
    if isinstance(spec, Axis):
        return spec.values()
    return arange_cyclic(1 / spec) if cyclic else np.linspace(0, 1, spec)


class HsvGrid(Strict):
    space: Literal['hsv']
    h: AxisSpec
    s: AxisSpec
    v: AxisSpec

    def build(self) -> ColorGrid:
        return ColorGrid.from_hsv(_axis(self.h, True), _axis(self.s, False), _axis(self.v, False))


class RgbGrid(Strict):
    space: Literal['rgb']
    r: AxisSpec
    g: AxisSpec
    b: AxisSpec
    extra_points: list[tuple[float, float, float]] = []  # appended after the grid (e.g. RGB corners)

    def build(self) -> ColorGrid:
        return ColorGrid.from_rgb(_axis(self.r, False), _axis(self.g, False), _axis(self.b, False))


Grid = Annotated[Union[HsvGrid, RgbGrid], Field(discriminator='space')]


# ── data, labels, model ────────────────────────────────────────────────────────────────


class LabelSpec(Strict):
    quantity: Literal[tuple(QUANTITIES)]  # type: ignore[valid-type]
    power: float = 1.0
    scale: float = Field(1.0, ge=0, le=1)
    mode: Literal['stochastic', 'exact'] = 'stochastic'

    def rule(self) -> LabelRule:
        return LabelRule(self.quantity, self.power, self.scale, self.mode)


class DataSpec(Strict):
    grid: Grid
    sampling: Literal['bias', 'uniform']  # 'bias': the HSV grid's vibrancy-favouring weights
    batch_size: int = Field(64, gt=0)
    epoch_size: int | None = Field(None, gt=0)  # draws per epoch; default: one per point
    labels: dict[str, LabelSpec] = {}  # in the order upstream's collate function drew them
    # How upstream's loader made labels, which decides the stream draw for draw (excolor.data.stream):
    workers: int = Field(gt=0)  # DataLoader workers: batch j is labelled by worker j % workers
    probabilities: Literal['grid', 'batch']  # 'grid': float64 per grid colour (ex-2.9.1); 'batch': float32 per batch


class ModelSpec(Strict):
    kind: Literal['ColorMLP', 'CNColorMLP']
    latent: int = Field(gt=0)
    codec: int = Field(16, gt=0)
    nonlinear: int = Field(1, gt=0)
    sigmoid_out: bool = False

    @property
    def layers(self) -> set[str]:
        return {'encoder', 'decoder'} | ({'bottleneck'} if self.kind == 'CNColorMLP' else set())


# ── regularizers ───────────────────────────────────────────────────────────────────────


class _Reg(Strict):
    name: str  # also the schedule column that weights it
    layer: str
    labels: list[str] | None = None  # None: every sample
    phases: list[Literal['train', 'validate']] = ['train']  # 'validate': also logged (unweighted) in validation


class AnchorSpec(_Reg):
    term: Literal['Anchor', 'AngularAnchor']
    anchor: list[float]


class AntiAnchorSpec(_Reg):
    term: Literal['AntiAnchor']
    anchor: list[float]
    hemi: bool = True


class UnitaritySpec(_Reg):
    term: Literal['Unitarity']


class SeparateSpec(_Reg):
    term: Literal['Separate']
    power: float = 1.0
    shift: bool = True


class SubspaceSpec(_Reg):
    term: Literal['AxisAlignedSubspace', 'Planarity']
    dims: list[int] = [0, 1]
    invert: bool = False


RegularizerSpec = Annotated[Union[AnchorSpec, AntiAnchorSpec, UnitaritySpec, SeparateSpec, SubspaceSpec], Field(discriminator='term')]


# ── training ───────────────────────────────────────────────────────────────────────────


class ValidationSpec(Strict):
    data: DataSpec
    every: int = Field(gt=0)  # training batches between validation passes


Numerics = Literal['exact', 'fast']


class TrainingSpec(Strict):
    schedule: str  # CSV path, relative to the params file
    numerics: Numerics = 'exact'  # 'exact': upstream's arithmetic, bit for bit; 'fast': see excolor.train.trainer
    data: DataSpec
    validation: ValidationSpec | None = None
    log_every: int = Field(50, gt=0)
    # Upstream quirks, reproduced by default (see README, "Faithfulness"):
    schedule_offset_quirk: bool = True  # batch j uses schedule step min(j, len − 2)
    unscheduled_weight: float | None = Field(1.0, ge=0)  # weight of a regularizer with no schedule column; None: refuse


class VariantSpec(Strict):
    """A second model trained with the same seed: a different model and/or fewer regularizers."""

    model: dict[str, Any] = {}  # overrides of `model`
    without: list[str] = []  # regularizer names to drop


# ── interventions and evaluation ───────────────────────────────────────────────────────


class FalloffSpec(Strict):
    a: float = Field(ge=0, le=1)  # cosine threshold
    b: float = Field(ge=0, le=1)
    power: float = Field(1.0, ge=0)


class MapperSpec(Strict):
    kind: Literal['bezier', 'linear']
    a: float = Field(ge=0, lt=1)
    b: float = Field(gt=0, le=1)


class _Condition(Strict):
    name: str
    variants: list[str] | None = None  # which trained models it applies to; None: all


class NoIntervention(_Condition):
    kind: Literal['none']


class SurgerySpec(_Condition):
    kind: Literal['ablate', 'prune']
    dims: list[int]
    layer: str | None = None  # default: the model's latent layer


class SuppressSpec(_Condition):
    kind: Literal['suppress']
    concept: list[float]
    falloff: FalloffSpec
    layer: str | None = None


class RepelSpec(_Condition):
    kind: Literal['repel']
    concept: list[float]
    mapper: MapperSpec
    layer: str | None = None


ConditionSpec = Annotated[Union[NoIntervention, SurgerySpec, SuppressSpec, RepelSpec], Field(discriminator='kind')]


class EvaluationSpec(Strict):
    loss_grid: Grid  # per-colour error curves, max and median error
    slice_grid: Grid  # colour-patch figures
    latent_grid: Grid  # latent plots and error-vs-similarity correlations
    conditions: list[ConditionSpec]
    correlations: dict[str, float] = {}  # condition name → power of the similarity
    anchor_hsv: tuple[float, float, float] = (0.0, 1.0, 1.0)
    score: str | None = None  # condition whose |r| ranks seeds (the 2.9.1 best-seed rule)


class FigureSpec(Strict):
    """Presentation only: which latent dimensions the projection figures show."""

    latent_dims: list[tuple[int, int, int]] = [(1, 0, 2), (1, 2, 0), (1, 3, 0)]
    overview_dims: list[tuple[int, int, int]] = []  # the paper's overview figure (two views)


class SeedRange(Strict):
    start: int = Field(ge=0)
    stop: int = Field(gt=0)

    @model_validator(mode='after')
    def _not_empty(self) -> SeedRange:
        if self.stop <= self.start:
            raise ValueError(f'no seeds: stop ({self.stop}) must be greater than start ({self.start})')
        return self


SeedList = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)]
# A list or a range, told apart by the input's shape, so that an error speaks of the one that was written.
Seeds = Annotated[Union[Annotated[SeedList, Tag('list')], Annotated[SeedRange, Tag('range')]],
                  Discriminator(lambda v: 'list' if isinstance(v, list) else 'range')]


class WideSpec(Strict):
    """Profiles whose seeds train together, `chunk` seeds per run, in fast numerics (`excolor.train.wide`)."""

    profiles: list[str]
    chunk: int = Field(125, gt=0)


class Experiment(Strict):
    id: str
    title: str
    notebook: str  # its template, book/experiments/<notebook>.ipynb: one per kind of experiment, shared by its variants
    base: str | None = None  # the params file this one builds on (excolor.params.layers): only what differs is written
    seed_notebook: str | None = None  # the earlier notebook this reproduces; None: a new experiment
    model: ModelSpec
    regularizers: list[RegularizerSpec]
    training: TrainingSpec
    variants: dict[str, VariantSpec] = {'main': VariantSpec()}
    evaluation: EvaluationSpec
    figures: FigureSpec = FigureSpec()
    seeds: dict[str, Seeds]
    wide: WideSpec | None = None
    source: str = ''  # the params file (filled in by the loader)
    overrides: dict[str, Any] = {}  # the `--set` values that changed something (filled in by the loader)

    @model_validator(mode='after')
    def _profiles(self) -> Experiment:
        for name in ('full', 'quick'):
            if name not in self.seeds:
                raise ValueError(f"seeds: missing profile {name!r}")
        for name in self.wide.profiles if self.wide else ():
            if name not in self.seeds:
                raise ValueError(f"wide: profile {name!r} has no seeds (add it under seeds:)")
        for name, seeds in self.seeds.items():
            if isinstance(seeds, list) and len(set(seeds)) != len(seeds):
                twice = sorted({s for s in seeds if seeds.count(s) > 1})
                raise ValueError(f'seeds.{name}: seed {twice[0]} is listed twice; each seed is one run folder')
        return self

    def science(self) -> dict[str, Any]:
        """Every parameter that can change a number: all but names, seeds, how seeds are grouped into runs, and bookkeeping."""
        return self.model_dump(mode='json', exclude={'id', 'title', 'notebook', 'base', 'seed_notebook', 'seeds', 'wide', 'source', 'overrides'})

    def is_wide(self, profile: str) -> bool:
        """Does `profile` train this experiment's seeds together, in chunks (fast numerics)?"""
        return self.wide is not None and profile in self.wide.profiles

    def chunks(self, profile: str) -> list[list[int]]:
        """The profile's seeds, in runs: one seed each, or `wide.chunk` seeds each for a wide profile."""
        seeds = self.seeds_for(profile)
        size = self.wide.chunk if self.is_wide(profile) else 1
        return [seeds[i : i + size] for i in range(0, len(seeds), size)]

    def seeds_for(self, profile: str) -> list[int]:
        if profile not in self.seeds:
            raise ConfigError(f'{self.source}: seeds: no profile {profile!r} (have {sorted(self.seeds)})')
        s = self.seeds[profile]
        return list(range(s.start, s.stop)) if isinstance(s, SeedRange) else list(s)

    @cached_property
    def schedule(self) -> KeyframeSchedule:
        return KeyframeSchedule.from_csv(Path(self.source).parent / self.training.schedule)

    def column_use(self) -> columns.ColumnUse:
        """Which schedule columns weight which regularizers (`excolor.params.columns`)."""
        return columns.column_use(self.schedule, [r.name for r in self.regularizers], self.training.unscheduled_weight,
                                           'unscheduled_weight' in self.training.model_fields_set)

    def schedule_notes(self) -> list[str]:
        """What the schedule asks for that changes the science quietly: shown before a sweep, kept in provenance."""
        return columns.notes(self.id, self.column_use())

    def train_config(self, variant: str | None = None) -> TrainConfig:
        variant = variant or next(iter(self.variants))
        v = self.variants[variant]
        model = ModelSpec(**{**self.model.model_dump(), **v.model})
        regs = [r for r in self.regularizers if r.name not in v.without]
        return TrainConfig(self.id, variant, model, regs, self.training, self.schedule)


class TrainConfig:
    """Everything `train()` needs for one model: a frozen view onto an `Experiment` variant."""

    def __init__(self, experiment: str, variant: str, model: ModelSpec, regularizers: list, training: TrainingSpec, schedule: KeyframeSchedule):
        self.experiment, self.variant, self.model, self.regularizers = experiment, variant, model, regularizers
        self.training, self.schedule = training, schedule

    def __repr__(self) -> str:
        return f'TrainConfig({self.experiment}/{self.variant}, {self.model.kind}({self.model.latent}), {len(self.regularizers)} regularizers, {self.schedule.length} steps)'


# ── loading ────────────────────────────────────────────────────────────────────────────


def load_experiment(path: str | Path, overrides: Mapping[str, Any] | Iterable[str] | None = None) -> Experiment:
    """Parse and fully check a params file (with its bases, and `overrides`: dotted key → value, or
    `'key=value'` strings); raise `ConfigError` naming the file and line, or the `--set`, of each problem."""
    path = Path(path)
    layers = read_with_bases(path)
    raw = merge(layers)
    asked = parse_overrides(overrides)
    if asked:
        raw, sets = apply_overrides(raw, asked)
        layers = [sets, *layers]
    exp = _validate(raw, path, layers)
    if asked:  # record only what changed something: a value the file already has names no new experiment
        plain = _validate(merge(layers[1:]), path, layers[1:]).model_dump(mode='json')
        done = exp.model_dump(mode='json')
        changed = {k: v for k, v in asked.items() if _value_or_none(done, k) != _value_or_none(plain, k)}
        exp = exp.model_copy(update={'overrides': changed})
    return exp


def _value_or_none(tree: Any, key: str) -> Any:
    try:
        return value_at(tree, key)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _validate(raw: dict[str, Any], path: Path, layers: list[Layer]) -> Experiment:
    def where(loc: tuple) -> str:
        return locate(layers, loc)

    for key in ('source', 'overrides'):
        if key in raw:
            raise ConfigError(f'{where((key,))}: {key}: filled in by the loader; a params file may not set it')
    try:
        exp = Experiment.model_validate({**raw, 'source': str(path)})
    except ValidationError as e:
        raise ConfigError('\n'.join(describe_error(err, where) for err in e.errors())) from None
    problems = list(_cross_checks(exp))
    if problems:
        raise ConfigError('\n'.join(f'{where(loc)}: {dotted(loc)}: {msg}' for loc, msg in problems))
    at = where(('training', 'schedule'))
    try:
        exp.schedule
    except (ScheduleError, OSError) as e:
        raise ConfigError(f'{at}: training.schedule: {e}') from None
    except UnicodeDecodeError as e:
        raise ConfigError(f'{at}: training.schedule: {Path(path).parent / exp.training.schedule}: not UTF-8 text (byte {e.start}); '
                          'save it as UTF-8') from None
    for msg in columns.problems(exp.schedule, exp.column_use()):
        raise ConfigError(f'{at}: training.schedule: {msg}')
    return exp


def _cross_checks(exp: Experiment):
    """Checks that need more than one key: sizes, names and references."""
    labels = set(exp.training.data.labels)
    val_labels = set(exp.training.validation.data.labels) if exp.training.validation else set()
    models = {name: ModelSpec(**{**exp.model.model_dump(), **v.model}) for name, v in exp.variants.items()}
    k = exp.model.latent
    for i, r in enumerate(exp.regularizers):
        if r.layer not in exp.model.layers:
            yield ('regularizers', i, 'layer'), f'unknown layer {r.layer!r} for {exp.model.kind} (have {sorted(exp.model.layers)})'
        for j, lab in enumerate(r.labels or []):
            if lab not in labels:
                yield ('regularizers', i, 'labels', j), f'unknown label {lab!r}' + suggest(lab, labels, 'training.data.labels defines')
            if 'validate' in r.phases and exp.training.validation and lab not in val_labels:
                yield ('regularizers', i, 'labels', j), f'label {lab!r} is validated but training.validation.data.labels does not define it'
        if isinstance(r, (AnchorSpec, AntiAnchorSpec)) and len(r.anchor) != k:
            yield ('regularizers', i, 'anchor'), f'has {len(r.anchor)} values but the latent size (model.latent) is {k}'
        if isinstance(r, SubspaceSpec) and any(d >= k or d < 0 for d in r.dims):
            yield ('regularizers', i, 'dims'), f'dims {r.dims} out of range for latent size {k}'
    names = [r.name for r in exp.regularizers]
    if len(set(names)) != len(names):
        yield ('regularizers',), 'regularizer names must be unique (each is a schedule column)'
    for vname, v in exp.variants.items():
        for j, drop in enumerate(v.without):
            if drop not in names:
                yield ('variants', vname, 'without', j), f'no regularizer named {drop!r}' + suggest(drop, names)
        try:
            ModelSpec(**{**exp.model.model_dump(), **v.model})
        except ValidationError as e:
            yield ('variants', vname, 'model'), e.errors()[0]['msg']
    conds = [c.name for c in exp.evaluation.conditions]
    for i, c in enumerate(exp.evaluation.conditions):
        if isinstance(c, (SuppressSpec, RepelSpec)) and len(c.concept) != k:
            yield ('evaluation', 'conditions', i, 'concept'), f'has {len(c.concept)} values but the latent size is {k}'
        if isinstance(c, SurgerySpec) and any(d >= k or d < 0 for d in c.dims):
            yield ('evaluation', 'conditions', i, 'dims'), f'dims {c.dims} out of range for latent size {k}'
        for j, vn in enumerate(c.variants or []):
            if vn not in models:
                yield ('evaluation', 'conditions', i, 'variants', j), f'no variant {vn!r}' + suggest(vn, models)
        layer = getattr(c, 'layer', None)
        if layer and layer not in exp.model.layers:
            yield ('evaluation', 'conditions', i, 'layer'), f'unknown layer {layer!r}'
    for i, dims in enumerate(exp.figures.latent_dims + exp.figures.overview_dims):
        if any(not 0 <= d < k for d in dims):
            yield ('figures',), f'latent dimensions {list(dims)} out of range for latent size {k}'
    for name in exp.evaluation.correlations:
        if name not in conds:
            yield ('evaluation', 'correlations', name), f'no condition named {name!r}' + suggest(name, conds)
    if exp.evaluation.score and exp.evaluation.score not in exp.evaluation.correlations:
        yield ('evaluation', 'score'), f'{exp.evaluation.score!r} has no correlation to rank by'


def _all_fields() -> set[str]:
    seen, todo = set(), [Strict]
    while todo:
        cls = todo.pop()
        seen |= set(cls.model_fields)
        todo += cls.__subclasses__()
    return seen


def describe_error(err: dict, where: Callable[[tuple], str]) -> str:
    """One pydantic error as `where: key: message`, with the closest valid key for an unknown one."""
    loc = tuple(err['loc'])
    if loc[:1] == ('seeds',) and len(loc) > 2 and loc[2] in ('list', 'range'):  # the Seeds tag, not a key
        loc = loc[:2] + loc[3:]
    msg = err['msg']
    if err['type'] == 'extra_forbidden':
        msg = 'unknown key' + suggest(str(loc[-1]), _all_fields() - {'source'})
    elif err['type'] == 'union_tag_invalid':
        tags = [t.strip(" '") for t in err['ctx']['expected_tags'].split(',')]
        msg = f"unknown {err['ctx']['discriminator'].strip(chr(39))} {err['ctx']['tag']!r}" + suggest(err['ctx']['tag'], tags)
    elif 'input' in err and not isinstance(err['input'], (dict, list)):
        msg += f' (got {err["input"]!r})'
    return f'{where(loc)}: {dotted(loc)}: {msg}'
