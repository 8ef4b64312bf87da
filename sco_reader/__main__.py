"""``python -m sco_reader``: the same as the ``sco-reader`` command."""

from .cli import entry

if __name__ == "__main__":
    entry()
