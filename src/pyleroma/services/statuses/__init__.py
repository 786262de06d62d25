"""Statuses: posting, editing, deleting, reading, and what people do with them."""
