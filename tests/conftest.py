"""Shared test setup: a fixed terminal width so golden output is stable."""

import os

os.environ["COLUMNS"] = "100"
os.environ.setdefault("NO_COLOR", "1")
