#!/bin/bash
# Build <work>/<exp>/pkg: the original code's src/ at the notebook's commit, with display and cloud
# modules stubbed (overlay_files/) and one Python 3.12 construct (a PEP 695 generic Protocol)
# rewritten for 3.11. Training and evaluation files are not touched; the diff is printed.
set -e
here=$(cd "$(dirname "$0")" && pwd)
work=$1 e=$2
cd "$work"
rm -rf $e/pkg; cp -r $e/src/src $e/pkg
cp $here/overlay_files/infra__requirements.py $e/pkg/infra/requirements.py
cp $here/overlay_files/mini__experiment.py $e/pkg/mini/experiment.py
cp $here/overlay_files/utils__nb.py $e/pkg/utils/nb.py
cp $here/overlay_files/utils__plt.py $e/pkg/utils/plt.py
cp $here/overlay_files/utils__progress__lightning.py $e/pkg/utils/progress/lightning.py
cp $here/overlay_files/utils__progress____init__.py $e/pkg/utils/progress/__init__.py
rm -rf $e/pkg/ex_color/vis; mkdir $e/pkg/ex_color/vis; cp $here/overlay_files/ex_color__vis____init__.py $e/pkg/ex_color/vis/__init__.py
python3 - $e/pkg/ex_color/loss/objective.py <<'PY'
import sys; p=sys.argv[1]; s=open(p).read()
s=s.replace('from typing import Protocol','from typing import Protocol, TypeVar\nT = TypeVar("T")').replace('class Objective[T](Protocol):','class Objective(Protocol[T]):')
open(p,'w').write(s)
PY
diff -r $e/src/src $e/pkg | grep -E '^(Only|diff)' || true
