"""RFC 9421 HTTP Message Signatures: verifying them, and making them (tests, later delivery).

The successor of draft-cavage (``signatures.py``), which some fediverse servers have begun
to send. A request carries::

    Signature-Input: sig1=("@method" "@target-uri" "content-digest" "date");created=1618884473;keyid="https://example.com/users/a#main-key";alg="rsa-v1_5-sha256"
    Signature: sig1=:<base64>:
    Content-Digest: sha-256=:<base64 of the body's SHA-256>:

Both headers are RFC 8941 structured-field dictionaries keyed by a label. The signature
covers the *signature base* (RFC 9421 section 2.5): one ``"name": value`` line per covered
component, then ``"@signature-params": `` and the serialized Signature-Input member.

Supported: the derived components ``@method @target-uri @authority @scheme @request-target
@path @query`` and plain header fields (component parameters such as ``;sf`` or ``;key`` are
refused); algorithms ``rsa-v1_5-sha256``, ``rsa-pss-sha512``, ``ecdsa-p256-sha256`` and
``ed25519`` (``hmac-sha256`` needs a shared secret, which federation has not). Without an
``alg`` parameter the key decides: an RSA key is tried with PKCS#1 v1.5 SHA-256, then PSS.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from pyleroma.federation import signatures as sig
from pyleroma.federation.signatures import SignatureError, VerifiedSignature

# --- structured fields (RFC 8941): what these three headers need ---------------------------


class Token(str):
    """An sf-token (serialized bare, unlike a string)."""

    __slots__ = ()


Params = dict[str, object]
Item = tuple[object, Params]

_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_NUMBER = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*")
_BYTES = re.compile(r":([A-Za-z0-9+/]*=*):")


class _Parser:
    """RFC 8941 section 4.2, for dictionaries of items and inner lists with parameters."""

    __slots__ = ("text", "pos", "what")

    def __init__(self, text: str, what: str) -> None:
        self.text, self.pos, self.what = text.strip(" \t"), 0, what

    def fail(self, problem: str) -> SignatureError:
        near = self.text[self.pos : self.pos + 24]
        return SignatureError(f"malformed {self.what} header: {problem} at {near!r}")

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def skip(self, chars: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in chars:
            self.pos += 1

    def match(self, pattern: re.Pattern[str], problem: str) -> re.Match[str]:
        found = pattern.match(self.text, self.pos)
        if found is None:
            raise self.fail(problem)
        self.pos = found.end()
        return found

    def dictionary(self) -> dict[str, tuple[object, Params]]:
        members: dict[str, tuple[object, Params]] = {}
        while self.pos < len(self.text):
            key = self.match(_KEY, "expected a key").group()
            if self.peek() == "=":
                self.pos += 1
                members[key] = self.inner_list() if self.peek() == "(" else self.item()
            else:
                members[key] = (True, self.params())
            self.skip(" \t")
            if self.pos >= len(self.text):
                break
            if self.peek() != ",":
                raise self.fail("expected a comma")
            self.pos += 1
            self.skip(" \t")
            if self.pos >= len(self.text):
                raise self.fail("trailing comma")
        return members

    def inner_list(self) -> tuple[list[Item], Params]:
        self.pos += 1
        items: list[Item] = []
        while self.pos < len(self.text):
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return items, self.params()
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise self.fail("expected a space or ')' in an inner list")
        raise self.fail("unterminated inner list")

    def item(self) -> Item:
        return self.bare_item(), self.params()

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.match(_KEY, "expected a parameter name").group()
            value: object = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def bare_item(self) -> object:
        char = self.peek()
        if char == "-" or char.isdigit():
            found = self.match(_NUMBER, "bad number")
            whole, fraction = found.groups()
            if fraction is None and len(whole) <= 15:
                return int(found.group())
            if fraction is not None and len(whole) <= 12 and len(fraction) <= 3:
                return float(found.group())
            raise self.fail("number out of range")
        if char == '"':
            text = self.match(_STRING, "bad string").group(1)
            return re.sub(r"\\(.)", r"\1", text) if "\\" in text else text
        if char == ":":
            encoded = self.match(_BYTES, "bad byte sequence").group(1)
            try:  # RFC 8941 asks parsers to tolerate missing "=" padding
                return base64.b64decode(encoded.rstrip("=") + "=" * (-len(encoded.rstrip("=")) % 4))
            except ValueError:
                raise self.fail("bad base64 in a byte sequence") from None
        if char == "?" and self.text[self.pos + 1 : self.pos + 2] in ("0", "1"):
            self.pos += 2
            return self.text[self.pos - 1] == "1"
        if char == "*" or (char.isascii() and char.isalpha()):
            return Token(self.match(_TOKEN, "bad token").group())
        raise self.fail("expected an item")


def _bare(value: object) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise TypeError(f"not a structured-field item: {value!r}")


def _params(params: Params) -> str:
    return "".join(f";{k}" if v is True else f";{k}={_bare(v)}" for k, v in params.items())


def serialize_inner_list(items: Sequence[Item], params: Params) -> str:
    """RFC 8941 serialization: ``("a" "b");created=1;keyid="k"``."""
    return "(" + " ".join(_bare(v) + _params(p) for v, p in items) + ")" + _params(params)


# --- Signature-Input / Signature ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """One Signature-Input member: covered components and signature parameters."""

    label: str
    items: tuple[Item, ...]  # component identifiers with their parameters
    params: Params
    serialized: str  # the @signature-params value, re-serialized canonically

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(str(name) for name, _ in self.items)

    @property
    def key_id(self) -> str | None:
        keyid = self.params.get("keyid")
        return keyid if isinstance(keyid, str) else None


def parse_signature_input(value: str) -> dict[str, SignatureInput]:
    """The members of a Signature-Input header, by label."""
    parsed = {}
    for label, (items, params) in _Parser(value, "Signature-Input").dictionary().items():
        if not isinstance(items, list) or not all(type(n) is str for n, _ in items):
            raise SignatureError(f"Signature-Input {label} is not a list of component names")
        for key in ("created", "expires"):
            if key in params and (type(params[key]) is not int):
                raise SignatureError(f"Signature-Input {label}: {key} is not an integer")
        for key in ("keyid", "alg", "nonce", "tag"):
            if key in params and type(params[key]) is not str:
                raise SignatureError(f"Signature-Input {label}: {key} is not a string")
        serialized = serialize_inner_list(items, params)
        parsed[label] = SignatureInput(label, tuple(items), params, serialized)
    return parsed


def selected_signature(
    headers: Mapping[str, str], label: str | None = None
) -> tuple[str, SignatureInput, bytes]:
    """(label, its Signature-Input, its signature bytes): the given label, else the first
    one present in both headers. The signature must name its key (``keyid``)."""
    table = sig.header_table(headers)
    if "signature-input" not in table or "signature" not in table:
        raise SignatureError("the request is not signed: Signature-Input or Signature missing")
    inputs = parse_signature_input(table["signature-input"])
    signatures = _Parser(table["signature"], "Signature").dictionary()
    labels = [label] if label else [name for name in inputs if name in signatures]
    if not labels or labels[0] not in inputs or labels[0] not in signatures:
        raise SignatureError("no signature label appears in both Signature-Input and Signature")
    chosen = labels[0]
    signature = signatures[chosen][0]
    if not isinstance(signature, bytes):
        raise SignatureError(f"Signature {chosen} is not a byte sequence")
    if inputs[chosen].key_id is None:
        raise SignatureError(f"Signature-Input {chosen} has no keyid parameter")
    return chosen, inputs[chosen], signature


# --- Content-Digest (RFC 9530) ----------------------------------------------------------------


def content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """The Content-Digest header value for a body: ``sha-256=:<base64>:``."""
    digest = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}[algorithm](body).digest()
    return f"{algorithm}=:{base64.b64encode(digest).decode('ascii')}:"


def check_content_digest(value: str, body: bytes) -> None:
    """Refuse unless every sha-256/sha-512 member of Content-Digest matches the body (at
    least one must be there; other algorithms are ignored)."""
    checked = False
    for name, (digest, _) in _Parser(value, "Content-Digest").dictionary().items():
        if not isinstance(digest, bytes):
            raise SignatureError(f"malformed Content-Digest header: {name} is not a byte sequence")
        outcome = sig.digest_matches(name, digest, body)
        if outcome is False:
            raise SignatureError(f"Content-Digest mismatch: the body does not match its {name}")
        checked = checked or outcome is True
    if not checked:
        raise SignatureError(f"Content-Digest has no sha-256 or sha-512 value: {value!r}")


# --- the signature base -----------------------------------------------------------------------


class _Request(NamedTuple):
    method: str
    scheme: str
    authority: str | None
    target: str  # path[?query]
    table: dict[str, str]


def _authority(host: str | None, scheme: str) -> str | None:
    """Host as RFC 9421 wants it: lower case, without the scheme's default port."""
    if host is None:
        return None
    host = host.strip().lower()
    default = {"https": ":443", "http": ":80"}.get(scheme)
    return host[: -len(default)] if default and host.endswith(default) else host


def _component(request: _Request, name: str) -> str:
    if not name.startswith("@"):
        if name != name.lower():
            raise SignatureError(f"component name {name!r} is not lower case")
        value = request.table.get(name)
        if value is None:
            raise SignatureError(f"covered field {name!r} is missing from the request")
        return value
    path, _, query = request.target.partition("?")
    if name == "@method":
        return request.method
    if name in ("@authority", "@target-uri") and request.authority is None:
        raise SignatureError(f"{name} is covered but the request has no Host header")
    if name == "@authority":
        return request.authority
    if name == "@target-uri":
        return f"{request.scheme}://{request.authority}{request.target}"
    if name == "@scheme":
        return request.scheme
    if name == "@request-target":
        return request.target
    if name == "@path":
        return path or "/"
    if name == "@query":
        return "?" + query
    raise SignatureError(f"unsupported derived component {name!r}")


def _base(request: _Request, items: Sequence[Item], serialized: str) -> str:
    lines, seen = [], set()
    for name, params in items:
        identifier = _bare(name) + _params(params)
        if params:
            raise SignatureError(f"component parameters are not supported: {identifier}")
        if name in seen or name == "@signature-params":
            raise SignatureError(f"component {identifier} is not allowed here or covered twice")
        seen.add(name)
        lines.append(f"{identifier}: {_component(request, name)}")
    lines.append(f'"@signature-params": {serialized}')
    return "\n".join(lines)


def signature_base(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    components: Sequence[str],
    signature_params: str,
    *,
    scheme: str = "https",
) -> str:
    """The signature base (RFC 9421 section 2.5) of a received request, given the covered
    component names and the serialized signature parameters (``("a" "b");created=…``)."""
    table = sig.header_table(headers)
    request = _Request(
        method, scheme, _authority(table.get("host"), scheme), path_with_query, table
    )
    return _base(request, [(name, {}) for name in components], signature_params)


# --- algorithms -----------------------------------------------------------------------------

_PSS_SIGN = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
_PSS_VERIFY = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=padding.PSS.AUTO)
_KEY_TYPES = {
    "rsa-v1_5-sha256": (rsa.RSAPublicKey, rsa.RSAPrivateKey),
    "rsa-pss-sha512": (rsa.RSAPublicKey, rsa.RSAPrivateKey),
    "ecdsa-p256-sha256": (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey),
    "ed25519": (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey),
}


def _algorithms_for(key: sig.PublicKey | sig.PrivateKey) -> tuple[str, ...]:
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return ("rsa-v1_5-sha256", "rsa-pss-sha512")
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return ("ed25519",)
    return ("ecdsa-p256-sha256",)


def _check_fit(alg: str, key: sig.PublicKey | sig.PrivateKey) -> None:
    if alg not in _KEY_TYPES:
        raise SignatureError(f"unsupported signature algorithm {alg!r}")
    if not isinstance(key, _KEY_TYPES[alg]) or (
        isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey)
        and not isinstance(key.curve, ec.SECP256R1)
    ):
        raise SignatureError(f"algorithm {alg} does not fit the key ({type(key).__name__})")


def _sign(key: sig.PrivateKey, alg: str, data: bytes) -> bytes:
    _check_fit(alg, key)
    if alg == "rsa-v1_5-sha256":
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "rsa-pss-sha512":
        return key.sign(data, _PSS_SIGN, hashes.SHA512())
    if alg == "ecdsa-p256-sha256":
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(data)


def _verify(key: sig.PublicKey, alg: str, signature: bytes, data: bytes) -> None:
    if alg == "rsa-v1_5-sha256":
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "rsa-pss-sha512":
        key.verify(signature, data, _PSS_VERIFY, hashes.SHA512())
    elif alg == "ecdsa-p256-sha256":
        if len(signature) != 64:
            raise InvalidSignature
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(signature, data)


def verify_signature_base(
    base: str, signature: bytes, public_key_pem: str | bytes | sig.PublicKey, alg: str | None = None
) -> str:
    """Check a signature over a signature base; return the algorithm that verified it."""
    key = sig.as_public_key(public_key_pem)
    candidates = (alg,) if alg is not None else _algorithms_for(key)
    for name in candidates:
        _check_fit(name, key)
        try:
            _verify(key, name, signature, base.encode("utf-8"))
        except InvalidSignature:
            continue
        return name
    raise SignatureError(
        "signature does not match: wrong key, or the covered components were altered"
    )


# --- requests -------------------------------------------------------------------------------


def verify_request_rfc9421(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str | bytes | sig.PublicKey,
    *,
    now: datetime | None = None,
    scheme: str = "https",
    label: str | None = None,
) -> VerifiedSignature:
    """Verify an RFC 9421 signed request, or raise SignatureError naming the problem.

    As strict as the draft-cavage verifier: ``@method`` and the target (``@target-uri``, or
    ``@path``/``@request-target`` with ``@authority``/``host``) must be covered; a request
    with a body must cover ``content-digest`` and its Content-Digest must match; ``created``
    (or a covered ``date``) must lie within the same window, and ``expires`` be ahead.
    """
    table = sig.header_table(headers)
    chosen, signature_input, signature = selected_signature(table, label)
    covered = set(signature_input.components)
    if "@method" not in covered:
        raise SignatureError("the signature does not cover @method")
    if "@target-uri" not in covered and not (
        covered & {"@path", "@request-target"} and covered & {"@authority", "host"}
    ):
        raise SignatureError(
            "the signature does not cover the target URI "
            "(@target-uri, or @path or @request-target with @authority)"
        )
    if body or method.upper() in sig.BODY_METHODS:
        if "content-digest" not in covered:
            raise SignatureError(
                "content-digest is not covered by the signature of a request with a body"
            )
        if "content-digest" not in table:
            raise SignatureError("the request has a body but no Content-Digest header")
        check_content_digest(table["content-digest"], body or b"")

    current = sig.utc_now(now)
    params = signature_input.params
    created_at = None
    if "created" in params:
        created_at = sig.from_timestamp(params["created"], "created")
        sig.check_time(created_at, current, "created")
    if "date" in covered:
        date = sig.check_date_header(table, current)
        created_at = created_at or date
    if created_at is None:
        raise SignatureError("the signature has neither a created parameter nor a covered date")
    if "expires" in params and sig.from_timestamp(params["expires"], "expires") < current:
        raise SignatureError("the signature has expired (expires parameter)")

    request = _Request(
        method, scheme, _authority(table.get("host"), scheme), path_with_query, table
    )
    base = _base(request, signature_input.items, signature_input.serialized)
    used = verify_signature_base(base, signature, public_key_pem, params.get("alg"))
    return VerifiedSignature(
        signature_input.key_id, used, signature_input.components, created_at, "rfc9421"
    )


def sign_request_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str | bytes,
    *,
    components: Sequence[str] | None = None,
    label: str = "sig1",
    created: int | datetime | None = None,
    expires: int | None = None,
    nonce: str | None = None,
    alg: str | None = None,
    include_alg: bool = True,
    digest_algorithm: str = "sha-256",
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send for an RFC 9421 signed request.

    Sets ``Host`` from the URL, ``Content-Digest`` for a body (recomputed), ``Date`` if
    covered and absent. By default covers ``@method @target-uri @authority
    [content-digest] date``. ``alg`` defaults to what the key suggests (RSA:
    rsa-v1_5-sha256, the fediverse's choice); ``include_alg=False`` omits the parameter.
    """
    if not re.fullmatch(_KEY, label):
        raise ValueError(f"not a structured-field key: {label!r}")
    scheme, host, path = sig.request_parts(url)
    key = sig.as_private_key(private_key_pem)
    alg = alg or _algorithms_for(key)[0]
    dropped = {"host", "signature", "signature-input"}
    if body is not None:
        dropped.add("content-digest")
    out = {name: value for name, value in headers.items() if name.lower() not in dropped}
    out["Host"] = host
    if body is not None:
        out["Content-Digest"] = content_digest(body, digest_algorithm)
    if components is None:
        components = ["@method", "@target-uri", "@authority"]
        components += ["content-digest", "date"] if body is not None else ["date"]
    if "date" in components and not any(name.lower() == "date" for name in out):
        out["Date"] = sig.http_date(now)

    if isinstance(created, datetime):
        created = int(sig.utc_now(created).timestamp())
    params: Params = {
        "created": created if created is not None else int(sig.utc_now(now).timestamp())
    }
    if expires is not None:
        params["expires"] = int(expires)
    params["keyid"] = key_id
    if nonce is not None:
        params["nonce"] = nonce
    if include_alg:
        params["alg"] = alg
    items = [(name, {}) for name in components]
    serialized = serialize_inner_list(items, params)
    table = sig.header_table(out)
    request = _Request(method, scheme, _authority(host, scheme), path, table)
    signature = _sign(key, alg, _base(request, items, serialized).encode("utf-8"))
    out["Signature-Input"] = f"{label}={serialized}"
    out["Signature"] = f"{label}=:{base64.b64encode(signature).decode('ascii')}:"
    return out
