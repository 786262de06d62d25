"""Text a user writes: safe HTML, languages, custom emoji."""
