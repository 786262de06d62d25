"""SQLAlchemy tables, one module per aggregate; importing this package registers them all."""

from pyleroma.db import fulltext as _fulltext
from pyleroma.db.base import Base
from pyleroma.models.account import Account, AccountTombstone
from pyleroma.models.account_security import CaptchaChallenge, MfaToken, PasswordResetToken
from pyleroma.models.announcement import (
    Announcement,
    AnnouncementDismissal,
    AnnouncementReaction,
)
from pyleroma.models.backup import Backup
from pyleroma.models.chat import Chat, ChatMessage, ChatMessageReference
from pyleroma.models.config_entry import ConfigEntry
from pyleroma.models.event import Event, EventParticipation
from pyleroma.models.featured_tag import FeaturedTag
from pyleroma.models.filter import Filter, FilterKeyword, FilterStatus
from pyleroma.models.frontend_setting_profile import FrontendSettingProfile
from pyleroma.models.instance import Instance
from pyleroma.models.instance_rule import InstanceRule
from pyleroma.models.instance_secret import InstanceSecret
from pyleroma.models.interaction import (
    Bookmark,
    BookmarkFolder,
    Favourite,
    PollVote,
    StatusPin,
    StatusReaction,
    ThreadMute,
)
from pyleroma.models.invite import InviteToken
from pyleroma.models.job import Job
from pyleroma.models.marker import Marker
from pyleroma.models.media import MediaAttachment, Poll, ScheduledStatus
from pyleroma.models.moderation_log import ModerationLog
from pyleroma.models.oauth import OAuthApp, OAuthAuthorization, OAuthToken
from pyleroma.models.preview_card import PreviewCard, StatusPreviewCard
from pyleroma.models.push_subscription import PushSubscription
from pyleroma.models.relationship import (
    AccountNote,
    AccountSubscription,
    Block,
    DomainBlock,
    Endorsement,
    Follow,
    Mute,
)
from pyleroma.models.report import Report
from pyleroma.models.report_note import ReportNote
from pyleroma.models.scrobble import Scrobble
from pyleroma.models.status import (
    Hashtag,
    IdempotencyKey,
    Status,
    StatusEdit,
    StatusMention,
    StatusTag,
)
from pyleroma.models.suggestion import SuggestionDismissal
from pyleroma.models.tag_follow import TagFollow
from pyleroma.models.timeline import (
    Conversation,
    ConversationParticipation,
    HomeTimelineEntry,
    List,
    ListAccount,
    Notification,
)

__all__ = [
    "ModerationLog",
    "ConfigEntry",
    "FrontendSettingProfile",
    "ReportNote",
    "BookmarkFolder",
    "FeaturedTag",
    "PreviewCard",
    "StatusPreviewCard",
    "AccountSubscription",
    "Backup",
    "CaptchaChallenge",
    "MfaToken",
    "PasswordResetToken",
    "Chat",
    "ChatMessage",
    "ChatMessageReference",
    "Event",
    "EventParticipation",
    "Scrobble",
    "AccountTombstone",
    "Announcement",
    "AnnouncementDismissal",
    "AnnouncementReaction",
    "Report",
    "Filter",
    "FilterKeyword",
    "FilterStatus",
    "Instance",
    "InstanceRule",
    "InstanceSecret",
    "PushSubscription",
    "Marker",
    "Bookmark",
    "Conversation",
    "ConversationParticipation",
    "Favourite",
    "Hashtag",
    "HomeTimelineEntry",
    "IdempotencyKey",
    "List",
    "ListAccount",
    "MediaAttachment",
    "Notification",
    "Poll",
    "PollVote",
    "ScheduledStatus",
    "Status",
    "StatusEdit",
    "StatusMention",
    "StatusPin",
    "StatusReaction",
    "StatusTag",
    "SuggestionDismissal",
    "TagFollow",
    "ThreadMute",
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

# Search indexes the models cannot describe (FTS5 table and triggers, PostgreSQL GIN and
# pattern indexes), created with the tables: see db/fulltext.py.
_fulltext.install(Base.metadata.tables)
