"""The pure domain of Relance.

Nothing here imports Django, reads the clock, the environment or a file: every input,
"today" included, is a parameter. An import-linter contract in pyproject.toml keeps it so.
"""
