"""``python -m dagwright``: the console script."""

from dagwright.launch import entry

entry()
