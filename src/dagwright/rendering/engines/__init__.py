"""The parts of the Jinja ``adapter`` object that differ per engine: one module each, behind
``JinjaEngine`` (``base.py``), chosen from the adapter type in ``registry.py``."""
