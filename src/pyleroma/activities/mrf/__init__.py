"""MRF: the moderation policies applied to what arrives from other servers (Pleroma's
Message Rewrite Facility). ``base.py`` is what policies are built on, ``chain.py`` runs the
configured chain, and each policy is a module of its own. See docs/mrf.md."""

from pyleroma.activities.mrf.base import MrfContext, Policy
from pyleroma.activities.mrf.chain import (
    filter_activity,
    filter_actor,
    filter_fetched_post,
    is_blocked_host,
    policies_for,
    rejected_hosts,
    transparency,
)
from pyleroma.activities.policies import Rejected

__all__ = [
    "MrfContext",
    "Policy",
    "Rejected",
    "filter_activity",
    "filter_actor",
    "filter_fetched_post",
    "is_blocked_host",
    "policies_for",
    "rejected_hosts",
    "transparency",
]
