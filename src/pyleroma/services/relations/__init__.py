"""Relations between accounts: follows, blocks, mutes, endorsements, notes, and reading them."""
