"""`python -m excolor.runs`: run a profile's sweep (cached, resumable), list its plan, or check that it is fresh.

Exit status: 0 all good; 1 runs failed (run) or are missing/stale (status, check); 2 the
parameters do not load or the output folder cannot be written (nothing was run); 130 interrupted
(Ctrl-C: finished runs are kept, the same command resumes).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import Counter

from excolor.runs.layout import PROFILES, Layout

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_INTERRUPTED = 0, 1, 2, 130


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog='python -m excolor.runs', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('command', nargs='?', choices=('run', 'status', 'check'), default='run',
                    help='run (default): execute missing and stale runs; status: every run\'s state; check: only the problems')
    ap.add_argument('--profile', default='full', help=f'which seeds (params: seeds.<profile>): {", ".join(PROFILES)} or one a params file adds (e.g. wide); default full')
    ap.add_argument('--experiment', '-e', action='extend', nargs='+', metavar='ID', help='only these experiments (default: every params/*.yaml)')
    ap.add_argument('--set', action='append', dest='overrides', metavar='KEY=VALUE',
                    help='override one parameter of the experiments, e.g. training.data.labels.red.scale=0.04 (repeatable; VALUE is YAML); '
                         'runs go to runs/<profile>/<id>~<KEY=VALUE>/ and are cached by what they compute')
    ap.add_argument('--study', action='extend', nargs='+', metavar='NAME', dest='studies',
                    help='only these parameter studies (params/studies/NAME.yaml); default with no -e/--set: every experiment and study')
    ap.add_argument('--force', action='store_true', help='re-run even complete runs (and summaries)')
    ap.add_argument('--workers', type=int, help='local worker processes (default: one per core)')
    ap.add_argument('--scheduler', metavar='tcp://HOST:PORT', help='use an existing Dask cluster instead of a local one')
    ap.add_argument('--runs-dir', help='output root (default: $EXCOLOR_RUNS, else <repo>/runs)')
    ap.add_argument('--no-summary', action='store_true', help='skip the per-experiment summary notebooks')
    ap.add_argument('--list', action='store_true', help='print the plan (every run and its state) and exit')
    ap.add_argument('--timeout', type=int, help='seconds any one notebook cell may take (default: no limit)')
    adv = ap.add_argument_group('advanced (tests, benchmarks)')
    adv.add_argument('--engine', default='excolor-warm', help='papermill engine: excolor-warm (default) or nbclient (a cold kernel per run)')
    adv.add_argument('--preload', help='comma-separated modules a warm kernel imports once (default: torch, lightning, …)')
    adv.add_argument('--warm', help='comma-separated library modules imported once to warm their imports, then forgotten')
    adv.add_argument('--params-dir', help='params folder (default: <repo>/params)')
    adv.add_argument('--templates-dir', help='experiment notebook templates (default: <repo>/book/experiments)')
    adv.add_argument('--summary-template', help='the summary notebook (default: <repo>/book/results/sweep.ipynb)')
    return ap


def rerun_command(args: argparse.Namespace) -> str:
    """The command that runs what `status`/`check` found missing, on the same folders: every folder option given is echoed."""
    words = ['python', '-m', 'excolor.runs', '--profile', args.profile]
    if getattr(args, 'scheduler', None):
        words += ['--scheduler', args.scheduler]
    if args.experiment:
        words += ['-e', *args.experiment]
    for item in getattr(args, 'overrides', None) or []:
        words += ['--set', item]
    if getattr(args, 'studies', None):
        words += ['--study', *args.studies]
    for option in ('runs_dir', 'params_dir', 'templates_dir', 'summary_template'):
        if getattr(args, option):
            words += [f'--{option.replace("_", "-")}', getattr(args, option)]
    if args.no_summary:
        words.append('--no-summary')
    return shlex.join(words)


def _modules(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(m.strip() for m in text.split(',') if m.strip())


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from excolor.params.schema import ConfigError  # imports torch: not for --help

    layout = Layout.make(args.runs_dir, args.params_dir, args.templates_dir, args.summary_template)
    try:
        if args.command in ('status', 'check'):
            return _check(args, layout)
        return _run(args, layout)
    except ConfigError as e:
        print(f'error: the parameters do not load; nothing was run:\n{e}', file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print(f'\ninterrupted: finished runs are kept and a half-done run leaves no trace; run `{rerun_command(args)}` to resume',
              file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace, layout: Layout) -> int:
    from excolor.runs.folders import OutputError
    from excolor.runs.plan import make_plan

    plan = make_plan(args.profile, args.experiment, layout, overrides=args.overrides, studies=args.studies)  # every params file checked before any work
    for line in plan.notes:
        print(f'note: {line}', file=sys.stderr)
    if args.list:
        for job in [j for ep in plan.experiments.values() for j in ep.jobs()]:
            print(f'{job.state():<9} {job.name:<32} {job.folder}')
        return EXIT_OK
    from excolor.runs.progress import summary_table
    from excolor.runs.sweep import ClusterError, run_sweep

    try:
        result = run_sweep(plan, force=args.force, workers=args.workers, scheduler=args.scheduler, summaries=not args.no_summary,
                           engine=args.engine, preload=_modules(args.preload), warm=_modules(args.warm), timeout=args.timeout)
    except (OutputError, ClusterError) as e:
        print(f'error: {e}', file=sys.stderr)
        return EXIT_UNUSABLE
    print(summary_table(result.outcomes, result.seconds))
    if result.failed:
        print(f'\n{len(result.failed)} failed: ' + ', '.join(o['name'] for o in result.failed), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _check(args: argparse.Namespace, layout: Layout) -> int:
    from excolor.params.schema import ConfigError
    from excolor.runs.check import check
    from excolor.runs.plan import make_plan

    problems = check(args.profile, args.experiment, runs_dir=layout.runs_dir, params_dir=layout.params_dir,
                     templates_dir=layout.templates_dir, summary_template=layout.summary_template, summaries=not args.no_summary,
                     overrides=args.overrides, studies=args.studies)
    if any(p.kind == 'config' for p in problems):
        raise ConfigError('\n'.join(p.detail for p in problems if p.kind == 'config'))
    if args.command == 'status':
        plan = make_plan(args.profile, args.experiment, layout, overrides=args.overrides, studies=args.studies)
        print(f'{"experiment":<14} {"complete":>8} {"stale":>6} {"failed":>6} {"missing":>7}  summary')
        for name, ep in plan.experiments.items():
            c = Counter(j.state() for j in ep.runs)
            print(f'{name:<14} {c["complete"]:>8} {c["stale"]:>6} {c["failed"]:>6} {c["missing"]:>7}  '
                  f'{ep.summary.state() if ep.summary and not args.no_summary else "-"}')
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} problem(s) for profile {args.profile!r} in {layout.runs_dir}; run `{rerun_command(args)}`', file=sys.stderr)
        return EXIT_FAILED
    if args.command == 'check':
        print(f'all runs of profile {args.profile!r} are complete and up to date ({layout.runs_dir})')
    return EXIT_OK
