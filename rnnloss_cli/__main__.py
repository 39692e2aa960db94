"""``python -m rnnloss_cli``."""

from rnnloss_cli.cli import main

main()
