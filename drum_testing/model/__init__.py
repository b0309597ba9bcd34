"""The model folder: finding it, loading it, and calling its hooks, taking turns.

:class:`~drum_testing.model.model.Model` loads a folder once and has one method per kind of
request; it knows nothing of HTTP.
"""
