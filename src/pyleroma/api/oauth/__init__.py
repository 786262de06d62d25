"""OAuth 2: apps, the login form, tokens, revocation and scopes."""
