"""Use cases shared by the three APIs: ``check_*`` validates, the verbs change state."""
