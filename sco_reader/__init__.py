"""sco-reader: a terminal reader for news bulletins."""

__version__ = "0.1.0"
