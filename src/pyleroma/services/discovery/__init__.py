"""Finding things: search, the directory and suggestions, hashtags."""
