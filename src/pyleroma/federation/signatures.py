"""HTTP signatures: signing our deliveries and fetches, verifying what reaches our inboxes.

ActivityPub servers prove who sent a request with a signature over a few of its headers,
made with the private key of the sending actor (or of the instance). Two formats are in use:

- draft-cavage-http-signatures-12 (``Signature: keyId="…",headers="…",signature="…"``):
  what Mastodon, Pleroma/Akkoma, Misskey and GoToSocial send today. This module.
- RFC 9421 HTTP Message Signatures (``Signature-Input`` + ``Signature``): its successor,
  starting to appear. ``rfc9421.py``; ``verify_any`` picks the format from the headers.

A verified signature says only "the holder of key ``key_id`` signed this method, path, host,
date and body, recently". Whether that key belongs to the activity's actor is the caller's
question: ``signature_key_id`` gives the key id before verifying (to fetch the key), and
``key_owner_url`` strips the ``#main-key`` fragment Mastodon and Pleroma use. That is not
enough on its own: GoToSocial publishes its keys at ``https://host/users/name/main-key``, a
URL of its own, so the caller must read the key document's ``owner`` and compare it with the
actor instead of trusting the shape of the URL.

Pure functions: no database, no web framework. Keys are parsed once per PEM string
(``lru_cache``): parsing costs far more than an RSA verification, and an inbox under load
sees the same few hundred keys over and over.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

# Akkoma's window: a signature (its Date or created time) may be two hours old, so that a
# delivery retried from a queue still verifies, and 40 minutes ahead, for clock skew.
MAX_AGE = timedelta(hours=2)
MAX_FUTURE = timedelta(minutes=40)

# Algorithm names that mean RSASSA-PKCS1-v1_5 with SHA-256 for an RSA key. "hs2019" leaves
# the choice to the key; Mastodon and Pleroma read it as rsa-sha256 for RSA keys (PSS is not
# accepted). A missing algorithm parameter means the same.
_RSA_SHA256_NAMES = frozenset({"rsa-sha256", "hs2019"})
# Requests with these methods carry a body, so their Digest must be signed and checked.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_CANONICAL_PARAMS = {
    "keyid": "keyId",
    "algorithm": "algorithm",
    "headers": "headers",
    "signature": "signature",
    "created": "created",
    "expires": "expires",
}
# One `name=value` parameter: a quoted string (which may hold commas and \" escapes) or a
# bare value (created/expires are unquoted integers), then a comma or the end.
_PARAM = re.compile(
    r"[ \t]*([A-Za-z][A-Za-z0-9_.-]*)[ \t]*=[ \t]*"
    r'(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^",\s]*))[ \t]*(?:,|$)'
)
_SCHEME_PREFIX = re.compile(r"[ \t]*Signature[ \t]+(?=[A-Za-z][A-Za-z0-9_.-]*[ \t]*=)", re.I)
_OBS_FOLD = re.compile(r"\r?\n[ \t]+")


class SignatureError(Exception):
    """The request's signature is missing, malformed or wrong; the text says which and why."""


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """What a valid signature establishes: who signed (``key_id``), how, what and when."""

    key_id: str
    algorithm: str | None  # draft-cavage: as declared (None: not); RFC 9421: as used
    covered: tuple[str, ...]  # signed header names / RFC 9421 component identifiers
    created: datetime | None  # the signed Date or created time
    scheme: str  # "draft-cavage" or "rfc9421"

    @property
    def key_owner(self) -> str:
        return key_owner_url(self.key_id)


def key_owner_url(key_id: str) -> str:
    """The key id without its ``#fragment``: the actor URL for Mastodon/Pleroma-style ids.

    GoToSocial's ``…/users/name/main-key`` is returned unchanged: it is a URL of its own,
    whose document names the owner; resolving that is the caller's job (see module doc).
    """
    return key_id.strip().split("#", 1)[0]


# --- keys -----------------------------------------------------------------------------------


def generate_rsa_keypair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM),
    the formats every fediverse server reads from ``publicKey.publicKeyPem``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem.decode("ascii"), public_pem.decode("ascii")


@functools.lru_cache(maxsize=4096)
def load_public_key(pem: str | bytes) -> PublicKey:
    """Parse a public key PEM once: SubjectPublicKeyInfo (``BEGIN PUBLIC KEY``) or PKCS#1
    (``BEGIN RSA PUBLIC KEY``, which some servers publish)."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data.strip())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"cannot load the public key: {exc}") from None
    if not isinstance(key, PublicKey):
        raise SignatureError(f"unsupported public key type {type(key).__name__}")
    return key


@functools.lru_cache(maxsize=256)
def load_private_key(pem: str | bytes) -> PrivateKey:
    """Parse an unencrypted private key PEM (PKCS#8 or PKCS#1) once."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data.strip(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"cannot load the private key: {exc}") from None
    if not isinstance(key, PrivateKey):
        raise SignatureError(f"unsupported private key type {type(key).__name__}")
    return key


def as_public_key(key: str | bytes | PublicKey) -> PublicKey:
    """A key object as given, else the (cached) parse of a PEM."""
    return key if isinstance(key, PublicKey) else load_public_key(key)


def as_private_key(key: str | bytes | PrivateKey) -> PrivateKey:
    return key if isinstance(key, PrivateKey) else load_private_key(key)


# --- shared helpers (also used by rfc9421.py) -------------------------------------------------


def header_table(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-case names to field values, repeated fields joined with ", " (as both
    specifications combine them), values trimmed and obsolete line folding undone.

    A Starlette ``Headers`` lists repeated fields separately in ``items()``; a dict has one.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    table: dict[str, str] = {}
    for name, value in items:
        name = name.lower()
        value = value.strip()
        if "\n" in value:
            value = _OBS_FOLD.sub(" ", value)
        table[name] = f"{table[name]}, {value}" if name in table else value
    return table


def b64decode(value: str, what: str) -> bytes:
    """Strict base64 (a stray character is an error, not silently dropped)."""
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what} is not valid base64") from None


def check_time(when: datetime, now: datetime, what: str) -> None:
    """Refuse a signing time outside MAX_AGE in the past / MAX_FUTURE ahead of ``now``."""
    if now - when > MAX_AGE:
        raise SignatureError(f"{what} {when:%Y-%m-%d %H:%M:%S} UTC is more than 2 hours old")
    if when - now > MAX_FUTURE:
        raise SignatureError(
            f"{what} {when:%Y-%m-%d %H:%M:%S} UTC is more than 40 minutes in the future"
        )


def utc_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def from_timestamp(value: int | str, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        raise SignatureError(f"{what} is not a Unix time: {value!r}") from None


def check_date_header(table: Mapping[str, str], now: datetime) -> datetime:
    """Parse the Date header (RFC 7231 IMF-fixdate, or the obsolete forms) and check it."""
    value = table.get("date")
    if value is None:
        raise SignatureError("date is signed but the request has no Date header")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise SignatureError(f"Date header is not an HTTP date: {value!r}") from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    check_time(when, now, "Date")
    return when


def http_date(now: datetime | None = None) -> str:
    """RFC 7231 IMF-fixdate, e.g. ``Sun, 05 Jan 2014 21:31:40 GMT``."""
    return format_datetime(utc_now(now).replace(microsecond=0), usegmt=True)


def request_parts(url: str) -> tuple[str, str, str]:
    """(scheme, host[:port] as in the URL, path[?query]) of an outgoing request's URL."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if not parts.scheme or not host:
        raise ValueError(f"not an absolute URL: {url!r}")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme.lower(), host, path


def digest_matches(algorithm: str, expected: bytes, body: bytes) -> bool | None:
    """Whether ``body`` hashes to ``expected`` under ``algorithm`` (sha-256 / sha-512, any
    case); None for an algorithm we do not know."""
    hasher = _DIGESTS.get(algorithm.strip().lower())
    if hasher is None:
        return None
    return hmac.compare_digest(expected, hasher(body).digest())


# --- draft-cavage: the Digest header --------------------------------------------------------


def body_digest(body: bytes) -> str:
    """The ``Digest`` header value (RFC 3230) for a body: ``SHA-256=<base64>``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def check_digest(value: str, body: bytes) -> None:
    """Refuse unless the Digest header matches the body. Several ``alg=value`` pairs may be
    listed; every SHA-256/SHA-512 one must match (algorithm names in any case), others are
    ignored, and at least one must be there."""
    checked = False
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"malformed Digest header: {value!r}")
        outcome = digest_matches(name, b64decode(encoded, "Digest header value"), body)
        if outcome is False:
            raise SignatureError(f"Digest mismatch: the body does not match its {name} digest")
        checked = checked or outcome is True
    if not checked:
        raise SignatureError(f"Digest header has no SHA-256 or SHA-512 value: {value!r}")


# --- draft-cavage: parsing --------------------------------------------------------------------


def parse_signature_header(value: str) -> dict[str, str]:
    """The parameters of a ``Signature`` header, or of ``Authorization: Signature …``.

    Tolerates spaces around ``=`` and ``,``, commas inside quoted values, unquoted values
    (``created=1402170695``) and unknown parameters (kept). Known names are matched in any
    case and returned as ``keyId``, ``algorithm``, ``headers``, ``signature``, ``created``,
    ``expires``. ``headers`` defaults to ``date``, as the draft says (draft 12 also allows
    ``(created)``, but every server that omits the list means the Date). ``keyId`` and
    ``signature`` are required; a repeated parameter is refused (which one would count?).
    """
    match = _SCHEME_PREFIX.match(value)
    pos = match.end() if match else 0
    params: dict[str, str] = {}
    while pos < len(value) and value[pos:].strip():
        match = _PARAM.match(value, pos)
        if match is None:
            raise SignatureError(f"malformed Signature header near {value[pos : pos + 30]!r}")
        raw_name, quoted, bare = match.groups()
        name = _CANONICAL_PARAMS.get(raw_name.lower(), raw_name)
        if name in params:
            raise SignatureError(f"malformed Signature header: {raw_name} given twice")
        if quoted is not None and "\\" in quoted:
            quoted = re.sub(r"\\(.)", r"\1", quoted)
        params[name] = quoted if quoted is not None else bare
        pos = match.end()
    if not params.get("keyId"):
        raise SignatureError("malformed Signature header: no keyId parameter")
    if not params.get("signature"):
        raise SignatureError("malformed Signature header: no signature parameter")
    params.setdefault("headers", "date")
    return params


def signature_key_id(headers: Mapping[str, str]) -> str:
    """The key id a request claims to be signed with (either format), without verifying:
    the caller fetches that key, then calls ``verify_any``."""
    table = header_table(headers)
    if "signature-input" in table:
        from pyleroma.federation import rfc9421

        return rfc9421.selected_signature(table)[1].key_id
    return parse_signature_header(_cavage_header(table))["keyId"]


def _cavage_header(table: Mapping[str, str]) -> str:
    value = table.get("signature")
    if value is not None:
        return value
    auth = table.get("authorization", "")
    if _SCHEME_PREFIX.match(auth):
        return auth
    raise SignatureError("the request is not signed: no Signature header")


# --- draft-cavage: signing string, sign, verify ---------------------------------------------


def signing_string(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    *,
    created: int | str | None = None,
    expires: int | str | None = None,
    lowercase_method: bool = True,
) -> str:
    """The draft's string to sign: one ``name: value`` line per signed header, in order.

    ``(request-target)`` is ``post /inbox?x=1`` (method lower-cased unless
    ``lowercase_method`` is False, for signers that keep its case); ``(created)`` and
    ``(expires)`` come from the signature's parameters (hs2019).
    """
    table = header_table(headers)
    target = method.lower() if lowercase_method else method
    return _signing_string(table, target, path_with_query, signed_headers, created, expires)


def _signing_string(table, method, path, signed_headers, created, expires) -> str:
    lines = []
    for name in signed_headers:
        name = name.lower()
        if name == "(request-target)":
            value = f"{method} {path}"
        elif name in ("(created)", "(expires)"):
            value = created if name == "(created)" else expires
            if value is None:
                raise SignatureError(f"{name} is signed but the signature has no such parameter")
        else:
            value = table.get(name)
            if value is None:
                raise SignatureError(f"signed header {name!r} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def sign_string(string: str, private_key_pem: str | bytes | PrivateKey) -> str:
    """Base64 RSASSA-PKCS1-v1_5 SHA-256 signature (``rsa-sha256``) of a signing string."""
    key = as_private_key(private_key_pem)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError("draft-cavage signing needs an RSA key")
    signature = key.sign(string.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_signature(
    string: str,
    signature_b64: str,
    public_key_pem: str | bytes | PublicKey,
    algorithm: str | None = None,
) -> None:
    """Check a base64 signature over a signing string, or raise SignatureError.

    ``rsa-sha256``, ``hs2019`` and no algorithm all mean PKCS#1 v1.5 with SHA-256 for an RSA
    key (hs2019 with an Ed25519 key means Ed25519); anything else is refused.
    """
    name = (algorithm or "rsa-sha256").strip().lower()
    if name not in _RSA_SHA256_NAMES:
        raise SignatureError(f"unsupported signature algorithm {algorithm!r}")
    signature = b64decode(signature_b64, "signature")
    key = as_public_key(public_key_pem)
    data = string.encode("utf-8")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey) and name == "hs2019":
            key.verify(signature, data)
        else:
            raise SignatureError(f"algorithm {name} does not fit the key ({type(key).__name__})")
    except InvalidSignature:
        raise SignatureError(
            "signature does not match: wrong key, or the signed headers were altered"
        ) from None


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str | bytes,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send for a signed request (draft-cavage, rsa-sha256).

    Adds ``Host`` (host[:port] of the URL), ``Date`` if the caller gave none, and for a
    request with a body ``Digest: SHA-256=…`` (always recomputed: a stale one would be
    refused). Signs ``(request-target) host date [digest]``, what Mastodon and Pleroma require.
    """
    if '"' in key_id or "\\" in key_id:
        raise ValueError(f"key id cannot hold quotes or backslashes: {key_id!r}")
    _, host, path = request_parts(url)
    dropped = {"host", "signature"} | ({"digest"} if body is not None else set())
    out = {name: value for name, value in headers.items() if name.lower() not in dropped}
    out["Host"] = host
    if not any(name.lower() == "date" for name in out):
        out["Date"] = http_date(now)
    signed = ["(request-target)", "host", "date"]
    if body is not None:
        out["Digest"] = body_digest(body)
        signed.append("digest")
    string = _signing_string(header_table(out), method.lower(), path, signed, None, None)
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
        f'signature="{sign_string(string, private_key_pem)}"'
    )
    return out


def verify_request(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str | bytes | PublicKey,
    *,
    now: datetime | None = None,
) -> VerifiedSignature:
    """Verify a draft-cavage signed request, or raise SignatureError naming the problem.

    Stricter than the draft, as Pleroma and Mastodon are: ``(request-target)`` and ``host``
    must be signed (else the signature could be replayed on another path or server);
    ``date`` or ``(created)`` must be signed and within MAX_AGE / MAX_FUTURE of ``now``;
    a request with a body (or a POST/PUT/PATCH) must sign ``digest``, and its Digest must
    match the body. ``(request-target)`` is tried with the method lower-cased (the draft),
    then as given (some signers keep ``POST``).

    ``path_with_query`` is the request target as received: the raw, still percent-encoded
    path and query string (ASGI ``raw_path`` and ``query_string``), not a decoded path.
    """
    table = header_table(headers)
    params = parse_signature_header(_cavage_header(table))
    signed = params["headers"].lower().split()
    algorithm = params.get("algorithm")
    if algorithm is not None and algorithm.strip().lower() not in _RSA_SHA256_NAMES:
        raise SignatureError(f"unsupported signature algorithm {algorithm!r}")
    for required in ("(request-target)", "host"):
        if required not in signed:
            raise SignatureError(f"{required} is not among the signed headers ({' '.join(signed)})")
    if "date" not in signed and "(created)" not in signed:
        raise SignatureError("neither date nor (created) is among the signed headers")
    if body or method.upper() in BODY_METHODS:
        if "digest" not in signed:
            raise SignatureError("digest is not among the signed headers of a request with a body")
        if "digest" not in table:
            raise SignatureError("the request has a body but no Digest header")
        check_digest(table["digest"], body or b"")

    current = utc_now(now)
    created_at = None
    if "date" in signed:
        created_at = check_date_header(table, current)
    created, expires = params.get("created"), params.get("expires")
    if "(created)" in signed or created is not None:
        if created is None:
            raise SignatureError("(created) is signed but the signature has no created parameter")
        created_at = from_timestamp(created, "created")
        check_time(created_at, current, "created")
    if expires is not None and from_timestamp(expires, "expires") < current:
        raise SignatureError("the signature has expired (expires parameter)")

    key = as_public_key(public_key_pem)
    signature = params["signature"]
    string = _signing_string(table, method.lower(), path_with_query, signed, created, expires)
    try:
        verify_signature(string, signature, key, algorithm)
    except SignatureError as refusal:
        if method == method.lower() or "(request-target)" not in signed:
            raise
        string = _signing_string(table, method, path_with_query, signed, created, expires)
        try:
            verify_signature(string, signature, key, algorithm)
        except SignatureError:
            raise refusal from None
    return VerifiedSignature(params["keyId"], algorithm, tuple(signed), created_at, "draft-cavage")


def verify_any(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str | bytes | PublicKey,
    *,
    now: datetime | None = None,
    scheme: str = "https",
) -> VerifiedSignature:
    """Verify whichever format the request carries: RFC 9421 when it has a
    ``Signature-Input`` header, draft-cavage otherwise. ``scheme`` is the scheme the client
    used (behind a TLS-terminating proxy, https), needed for RFC 9421's ``@target-uri``."""
    if any(name.lower() == "signature-input" for name in headers):
        from pyleroma.federation import rfc9421

        return rfc9421.verify_request_rfc9421(
            method, path_with_query, headers, body, public_key_pem, now=now, scheme=scheme
        )
    return verify_request(method, path_with_query, headers, body, public_key_pem, now=now)
