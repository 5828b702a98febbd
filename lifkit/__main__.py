"""``python -m lifkit``: the same as the ``lifkit`` command (useful on Windows when Scripts is not on PATH)."""

from .cli import main

main()
