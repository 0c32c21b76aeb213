"""A params file as layers: `--set` overrides, the file, and the files it builds on (`base:`).

Layers merge key by key: mappings merge, anything else (lists, numbers, strings, null) replaces.
A base lends its science and its book profiles; what names or places an experiment is its own
(`NOT_INHERITED`), and so are the extra profiles a base declares for itself (a 1,000-seed wide
sweep, a drift check): a variant lists them again if it wants them.

Each layer remembers where it came from, so an error about any value names the file and line,
or the `--set`, that wrote it. Reading a file also refuses what YAML would accept silently:
duplicate keys (the last one wins) and aliases (which can expand exponentially).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """Parameters that cannot be used; the message says where (file:line, or `--set`) and which key."""


NOT_INHERITED = ('id', 'title', 'seed_notebook', 'wide')  # a variant names itself, reproduces nothing, trains its own way
INHERITED_PROFILES = ('full', 'quick')  # the book's profiles; a base's other profiles stay with it
FIXED = ('id', 'base', 'source')  # not for --set: they say which experiment this is


@dataclass(frozen=True)
class Layer:
    """One source of values: a params file (with its YAML tree, for lines) or the `--set` overrides."""

    name: str  # the file's path, or '--set'
    raw: dict[str, Any]  # what this layer contributes (a base without what it does not lend)
    tree: yaml.Node | None = None
    sets: dict[tuple, str] = field(default_factory=dict)  # --set: location → 'key=value' as given

    def writes(self, loc: tuple) -> bool:
        """Does this layer hold the value at `loc` (itself, or a list or scalar around it)?"""
        if self.sets:
            return any(loc[: len(at)] == at for at in self.sets)
        node: Any = self.raw
        for part in loc:
            if not isinstance(node, dict):
                return True
            if part not in node:
                return False
            node = node[part]
        return True

    def where(self, loc: tuple) -> str:
        """`file:line` of `loc` in this layer, or `--set key=value`."""
        if self.sets:
            at = next(at for at in self.sets if loc[: len(at)] == at)
            return f'--set {self.sets[at]}'
        return f'{self.name}:{line(self.tree, loc)}'


def locate(layers: list[Layer], loc: tuple) -> str:
    """Where the value at `loc` was written: the first layer (overrides, the file, its bases) that holds it."""
    for layer in layers:
        if layer.writes(loc):
            return layer.where(loc)
    top = next(layer for layer in layers if not layer.sets)  # a missing key: the file that should have it
    return top.where(loc)


# ── reading files ──────────────────────────────────────────────────────────────────────


def read_file(path: Path) -> Layer:
    """One params file, checked as text and as YAML; raises `ConfigError` naming the file and line."""
    try:
        text = path.read_text(encoding='utf-8')
    except OSError as e:
        raise ConfigError(f'{path}: cannot read params file ({e.strerror})') from None
    except UnicodeDecodeError as e:
        raise ConfigError(f'{path}: not UTF-8 text (byte {e.start} is {e.object[e.start:e.start + 1]!r}); save it as UTF-8') from None
    try:
        _refuse_aliases(text, path)
        raw = yaml.safe_load(text)
        tree = yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        at = f':{mark.line + 1}' if mark else ''
        raise ConfigError(f'{path}{at}: not valid YAML ({getattr(e, "problem", e)})') from None
    if not isinstance(raw, dict):
        raise ConfigError(f'{path}: expected a mapping of keys at the top level')
    duplicates = [f'{path}:{at}: {dotted(loc)}: duplicate key (first given at line {first}); each key may appear once'
                  for loc, at, first in _duplicate_keys(tree, ())]
    if duplicates:
        raise ConfigError('\n'.join(duplicates))
    return Layer(str(path), raw, tree)


def read_with_bases(path: Path) -> list[Layer]:
    """The file and every file it builds on (`base: <id>`: `<id>.yaml` in the same folder), the file first."""
    layers = [read_file(path)]
    chain = [path.stem]
    while (base := layers[-1].raw.get('base')) is not None:
        child = layers[-1]
        if not isinstance(base, str):
            raise ConfigError(f'{child.where(("base",))}: base: expected the id of another params file (got {base!r})')
        base_path = path.parent / f'{base}.yaml'
        if base in chain:
            raise ConfigError(f'{child.where(("base",))}: base: {" → ".join([*chain, base])} is a cycle')
        if not base_path.is_file():
            have = sorted(p.stem for p in path.parent.glob('*.yaml') if p.stem != path.stem)
            raise ConfigError(f'{child.where(("base",))}: base: no params file {base_path.name} in {path.parent}' + suggest(base, have, 'have'))
        chain.append(base)
        layers.append(read_file(base_path))
    return [layers[0], *(_lent(layer) for layer in layers[1:])]


def _lent(layer: Layer) -> Layer:
    """What a base lends to the file built on it."""
    raw = {k: v for k, v in layer.raw.items() if k not in NOT_INHERITED and k != 'base'}
    if isinstance(raw.get('seeds'), dict):
        raw['seeds'] = {k: v for k, v in raw['seeds'].items() if k in INHERITED_PROFILES}
    return Layer(layer.name, raw, layer.tree)


def merge(layers: list[Layer]) -> dict[str, Any]:
    """The layers' values as one mapping, the first layer winning (mappings merge key by key)."""
    out: dict[str, Any] = {}
    for layer in reversed(layers):
        out = _merged(out, layer.raw)
    return out


def _merged(under: Any, over: Any) -> Any:
    if isinstance(under, dict) and isinstance(over, dict):
        out = dict(under)
        for k, v in over.items():
            out[k] = _merged(under.get(k), v)
        return out
    return copy.deepcopy(over)


# ── overrides ──────────────────────────────────────────────────────────────────────────


def parse_overrides(overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """`{'a.b': 0.04}` as given, or `['a.b=0.04', …]` (the CLI's `--set`; each value read as YAML) → {dotted key: value}."""
    if not overrides:
        return {}
    if isinstance(overrides, Mapping):
        return {str(k): v for k, v in overrides.items()}
    if isinstance(overrides, str):
        overrides = [overrides]
    out: dict[str, Any] = {}
    for item in overrides:
        key, eq, text = str(item).partition('=')
        if not eq or not key.strip():
            raise ConfigError(f'--set {item}: expected KEY=VALUE, e.g. training.data.labels.red.scale=0.04')
        try:
            out[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise ConfigError(f'--set {item}: the value is not valid YAML ({getattr(e, "problem", e)})') from None
    return out


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> tuple[dict[str, Any], Layer]:
    """`raw` with each dotted key replaced by its value, and the `--set` layer that says where they came from.

    Every step of a key but the last must exist (a misspelt label or list index stops here, with the
    closest name); the last may be any key the schema knows, which the schema then checks.
    """
    out = copy.deepcopy(raw)
    sets: dict[tuple, str] = {}
    for key, value in overrides.items():
        given = f'{key}={yaml.safe_dump(value, default_flow_style=True, width=1_000).strip().removesuffix("...").strip()}'
        parts = key.split('.')
        if parts[0] in FIXED:
            raise ConfigError(f'--set {given}: {parts[0]} cannot be overridden; write a params file with `base:` for a new experiment')
        node: Any = out
        loc: list[Any] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(f'--set {given}: {dotted(tuple(loc))} is a list of {len(node)}; {part!r} is not an index in it')
                part = int(part)
            elif isinstance(node, dict):
                if part not in node and not last:
                    raise ConfigError(f'--set {given}: {dotted((*loc, part))}: no such key' + suggest(part, [str(k) for k in node]))
            else:
                raise ConfigError(f'--set {given}: {dotted(tuple(loc))} is a value ({node!r}), not a mapping or list')
            loc.append(part)
            if last:
                node[part] = copy.deepcopy(value)
            else:
                node = node[part]
        sets[tuple(loc)] = given
    return out, Layer('--set', {}, None, sets)


def value_at(tree: Any, key: str) -> Any:
    """The value at a dotted key (list indices as numbers) of a nested mapping, or `KeyError`."""
    node = tree
    for part in key.split('.'):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


# ── text ───────────────────────────────────────────────────────────────────────────────


def dotted(loc: tuple) -> str:
    out = ''
    for part in loc:
        out += f'[{part}]' if isinstance(part, int) else (f'.{part}' if out else str(part))
    return out


def suggest(word: str, options: Iterable[str], lead: str = 'valid') -> str:
    options = list(options)
    close = difflib.get_close_matches(word, options, n=1)
    return f"; did you mean {close[0]!r}?" if close else (f' ({lead}: {sorted(options)})' if options else '')


def line(tree: yaml.Node | None, loc: tuple) -> int:
    """1-based line of the deepest YAML node that `loc` reaches (pydantic's union tags are skipped)."""
    node, at = tree, (tree.start_mark.line + 1 if tree else 1)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                continue
            key, node = match
            at = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            at = node.start_mark.line + 1
    return at


def _refuse_aliases(text: str, path: Path) -> None:
    """Refuse YAML aliases (`*name`) before anything expands them: nested ones grow exponentially (an "alias bomb")."""
    for token in yaml.scan(text):
        if isinstance(token, yaml.AliasToken):
            raise ConfigError(f'{path}:{token.start_mark.line + 1}: alias *{token.value}: params files may not use YAML aliases; '
                              'write the value out')


def _duplicate_keys(node: yaml.Node, loc: tuple):
    """(loc, line, first line) of every key given twice in one mapping: YAML loaders keep the last silently."""
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            at = key.start_mark.line + 1
            if key.value in first:
                yield (*loc, key.value), at, first[key.value]
            first.setdefault(key.value, at)
            yield from _duplicate_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, i))
