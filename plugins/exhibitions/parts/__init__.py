"""The plugin's three parts, each declaring what it registers (see hooks.py)."""
