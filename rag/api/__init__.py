"""The HTTP layer: routers per area over the one pipeline (`rag/server.py` assembles them)."""
