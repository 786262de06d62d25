"""Uploaded media and profile images: checked, processed, stored and cleaned up."""
