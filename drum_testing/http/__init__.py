"""HTTP as the core sees it: requests, responses, bodies, content types, JSON, multipart.

Bytes and headers only: no web framework, no pandas. Every server type's adapter turns its
own request into a :class:`~drum_testing.http.messages.Request` through here.
"""
