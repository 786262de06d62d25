"""Local accounts: creating, finding, registering, updating and deleting them."""
