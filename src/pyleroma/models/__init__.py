"""SQLAlchemy tables, one module per aggregate; importing this package registers them all."""

from pyleroma.models.account import Account
from pyleroma.models.invite import InviteToken
from pyleroma.models.job import Job
from pyleroma.models.oauth import OAuthApp, OAuthAuthorization, OAuthToken
from pyleroma.models.relationship import (
    AccountNote,
    Block,
    DomainBlock,
    Endorsement,
    Follow,
    Mute,
)

__all__ = [
    "Account",
    "AccountNote",
    "Block",
    "DomainBlock",
    "Endorsement",
    "Follow",
    "InviteToken",
    "Job",
    "Mute",
    "OAuthApp",
    "OAuthAuthorization",
    "OAuthToken",
]
