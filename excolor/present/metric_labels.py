"""What a metric key means, in words a reader sees: the one mapping from `metrics.json` keys to labels.

Keys are `[<variant>_]<condition>_<statistic>` (see `excolor.measure.evaluation`), e.g.
`with_unitarity_ablated_max_mse` → "Max MSE, ablation (with unitarity)". Every figure and table a
reader sees goes through `label`, so no snake_case key reaches a page. The correlation names the
power of the similarity it was computed against (`r (MSE vs sim³)`): the method uses p = 3 for
ablation and pruning and p = 2 for suppression and repulsion, and a run records its own
(`<condition>_power`), which wins when given.

Errors are per-colour MSE over the three RGB channels, each in [0, 1] (`MSE_UNIT`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

VARIANTS = {  # in the order the paper discusses them
    'sigmoid': 'sigmoid model',
    'linear': 'linear model',
    'with_unitarity': 'with unitarity',
    'without_unitarity': 'without unitarity',
}
CONDITIONS = {
    'no_intervention': 'no intervention',
    'suppression': 'suppression',
    'repulsion': 'repulsion',
    'ablated': 'ablation',
    'pruned': 'pruning',
}
DEFAULT_POWER = {'ablated': 3, 'pruned': 3, 'suppression': 2, 'repulsion': 2}
MSE_UNIT = 'MSE per colour, mean over R, G, B in [0, 1]'
_SUPERSCRIPT = str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹')

# Statistics of one condition, longest suffix first (so `_median_mse` is not read as `_mse`).
STATISTICS = {
    'max_mse': 'Max MSE',
    'median_mse': 'Median MSE',
    'r2': 'R²',
    'r': 'r',
    'p': 'p-value of r',
    'power': 'power of sim',
    'abs': '|r|',
}
# Whole keys that are not `<condition>_<statistic>`.
OTHER = {
    'score': '|r| of the main intervention, which ranks seeds',
    'train_seconds': 'training time (s)',
    'labels_n_total': 'samples drawn',
    'labels_red': 'red labels drawn',
    'labels_vibrant': 'vibrant labels drawn',
    'labels_desaturated': 'desaturated labels drawn',
    'final_lr': 'final learning rate',
    'final_train_loss': 'final training loss',
    'final_train_recon': 'final reconstruction loss',
}
# Quantities the reader is shown first; the rest (p-values, powers, |r|, training logs) are bookkeeping.
HEADLINE_STATISTICS = ('r', 'max_mse', 'median_mse')


def superscript(n: float) -> str:
    return f'{n:g}'.translate(_SUPERSCRIPT)


def parse(key: str) -> tuple[str | None, str | None, str]:
    """`(variant, condition, rest)`; variant and condition are None where the key has none."""
    variant = next((v for v in VARIANTS if key.startswith(v + '_')), None)
    rest = key[len(variant) + 1:] if variant else key
    condition = next((c for c in CONDITIONS if rest.startswith(c + '_')), None)
    return variant, condition, rest[len(condition) + 1:] if condition else rest


def statistic_label(stat: str, condition: str | None, power: float | None) -> str:
    if stat == 'r' and condition:
        p = power if power is not None else DEFAULT_POWER.get(condition)
        return f'r (MSE vs sim{superscript(p)})' if p is not None else 'r (MSE vs sim)'
    if stat in STATISTICS:
        return STATISTICS[stat]
    if stat.startswith('mse_'):
        return f'MSE of {stat[4:].replace("_", " ")}'
    if stat.startswith('final_train_reg_'):
        return f'final {stat[len("final_train_reg_"):].replace("_", "-")} term'
    return OTHER.get(stat, stat.replace('_', ' '))


def label(key: str, power: float | None = None) -> str:
    """A reader's label for a metric key, e.g. `Max MSE, ablation (with unitarity)`."""
    variant, condition, stat = parse(key)
    text = statistic_label(stat, condition, power)
    if condition:
        text += f', {CONDITIONS[condition]}'
    if variant:
        text += f' ({VARIANTS[variant]})'
    return text


def power_of(key: str, values: Mapping[str, float]) -> float | None:
    """The similarity power a run recorded for this key's condition (`<variant>_<condition>_power`), if any."""
    variant, condition, stat = parse(key)
    if stat != 'r' or not condition:
        return None
    prefix = f'{variant}_' if variant else ''
    value = values.get(f'{prefix}{condition}_power')
    return None if value is None else float(value)


def labels(keys: Iterable[str], values: Mapping[str, float] | None = None) -> dict[str, str]:
    """Labels for many keys; `values` (one run's metrics, or per-metric means) supplies recorded powers."""
    values = values or {}
    return {k: label(k, power_of(k, values)) for k in keys}


def is_headline(key: str) -> bool:
    """A correlation, max or median error of some condition: what a summary shows first."""
    _, condition, stat = parse(key)
    return condition is not None and stat in HEADLINE_STATISTICS
