"""The activity pipeline: every action that federates, local or remote, takes one path.

``build_*`` (build.py) turns a local action into an ``Activity``; a remote one becomes the
same value after normalisation and resolution (normalize.py, then the receive job);
``pipeline.run`` passes it through the policies (policies.py, the hook MRF uses), the
``handle_*`` function of its type (handlers/), which persists and collects an ``Effects``
value, then commits once and releases the effects. See docs/activities.md.
"""
