"""``handle_*`` functions, one module per family of activities; ``HANDLERS`` maps types.

A handler persists the activity's rows in the session and returns an ``Effects`` value; it
never commits and never emits (``pipeline.run`` does both, once). It may assume the
activity passed validation and the policies: its actor and object are resolved rows and
the actor may act on the object.
"""
