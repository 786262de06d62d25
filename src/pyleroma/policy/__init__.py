"""Who may see what: one module decides, and every read path asks it."""
