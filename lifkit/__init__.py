"""lifkit: an offline toolkit for a Local Safeguarding Children Board administrator."""

__version__ = "0.1.0"
