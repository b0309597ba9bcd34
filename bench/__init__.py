"""Benchmarks of the server types against bare framework apps (and, optionally, DRUM).

``python -m bench.run`` (or ``nox -s bench``) measures start-up, idle memory, and requests/s
and latency of ``/ping/`` and ``/predict/``, and writes ``BENCHMARKS.md``. Not part of the
installed package: it is run from a checkout.
"""
