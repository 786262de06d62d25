"""Notifications and their web push delivery."""
