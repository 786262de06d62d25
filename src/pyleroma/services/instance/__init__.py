"""The instance itself: metadata, announcements, features, health, source, WebFinger."""
