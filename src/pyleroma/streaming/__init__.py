"""Live updates: the WebSocket endpoint and the pub/sub hub (DESIGN.md)."""
