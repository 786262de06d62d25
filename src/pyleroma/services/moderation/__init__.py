"""Reports, and later the admin's moderation actions."""
