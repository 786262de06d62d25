"""Database plumbing: engine and sessions, the declarative base, ids and migrations."""
