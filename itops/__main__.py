"""``python -m itops`` = the ``itops`` command."""

from itops.cli import main

main()
