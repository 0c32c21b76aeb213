"""What a sweep prints: a bar on a terminal, one line per finished run otherwise, and a final table."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from excolor.runs.layout import ERROR


class Progress:
    """Counts runs done / cached / failed; a tqdm bar (with elapsed time and ETA) on a TTY, plain lines in logs."""

    def __init__(self, total: int, *, stream: TextIO | None = None, tty: bool | None = None, desc: str = 'runs'):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = total
        self.counts: Counter[str] = Counter()
        self.bar = tqdm(total=total, desc=desc, unit='run', file=self.stream, dynamic_ncols=True, smoothing=0.1) if self.tty else None

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    def add(self, n: int) -> None:
        """More runs than planned at the start (the showcase runs, known once a summary exists)."""
        self.total += n
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def cached(self, n: int, what: str = '') -> None:
        """Runs that were already complete: counted, but only one line for all of them."""
        if n <= 0:
            return
        self.counts['cached'] += n
        if self.bar is not None:
            self.bar.update(n)
            self._postfix()
        else:
            self._line(f'{n} cached{f" ({what})" if what else ""}')

    def update(self, outcome: dict[str, Any]) -> None:
        status = outcome['status']
        self.counts[status] += 1
        text = f'{status:<6} {outcome["name"]}  {outcome.get("seconds", 0):.1f} s  {outcome.get("worker") or ""}'
        if outcome.get('error'):
            text += f'\n         {outcome["error"]}' + (f' (details: {outcome["details"]})' if outcome.get('details') else '') + full_disk_hint(outcome['error'])
        if outcome.get('note'):
            text += f'\n         note: {outcome["note"]}'
        if self.bar is not None:
            if status == 'failed':
                self.bar.write(text, file=self.stream)
            self.bar.update(1)
            self._postfix()
        else:
            self._line(text)

    def message(self, text: str) -> None:
        """One line about the sweep as a whole (not a run), above the bar."""
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def _postfix(self) -> None:
        self.bar.set_postfix({k: self.counts[k] for k in ('done', 'cached', 'failed')}, refresh=True)

    def _line(self, text: str) -> None:
        print(f'[{self.finished:>{len(str(self.total))}}/{self.total}] {text}', file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def summary_table(outcomes: list[dict[str, Any]], seconds: float) -> str:
    """Per experiment: seed runs done / cached / failed, the summary's and the showcase runs' status, time spent; then every failure."""
    rows: dict[str, Counter] = {}
    summary: dict[str, str] = {}
    shown: dict[str, Counter] = {}
    busy: Counter[str] = Counter()
    for o in outcomes:
        exp = o['experiment']
        rows.setdefault(exp, Counter())
        if o['kind'] == 'summary':
            summary[exp] = o['status']
        elif o['kind'] == 'showcase':
            shown.setdefault(exp, Counter())[o['status']] += 1
        else:
            rows[exp][o['status']] += 1
        busy[exp] += o.get('seconds') or 0.0
    head = f'{"experiment":<14} {"runs":>5} {"done":>5} {"cached":>6} {"failed":>6}  {"summary":<8} {"showcase":<13} {"run time":>9}'
    lines = [head, '-' * len(head)]
    for exp, c in rows.items():
        show = '/'.join(sorted(shown.get(exp, {}))) or '-'  # e.g. done, cached/done
        lines.append(f'{exp:<14} {sum(c.values()):>5} {c["done"]:>5} {c["cached"]:>6} {c["failed"]:>6}  {summary.get(exp, "-"):<8} '
                     f'{show:<13} {busy[exp]:>8.1f}s')
    total = Counter(o['status'] for o in outcomes if o['kind'] == 'seed')
    lines.append('-' * len(head))
    lines.append(f'{"total":<14} {sum(total.values()):>5} {total["done"]:>5} {total["cached"]:>6} {total["failed"]:>6}  '
                 f'{"":<8} {"":<13} {seconds:>8.1f}s wall')
    failed = [o for o in outcomes if o['status'] == 'failed']
    if failed:
        lines += ['', f'{len(failed)} failed:']
        lines += [f'  {o["name"]}: {o.get("error") or "failed"}{full_disk_hint(o.get("error") or "")}' + _details(Path(o['folder']) / ERROR)
                  for o in failed]
    return '\n'.join(lines)


def full_disk_hint(error: str) -> str:
    """What to do about a run that failed for want of space, as the up-front folder check says it."""
    return '; free some space, then run the same command again' if 'No space left on device' in error or 'Disk quota exceeded' in error else ''


def _details(error_txt: Path) -> str:
    try:
        size = error_txt.stat().st_size
    except OSError:
        return ''
    return f'\n    see {error_txt}' if size else f'\n    ({error_txt} is empty: the disk was too full to record the traceback)'

