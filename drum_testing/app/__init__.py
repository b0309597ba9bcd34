"""The core: every route, error rule and header, written once for every server type.

:class:`~drum_testing.app.core.PredictionCore` turns a
:class:`~drum_testing.http.messages.Request` into a
:class:`~drum_testing.http.messages.Response`; the route table is
:mod:`~drum_testing.app.routes`, and each route's handler a plain function in
:mod:`.metadata`, :mod:`.scoring` or :mod:`.chat`.
"""
