"""``python -m data_access.demo``: build the demo database (see ``demo.cli``)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
