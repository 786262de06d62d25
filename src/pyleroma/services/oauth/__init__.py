"""OAuth apps and tokens, and the secrets and password hashes behind them."""
