"""Configuration: every option, variable and runtime parameter, read once into :class:`Settings`.

The lowest layer: it imports nothing else of the package. The command line and the test kit
are built from it, and everything above reads the frozen settings it makes.
"""
