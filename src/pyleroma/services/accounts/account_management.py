"""An account managing itself: disabling it, deleting it, its notification settings.

- ``disable_account``: the account is deactivated (Pleroma's ``set_activation(false)``):
  its sessions end at once (tokens and pending codes deleted), it can't log in, and what it
  posted is hidden from everyone else (policy/visibility.py hides statuses of inactive
  authors, as Pleroma does) and it is found nowhere (lookups, search, directory). Nothing
  is deleted: an admin may reactivate it (``pyleroma user activate``).
- ``request_deletion``: the account is disabled the same way in the request, then the
  "accounts.delete" job (jobs/account_deletion_jobs.py) removes its content in batches
  and finally the account itself (services/accounts/account_deletion.py: tombstone,
  Delete federated). The request stays short whatever the account posted.
- ``update_notification_settings``: Pleroma's two switches, ``block_from_strangers``
  (applied when notifications are created: services/notifications/notifications.py) and
  ``hide_notification_contents`` (web push payloads without the text:
  services/notifications/push_delivery.py). Keys not sent keep their value; unknown keys
  are ignored, as Pleroma does.

Each verb here is a whole request and commits.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Forbidden
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, OAuthAuthorization, OAuthToken
from pyleroma.services.oauth.secrets import verify_password
from pyleroma.values import Values

DELETE_ACCOUNT_JOB = "accounts.delete"
NOTIFICATION_SWITCHES = ("block_from_strangers", "hide_notification_contents")


def check_password(account: Account, password: str | None) -> None:
    """Pleroma's ``confirm_current_password``: a missing password is a wrong one."""
    if not verify_password(account.password_hash, password or ""):
        raise Forbidden("Invalid password.")


async def end_sessions(session: AsyncSession, account: Account) -> int:
    """Delete every token and pending authorization code of the account; how many tokens.
    Their web push subscriptions go with them (``ON DELETE CASCADE``)."""
    result = await session.execute(delete(OAuthToken).where(OAuthToken.account_id == account.id))
    await session.execute(
        delete(OAuthAuthorization).where(OAuthAuthorization.account_id == account.id)
    )
    return result.rowcount or 0


async def _deactivate(session: AsyncSession, account: Account) -> None:
    account.is_active = False
    await end_sessions(session, account)


async def disable_account(session: AsyncSession, account: Account) -> None:
    """Deactivate ``account`` and end its sessions. Commits."""
    await _deactivate(session, account)
    await session.commit()


async def request_deletion(session: AsyncSession, account: Account) -> None:
    """Deactivate ``account`` now and queue the job that deletes it. Commits.

    One pending deletion job per account (a second request cannot be made anyway: the
    sessions are gone).
    """
    await _deactivate(session, account)
    await enqueue(
        session,
        DELETE_ACCOUNT_JOB,
        {"account_id": account.id},
        unique_key=f"{DELETE_ACCOUNT_JOB}:{account.id}",
    )
    await session.commit()


async def update_notification_settings(
    session: AsyncSession, account: Account, values: Values
) -> dict:
    """Set the switches present in ``values`` (booleans as Pleroma reads them: true/false,
    1/0, "true"/"false"...); a value that is not one is refused (422) before anything is
    stored. Returns the settings now stored. Commits."""
    changes = {name: values.bool(name) for name in NOTIFICATION_SWITCHES if values.has(name)}
    changes = {name: value for name, value in changes.items() if value is not None}
    stored = {name: False for name in NOTIFICATION_SWITCHES}
    stored.update(account.notification_settings or {})
    stored.update(changes)
    # A new dict, so the JSON column sees the change.
    account.notification_settings = stored
    await session.commit()
    return stored
