"""The WSGI server types, flask (werkzeug) and gunicorn, over one WSGI adapter."""
