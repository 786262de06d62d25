"""The emoji reactions of a page of statuses, read in the page's batch (status_batches.py).

Two reads, both built once:

- ``REACTIONS``: every reaction to the page's statuses that the status caches do not hold
  yet, as (status id, emoji, image URL, account id), oldest first. What a status was
  reacted with is the same for every viewer, so it is kept in the status's bundle
  (cache/entities.py) and invalidated with it: ``status_reactions`` rows name their status
  (cache/changes.py ``TRACKED``), and a deleted account's reactions are deleted by status
  before the account goes (services/accounts/account_deletion.py).
- ``HIDDEN_REACTORS``: the reacting accounts of the page a viewer is not shown, as Pleroma
  hides them (``EmojiReactionController.filter_allowed_users`` and its active-users check):
  deactivated accounts for everyone, and for a signed-in viewer the accounts they block
  and, unless the client asks ``with_muted``, those they mute (timed mutes still running).
  This depends on the viewer and on accounts' state, so it is read per request, and only
  for a page that may have reactions (a warm page whose cached bundles hold none reads
  nothing more).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, DateTime, bindparam, exists, literal_column, select, union_all

from pyleroma.db.fastread import Prepared, in_list
from pyleroma.models import Account, Block, Mute, StatusReaction
from pyleroma.policy.relations import mute_in_force

VIEWER = bindparam("viewer_id", type_=BigInteger)
NOW = bindparam("now", type_=DateTime())

# Why an account's reactions are left out: for everyone (deactivated, or blocked by the
# viewer) or only unless the client asks ``with_muted``.
HIDDEN, MUTED = 1, 2

REACTIONS = Prepared(
    select(
        StatusReaction.status_id,
        StatusReaction.emoji,
        StatusReaction.emoji_url,
        StatusReaction.account_id,
    )
    .where(in_list(StatusReaction.status_id, "bundle_ids"))
    .order_by(StatusReaction.id)
)


def _reactors(why: int):
    return (
        select(StatusReaction.account_id, literal_column(str(why), BigInteger).label("why"))
        .join(Account, Account.id == StatusReaction.account_id)
        .where(in_list(StatusReaction.status_id, "status_ids"))
    )


_INACTIVE = Account.is_active.is_(False)
HIDDEN_REACTORS = {
    False: Prepared(_reactors(HIDDEN).where(_INACTIVE)),
    True: Prepared(
        union_all(
            _reactors(HIDDEN).where(
                _INACTIVE
                | exists().where(
                    Block.account_id == VIEWER, Block.target_id == StatusReaction.account_id
                )
            ),
            _reactors(MUTED).where(
                exists().where(
                    Mute.account_id == VIEWER,
                    Mute.target_id == StatusReaction.account_id,
                    mute_in_force(NOW),
                )
            ),
        )
    ),
}
