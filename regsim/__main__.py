from regsim.cli import main

raise SystemExit(main())
