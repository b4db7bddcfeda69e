"""``python -m itops_agent``."""

from itops_agent.cli import main

raise SystemExit(main())
