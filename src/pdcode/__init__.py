"""pdcode: reproducible, scriptable qualitative coding for teacher PD research."""

__version__ = "0.1.0"
