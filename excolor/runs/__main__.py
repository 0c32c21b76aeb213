from excolor.runs.cli import main

raise SystemExit(main())
