"""The ``bangfu`` command installed with the package: the same command line
as the ``bangfu`` binary, run by the compiled core."""

from __future__ import annotations

import sys

from . import _bangfu


def main() -> None:
    """Runs ``bangfu`` with the process's arguments and exits with its code."""
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(_bangfu.run_cli(["bangfu", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
