"""Talking to other servers: outgoing requests and the guards they go through."""
