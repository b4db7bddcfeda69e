"""The web side: dashboard, agent API, /healthz and /metrics (Starlette + uvicorn)."""
