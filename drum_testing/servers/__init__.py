"""Server types: thin adapters that run the core, and what serving needs around them.

- :mod:`.registry`: the types, what each needs installed, which load the model in workers;
- :mod:`.serve`: ``drum-testing server``: listen, load the model, run the chosen type;
- :mod:`.wsgi`: the WSGI adapter and the two types that run it (flask, gunicorn);
- :mod:`.asgi`: the ASGI adapter and the type that runs it (fastapi on uvicorn);
- what every type shares: :mod:`.listen`, :mod:`.lifeline`, :mod:`.flusher`,
  :mod:`.worker_ctx`, :mod:`.shutdown`.

Each type imports only its own framework, and only when it runs.
"""
