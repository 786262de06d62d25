"""The shape of the benchmark data set: who is who, who follows whom, who posts how much.

Everything here is a pure function of the parameters and the seed, so the same command
produces the same accounts, follow graph, texts and ids on every run (only OAuth token
secrets are random). The follow graph is never held in memory: an account's followees are
re-derived from a per-account seed whenever a phase needs them.

Account roles, by index (ids grow with the index):

- ``0``: the *author*, followed by exactly ``author_followers`` regular accounts; the
  ``POST /api/v1/statuses`` benchmark posts as this account, so one post fans out to 1,000
  home timelines at full size.
- ``1 .. quiet_accounts``: the *quiet* accounts, which post rarely (``quiet_statuses`` each
  over the whole period) and are followed only by the quiet cohort.
- the *quiet cohort* (``quiet_cohort`` accounts): each follows only the quiet accounts and
  posts almost never, so its home timeline is sparse and old (the hard case for a home
  timeline that is not materialised).
- every other account is *regular*: follows ``follows`` regular accounts picked at random
  and posts at a rate drawn from a log-normal distribution (a few prolific posters, many
  occasional ones).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect_right
from dataclasses import asdict, dataclass
from itertools import accumulate

from pyleroma.db.ids import SEQUENCE_BITS, id_floor

TAG_COUNT = 50
TAG_PREFIX = "bench"
THREAD_TAG = "benchthread"
PASSWORD = "benchmark-password"
EMAIL_DOMAIN = "bench.invalid"

_VOCABULARY = (
    "the a of and to in is it that was for on are with as be at one have this from by hot "
    "word but what some we can out other were all there when up use your how said an each "
    "she which do their time if will way about many then them write would like so these "
    "her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find any "
    "new work part take get place made live where after back little only round man year "
    "came show every good me give our under name very through just form sentence great "
    "think say help low line differ turn cause much mean before move right boy old too "
    "same tell does set three want air well also play small end put home read hand port "
    "large spell add even land here must big high such follow act why ask men change went "
    "light kind off need house picture try us again animal point mother world near build "
    "self earth father head stand own page should country found answer school grow study "
    "still learn plant cover food sun four between state keep eye never last let thought "
    "city tree cross farm hard start might story saw far sea draw left late run"
)
WORDS = _VOCABULARY.split()
# Word frequencies follow Zipf's law, as in real text (the vocabulary is roughly in order of
# English frequency): the word of rank r is drawn with weight 1/r, so "the" is in nearly
# every status and the last words in about 1% of them. Full-text search needs that spread:
# a common word hits many rows, a rare one few.
_CUM_WEIGHTS = list(accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))
# Rarer still: one of these real words ends about 0.5% of statuses (each word 0.1%).
RARE_WORDS = ("aardvark", "quokka", "marzipan", "zeppelin", "xylophone")
RARE_WORD_RATE = 0.005
# The words and account prefix the search benchmarks look for (benchmarks/load.py): a
# common word (rank 24: in about 11% of statuses), a rare one, and a nickname prefix that
# starts about 5% of the accounts' nicknames (user12, user120.., user1200..).
SEARCH_COMMON_WORD = "word"
SEARCH_RARE_WORD = RARE_WORDS[0]
SEARCH_ACCOUNT_PREFIX = "user12"


class ParamsError(ValueError):
    """The parameters cannot make a consistent data set; the message says which and why."""


@dataclass
class Params:
    accounts: int = 10_000
    statuses: int = 1_000_000
    follows: int = 500
    quiet_cohort: int = 500
    quiet_accounts: int = 5
    quiet_statuses: int = 30
    cohort_statuses: int = 2
    author_followers: int = 1_000
    days: int = 90
    seed: int = 1
    thread_size: int = 150
    follow_notifications: int = 20
    token_users: int = 100
    reply_rate: float = 0.15
    reblog_rate: float = 0.03
    mention_rate: float = 0.05
    tag_rate: float = 0.3
    favourite_rate: float = 0.2
    home_max: int = 800
    batch: int = 10_000
    window: int = 20_000

    def check(self) -> Params:
        regular = self.accounts - 1 - self.quiet_accounts - self.quiet_cohort
        if self.quiet_accounts < 1:
            raise ParamsError("--quiet-accounts must be at least 1")
        if regular < 2:
            least = 1 + self.quiet_accounts + self.quiet_cohort + 2
            raise ParamsError(
                f"--accounts must be at least {least}: the author, --quiet-accounts, "
                "--quiet-cohort and two regular accounts"
            )
        if not 1 <= self.follows < regular:
            raise ParamsError(
                f"--follows must be between 1 and {regular - 1} (the regular accounts, "
                f"{regular}, minus one) for --accounts {self.accounts}"
            )
        if not 0 <= self.author_followers <= regular:
            raise ParamsError(f"--author-followers must be between 0 and {regular}")
        budget = (
            self.quiet_accounts * self.quiet_statuses + self.quiet_cohort * self.cohort_statuses
        )
        if self.statuses <= budget + self.thread_size:
            raise ParamsError(
                f"--statuses must exceed the quiet accounts' and cohort's share plus the "
                f"thread ({budget + self.thread_size})"
            )
        for name in ("reply_rate", "reblog_rate", "mention_rate", "tag_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ParamsError(f"--{name.replace('_', '-')} must be between 0 and 1")
        if self.favourite_rate < 0 or self.days < 1 or self.batch < 1 or self.window < 100:
            raise ParamsError("--favourite-rate, --days, --batch and --window must be positive")
        return self

    def as_dict(self) -> dict:
        return asdict(self)


class IdMaker:
    """Snowflake ids (pyleroma.db.ids layout) for given times, deterministic and increasing.

    ``pyleroma.db.ids.new_id`` starts each millisecond's sequence at a random number, which
    would make every run's ids differ; the generator wants the same ids for the same seed.
    Callers ask for non-decreasing times; an earlier time gets the latest one's next id, as
    ``new_id`` does, so ids never go backwards.
    """

    def __init__(self) -> None:
        self.last_ms = 0
        self.sequence = 0

    def __call__(self, at_ms: int) -> int:
        if at_ms > self.last_ms:
            self.last_ms = at_ms
            self.sequence = 0
        else:
            self.sequence += 1
            if self.sequence >> SEQUENCE_BITS:
                self.last_ms += 1
                self.sequence = 0
        return id_floor(self.last_ms) | self.sequence

    @property
    def last_id(self) -> int:
        return id_floor(self.last_ms) | self.sequence


def ms_to_datetime(ms: int) -> dt.datetime:
    """Naive UTC, as every stored time."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)


class Layout:
    """Roles, nicknames, follow graph and posting weights for a Params."""

    AUTHOR = 0

    def __init__(self, params: Params):
        self.params = params
        self.n = params.accounts
        self.quiet = range(1, 1 + params.quiet_accounts)
        self.cohort = range(self.quiet.stop, self.quiet.stop + params.quiet_cohort)
        self.regular = range(self.cohort.stop, self.n)
        chooser = random.Random(params.seed * 7 + 1)
        self.author_fans = frozenset(chooser.sample(self.regular, params.author_followers))

    def role(self, index: int) -> str:
        if index == self.AUTHOR:
            return "author"
        if index in self.quiet:
            return "quiet"
        if index in self.cohort:
            return "cohort"
        return "regular"

    def nickname(self, index: int) -> str:
        if index == self.AUTHOR:
            return "author"
        if index in self.quiet:
            return f"quiet{index - self.quiet.start + 1}"
        if index in self.cohort:
            return f"calm{index - self.cohort.start + 1}"
        return f"user{index - self.regular.start + 1}"

    def posts_widely(self, index: int) -> bool:
        """Regular accounts and the author: the ones that reply, boost and favourite."""
        return index == self.AUTHOR or index in self.regular

    def followees(self, index: int) -> list[int]:
        """Whom ``index`` follows, sorted; derived from the seed each time (no graph in RAM)."""
        if index in self.cohort:
            return list(self.quiet)
        if index in self.quiet:
            return []
        k = self.params.follows
        rng = random.Random(self.params.seed * 1_000_003 + index)
        picks = [p for p in rng.sample(self.regular, k + 1) if p != index][:k]
        if index in self.author_fans:
            picks[-1] = self.AUTHOR
        picks.sort()
        return picks

    def posting_weights(self) -> list[float]:
        """Expected statuses per account, summing to ``statuses``.

        Quiet accounts and the cohort get their fixed small shares; the rest is split among
        the author and regular accounts by log-normal weights (sigma 1: the top 1% post
        about 10x the median).
        """
        p = self.params
        rng = random.Random(p.seed * 31 + 5)
        weights = [0.0] * self.n
        fixed = p.quiet_accounts * p.quiet_statuses + p.quiet_cohort * p.cohort_statuses
        for i in self.quiet:
            weights[i] = float(p.quiet_statuses)
        for i in self.cohort:
            weights[i] = float(p.cohort_statuses)
        wide = [self.AUTHOR, *self.regular]
        raw = [math.exp(rng.gauss(0.0, 1.0)) for _ in wide]
        scale = (p.statuses - fixed) / sum(raw)
        for i, w in zip(wide, raw, strict=True):
            weights[i] = w * scale
        return weights


class Picker:
    """Weighted random choice of an account index in O(log n)."""

    def __init__(self, weights: list[float], rng: random.Random):
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]
        self.rng = rng

    def __call__(self) -> int:
        return bisect_right(self.cumulative, self.rng.random() * self.total)


class AccountRef:
    """What the mention renderer needs of an account (formatting.mention_html)."""

    __slots__ = ("id", "nickname", "ap_id")

    def __init__(self, ident: int, nickname: str, ap_id: str):
        self.id = ident
        self.nickname = nickname
        self.ap_id = ap_id

    def __eq__(self, other) -> bool:
        return isinstance(other, AccountRef) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def tag_name(number: int) -> str:
    return f"{TAG_PREFIX}{number}"


def status_text(rng: random.Random, params: Params, mention: str | None) -> str:
    """Some words (Zipf-distributed, now and then a rare one), maybe a hashtag or two
    (skewed: #bench0 is the busiest), maybe a mention.

    A reply starts with the ``@nickname`` it answers, as clients write it.
    """
    words = rng.choices(WORDS, cum_weights=_CUM_WEIGHTS, k=rng.randint(4, 30))
    if rng.random() < RARE_WORD_RATE:
        words.append(rng.choice(RARE_WORDS))
    if rng.random() < params.tag_rate:
        for _ in range(rng.randint(1, 2)):
            tag = tag_name(int(TAG_COUNT * rng.random() ** 2))
            words.insert(rng.randrange(len(words) + 1), f"#{tag}")
    text = " ".join(words)
    if mention:
        text = f"@{mention} {text}"
    return text
