"""The ASGI server type, fastapi on uvicorn, over the ASGI adapter."""
