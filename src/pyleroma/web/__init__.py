"""Server-rendered pages (the OAuth login form) and files: static assets and uploads."""
