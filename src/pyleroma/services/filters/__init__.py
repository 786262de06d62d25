"""Keyword filters: changing them, reading them, applying them."""
