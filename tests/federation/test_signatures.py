"""federation/signatures.py and rfc9421.py: HTTP signatures both ways.

Checked against the published vectors (draft-cavage-http-signatures appendix C, as printed
in draft 12 and as shipped in httpsig's test suite; RFC 9421 appendix B.2.1 and B.2.6),
against httpsig's own signer and verifier, and for every refusal an inbox must make.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpsig
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pyleroma.federation import rfc9421
from pyleroma.federation.rfc9421 import (
    check_content_digest,
    content_digest,
    parse_signature_input,
    sign_request_rfc9421,
    signature_base,
    verify_request_rfc9421,
    verify_signature_base,
)
from pyleroma.federation.signatures import (
    SignatureError,
    body_digest,
    generate_rsa_keypair,
    http_date,
    key_owner_url,
    load_public_key,
    parse_signature_header,
    sign_request,
    sign_string,
    signature_key_id,
    signing_string,
    verify_any,
    verify_request,
    verify_signature,
)

# --- draft-cavage appendix C ----------------------------------------------------------------

# The "Test" key of the draft's appendix C, as httpsig ships it in its test folder.
HTTPSIG_TESTS = Path(httpsig.__file__).parent / "tests"
TEST_PRIVATE = (HTTPSIG_TESTS / "rsa_private.pem").read_text()
TEST_PUBLIC = (HTTPSIG_TESTS / "rsa_public.pem").read_text()

VECTOR_PATH = "/foo?param=value&pet=dog"
VECTOR_BODY = b'{"hello": "world"}'
VECTOR_DIGEST = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
ALL_HEADERS = ["(request-target)", "host", "date", "content-type", "digest", "content-length"]
SUN = "Sun, 05 Jan 2014 21:31:40 GMT"  # the date draft 12 prints
THU = "Thu, 05 Jan 2014 21:31:40 GMT"  # the date of earlier drafts, kept by httpsig's tests
VECTOR_TIME = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)

# (date, signed headers, signature): draft 12 appendix C.1-C.3, then httpsig's test_signature.py.
CAVAGE_VECTORS = [
    pytest.param(
        SUN,
        ["date"],
        "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7"
        "q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=",
        id="draft12-C1-default",
    ),
    pytest.param(
        SUN,
        ["(request-target)", "host", "date"],
        "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe"
        "8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=",
        id="draft12-C2-basic",
    ),
    pytest.param(
        SUN,
        ALL_HEADERS,
        "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEU"
        "HFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=",
        id="draft12-C3-all-headers",
    ),
    pytest.param(
        THU,
        ["date"],
        "jKyvPcxB4JbmYY4mByyBY7cZfNl4OW9HpFQlG7N4YcJPteKTu4MWCLyk+gIr0wDgqtLWf9NLpMAMimdfsH7FSWGfbMFS"
        "rsVTHNTk0rK3usrfFnti1dxsM4jl0kYJCKTGI/UWkqiaxwNiKqGcdlEDrTcUhhsFsOIo8VhddmZTZ8w=",
        id="httpsig-default",
    ),
    pytest.param(
        THU,
        ["(request-target)", "host", "date"],
        "HUxc9BS3P/kPhSmJo+0pQ4IsCo007vkv6bUm4Qehrx+B1Eo4Mq5/6KylET72ZpMUS80XvjlOPjKzxfeTQj4DiKbAzwJA"
        "b4HX3qX6obQTa00/qPDXlMepD2JtTw33yNnm/0xV7fQuvILN/ys+378Ysi082+4xBQFwvhNvSoVsGv4=",
        id="httpsig-basic",
    ),
    pytest.param(
        THU,
        ALL_HEADERS,
        "Ef7MlxLXoBovhil3AlyjtBwAL9g4TN3tibLj7uuNB3CROat/9KaeQ4hW2NiJ+pZ6HQEOx9vYZAyi+7cmIkmJszJCut5k"
        "QLAwuX+Ms/mUFvpKlSo9StS2bMXDBNjOh4Auj774GFj4gwjS+3NhFeoqyr/MuN6HsEnkvn6zdgfE2i0=",
        id="httpsig-all-headers",
    ),
]


def vector_headers(date: str) -> dict[str, str]:
    return {
        "Host": "example.com",
        "Date": date,
        "Content-Type": "application/json",
        "Digest": VECTOR_DIGEST,
        "Content-Length": "18",
    }


@pytest.mark.parametrize(("date", "signed", "expected"), CAVAGE_VECTORS)
def test_cavage_vectors_reproduced_byte_for_byte(date, signed, expected):
    string = signing_string("POST", VECTOR_PATH, vector_headers(date), signed)
    lines = {
        "(request-target)": f"(request-target): post {VECTOR_PATH}",
        "host": "host: example.com",
        "date": f"date: {date}",
        "content-type": "content-type: application/json",
        "digest": f"digest: {VECTOR_DIGEST}",
        "content-length": "content-length: 18",
    }
    assert string == "\n".join(lines[name] for name in signed)
    assert sign_string(string, TEST_PRIVATE) == expected
    verify_signature(string, expected, TEST_PUBLIC, "rsa-sha256")
    with pytest.raises(SignatureError, match="signature does not match"):
        verify_signature(string.replace("21:31:40", "21:31:41"), expected, TEST_PUBLIC)


def test_vector_key_pair_and_digest_belong_together():
    private = serialization.load_pem_private_key(TEST_PRIVATE.encode(), None)
    assert private.public_key().public_numbers() == load_public_key(TEST_PUBLIC).public_numbers()
    assert body_digest(VECTOR_BODY) == VECTOR_DIGEST


@pytest.mark.parametrize("date", [SUN, THU])
@pytest.mark.parametrize("header", ["Signature", "Authorization"])
def test_all_headers_vector_passes_full_verification(date, header):
    expected = {SUN: CAVAGE_VECTORS[2], THU: CAVAGE_VECTORS[5]}[date].values[2]
    params = f'keyId="Test",algorithm="rsa-sha256",headers="{" ".join(ALL_HEADERS)}"'
    value = f'{params},signature="{expected}"'
    if header == "Authorization":
        value = f"Signature {value}"
    headers = {**vector_headers(date), header: value}
    now = VECTOR_TIME + timedelta(minutes=5)
    verified = verify_request("POST", VECTOR_PATH, headers, VECTOR_BODY, TEST_PUBLIC, now=now)
    assert verified.key_id == "Test"
    assert verified.covered == tuple(ALL_HEADERS)
    assert verified.created == VECTOR_TIME
    assert verified.scheme == "draft-cavage"
    with pytest.raises(SignatureError, match="Digest mismatch"):
        verify_request("POST", VECTOR_PATH, headers, b'{"hello": "World"}', TEST_PUBLIC, now=now)


def test_default_vector_is_too_weak_for_an_inbox():
    expected = CAVAGE_VECTORS[0].values[2]
    headers = {**vector_headers(SUN), "Signature": f'keyId="Test",signature="{expected}"'}
    with pytest.raises(SignatureError, match=r"\(request-target\) is not among the signed"):
        verify_request("POST", VECTOR_PATH, headers, VECTOR_BODY, TEST_PUBLIC, now=VECTOR_TIME)


# --- cross-checks with httpsig --------------------------------------------------------------


def _httpsig_verifies(headers, public_pem, method, path, required):
    verifier = httpsig.HeaderVerifier(
        headers=headers,
        secret=public_pem,
        required_headers=required,
        method=method,
        path=path,
        sign_header="signature",
    )
    return verifier.verify()


@pytest.fixture(scope="module")
def keypair():
    return generate_rsa_keypair()


@pytest.mark.parametrize("use_test_key", [True, False], ids=["draft-key", "generated-key"])
def test_httpsig_verifies_what_we_sign(use_test_key, keypair):
    private, public = (TEST_PRIVATE, TEST_PUBLIC) if use_test_key else keypair
    body = b'{"type": "Follow"}'
    signed = sign_request(
        "POST", "https://remote.example/users/bob/inbox", {}, body, "https://me/a#main-key", private
    )
    required = ["(request-target)", "host", "date", "digest"]
    assert _httpsig_verifies(signed, public, "POST", "/users/bob/inbox", required)
    assert not _httpsig_verifies(signed, public, "POST", "/users/eve/inbox", required)
    fetch = sign_request("GET", "https://remote.example/notes/1?page=2", {}, None, "k", private)
    assert _httpsig_verifies(fetch, public, "GET", "/notes/1?page=2", required[:3])


def test_we_verify_what_httpsig_signs(keypair):
    private, public = keypair
    body = b'{"type": "Create"}'
    signer = httpsig.HeaderSigner(
        key_id="https://remote.example/users/bob#main-key",
        secret=private,
        algorithm="rsa-sha256",
        headers=["(request-target)", "host", "date", "digest"],
        sign_header="signature",
    )
    unsigned = {"Host": "me.example", "Date": http_date(), "Digest": body_digest(body)}
    signed = dict(signer.sign(unsigned, method="POST", path="/inbox"))
    verified = verify_request("POST", "/inbox", signed, body, public)
    assert verified.key_id == "https://remote.example/users/bob#main-key"
    assert verified.algorithm == "rsa-sha256"
    with pytest.raises(SignatureError, match="signature does not match"):
        verify_request("POST", "/other-inbox", signed, body, public)


# --- draft-cavage round trips and accepted variants -----------------------------------------

INBOX = "https://me.example/users/alice/inbox"
KEY_ID = "https://remote.example/users/bob#main-key"
BODY = b'{"type": "Like", "object": "https://me.example/notes/1"}'


def signed_post(keypair, body=BODY, **kwargs):
    return sign_request(
        "POST",
        INBOX,
        {"Content-Type": "application/activity+json"},
        body,
        KEY_ID,
        keypair[0],
        **kwargs,
    )


def test_post_round_trip(keypair):
    headers = signed_post(keypair)
    assert headers["Host"] == "me.example"
    assert headers["Content-Type"] == "application/activity+json"
    assert (
        headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    )
    params = parse_signature_header(headers["Signature"])
    assert params["headers"] == "(request-target) host date digest"
    assert params["algorithm"] == "rsa-sha256"
    verified = verify_request("POST", "/users/alice/inbox", headers, BODY, keypair[1])
    assert verified.key_id == KEY_ID
    assert verified.key_owner == "https://remote.example/users/bob"
    assert signature_key_id(headers) == KEY_ID
    assert (
        verify_any("POST", "/users/alice/inbox", headers, BODY, keypair[1]).scheme == "draft-cavage"
    )


def test_get_round_trip_signs_no_digest(keypair):
    headers = sign_request(
        "GET", "https://me.example:8443/notes/1?x=y", {}, None, KEY_ID, keypair[0]
    )
    assert headers["Host"] == "me.example:8443"
    assert "Digest" not in headers
    assert parse_signature_header(headers["Signature"])["headers"] == "(request-target) host date"
    assert verify_request("GET", "/notes/1?x=y", headers, None, keypair[1]).key_id == KEY_ID
    assert verify_request("GET", "/notes/1?x=y", headers, b"", keypair[1]).key_id == KEY_ID
    with pytest.raises(SignatureError, match="signature does not match"):
        verify_request("GET", "/notes/1?x=z", headers, None, keypair[1])


def test_date_is_rfc7231_and_a_given_date_is_kept(keypair):
    now = datetime(2024, 3, 9, 8, 5, 7, 123456, tzinfo=UTC)
    assert signed_post(keypair, now=now)["Date"] == "Sat, 09 Mar 2024 08:05:07 GMT"
    given = sign_request("GET", INBOX, {"date": THU}, None, KEY_ID, keypair[0])
    assert given["date"] == THU and "Date" not in given


def _manual(keypair, signed, params, *, digest=None, method="POST", lowercase=True, **extra):
    """A request signed by hand: lets a test pick the algorithm name, Digest spelling, etc."""
    headers = {"Host": "me.example", "Date": http_date(), **extra}
    if digest is not None:
        headers["Digest"] = digest
    created, expires = params.get("created"), params.get("expires")
    string = signing_string(
        method,
        "/inbox",
        headers,
        signed,
        created=created,
        expires=expires,
        lowercase_method=lowercase,
    )
    parts = [f'keyId="{KEY_ID}"'] + [f"{k}={v}" for k, v in params.items()]
    parts.append(f'headers="{" ".join(signed)}"')
    parts.append(f'signature="{sign_string(string, keypair[0])}"')
    headers["Signature"] = ",".join(parts)
    return headers


POST_SIGNED = ["(request-target)", "host", "date", "digest"]


def test_hs2019_with_created_and_expires_accepted(keypair):
    now = int(datetime.now(UTC).timestamp())
    params = {"algorithm": '"hs2019"', "created": str(now - 10), "expires": str(now + 300)}
    signed = ["(request-target)", "(created)", "(expires)", "host", "digest"]
    headers = _manual(keypair, signed, params, digest=body_digest(BODY))
    verified = verify_request("POST", "/inbox", headers, BODY, keypair[1])
    assert verified.algorithm == "hs2019"
    assert verified.created == datetime.fromtimestamp(now - 10, UTC)


def test_missing_algorithm_parameter_means_rsa_sha256(keypair):
    headers = _manual(keypair, POST_SIGNED, {}, digest=body_digest(BODY))
    assert verify_request("POST", "/inbox", headers, BODY, keypair[1]).algorithm is None


@pytest.mark.parametrize(
    "spelling",
    [
        lambda body: "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        lambda body: "SHA-512=" + base64.b64encode(hashlib.sha512(body).digest()).decode(),
        lambda body: "MD5=xyz=, " + body_digest(body),
    ],
    ids=["lowercase-sha-256", "sha-512", "unknown-alg-beside-sha-256"],
)
def test_digest_spellings_accepted(keypair, spelling):
    headers = _manual(keypair, POST_SIGNED, {"algorithm": '"rsa-sha256"'}, digest=spelling(BODY))
    assert verify_request("POST", "/inbox", headers, BODY, keypair[1]).key_id == KEY_ID
    with pytest.raises(SignatureError, match="Digest mismatch"):
        verify_request("POST", "/inbox", headers, BODY + b" ", keypair[1])


def test_request_target_with_original_case_method_accepted(keypair):
    headers = _manual(keypair, POST_SIGNED, {}, digest=body_digest(BODY), lowercase=False)
    standard = signing_string("POST", "/inbox", headers, POST_SIGNED)
    assert standard.startswith("(request-target): post /inbox\n")
    with pytest.raises(SignatureError, match="signature does not match"):  # not the draft's form
        verify_signature(
            standard, parse_signature_header(headers["Signature"])["signature"], keypair[1]
        )
    assert verify_request("POST", "/inbox", headers, BODY, keypair[1]).key_id == KEY_ID
    with pytest.raises(SignatureError, match="signature does not match"):
        verify_request("PUT", "/inbox", headers, BODY, keypair[1])


def test_public_key_in_pkcs1_form_accepted(keypair):
    key = load_public_key(keypair[1])
    pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    assert pkcs1.startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    headers = signed_post(keypair)
    assert verify_request("POST", "/users/alice/inbox", headers, BODY, pkcs1.decode()).key_id


# --- draft-cavage refusals ------------------------------------------------------------------


def refused(keypair, headers, match, *, body=BODY, public=None, path="/inbox", now=None):
    with pytest.raises(SignatureError, match=match) as caught:
        verify_request("POST", path, headers, body, public or keypair[1], now=now)
    return str(caught.value)


def test_tampered_body_refused(keypair):
    refused(
        keypair,
        signed_post(keypair),
        "Digest mismatch",
        body=BODY.replace(b"Like", b"Undo"),
        path="/users/alice/inbox",
    )


def test_digest_not_signed_on_post_refused(keypair):
    headers = _manual(keypair, ["(request-target)", "host", "date"], {}, digest=body_digest(BODY))
    refused(keypair, headers, "digest is not among the signed headers")


def test_digest_header_missing_refused(keypair):
    headers = _manual(keypair, ["(request-target)", "host", "date"], {})
    headers["Signature"] = headers["Signature"].replace('host date"', 'host date digest"')
    refused(keypair, headers, "no Digest header")


def test_wrong_key_refused(keypair):
    other = generate_rsa_keypair()[1]
    refused(
        keypair,
        signed_post(keypair),
        "signature does not match",
        public=other,
        path="/users/alice/inbox",
    )


def test_tampered_signed_header_refused(keypair):
    headers = {**signed_post(keypair), "Host": "elsewhere.example"}
    refused(keypair, headers, "signature does not match", path="/users/alice/inbox")


@pytest.mark.parametrize(
    ("shift", "match"),
    [(timedelta(hours=-3), "more than 2 hours old"), (timedelta(hours=1), "in the future")],
    ids=["3h-old", "1h-ahead"],
)
def test_date_outside_window_refused(keypair, shift, match):
    now = datetime.now(UTC)
    headers = signed_post(keypair, now=now + shift)
    refused(keypair, headers, match, path="/users/alice/inbox", now=now)
    # Inside the window (1 h 59 old, 39 min ahead) the same request passes.
    for inside in (timedelta(hours=-1, minutes=-59), timedelta(minutes=39)):
        ok = signed_post(keypair, now=now + inside)
        verify_request("POST", "/users/alice/inbox", ok, BODY, keypair[1], now=now)


def test_unsigned_date_refused(keypair):
    headers = _manual(keypair, ["(request-target)", "host", "digest"], {}, digest=body_digest(BODY))
    refused(keypair, headers, "neither date nor \\(created\\) is among the signed headers")


@pytest.mark.parametrize("missing", ["(request-target)", "host"])
def test_request_target_and_host_must_be_signed(keypair, missing):
    signed = [name for name in POST_SIGNED if name != missing]
    headers = _manual(keypair, signed, {}, digest=body_digest(BODY))
    refused(keypair, headers, re.escape(f"{missing} is not among the signed headers"))


def test_expired_signature_refused(keypair):
    now = int(datetime.now(UTC).timestamp())
    params = {"algorithm": '"hs2019"', "created": str(now - 100), "expires": str(now - 1)}
    signed = ["(request-target)", "(created)", "(expires)", "host", "digest"]
    headers = _manual(keypair, signed, params, digest=body_digest(BODY))
    refused(keypair, headers, "expired")


def test_missing_signature_header_refused(keypair):
    headers = signed_post(keypair)
    del headers["Signature"]
    refused(keypair, headers, "not signed: no Signature header", path="/users/alice/inbox")
    with pytest.raises(SignatureError, match="no Signature header"):
        signature_key_id({"Authorization": "Bearer abc"})


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("garbage", "malformed Signature header"),
        ('keyId="k",,signature="x"', "malformed Signature header"),
        ('keyId="k",headers="date",signature="abc', "malformed Signature header"),
        ('keyId="k",algorithm="rsa-sha256",headers="date"', "no signature parameter"),
        ('algorithm="rsa-sha256",signature="AAAA"', "no keyId parameter"),
        ('keyId="k",signature="AAAA",signature="AAAA"', "signature given twice"),
    ],
)
def test_malformed_signature_header_refused(value, match):
    with pytest.raises(SignatureError, match=match):
        parse_signature_header(value)
    with pytest.raises(SignatureError, match=match):
        verify_request(
            "GET", "/", {"Host": "h", "Date": http_date(), "Signature": value}, None, TEST_PUBLIC
        )


def test_bad_base64_signature_refused(keypair):
    headers = signed_post(keypair)
    headers["Signature"] = (
        headers["Signature"].rsplit('signature="', 1)[0] + 'signature="*not base64*"'
    )
    refused(keypair, headers, "signature is not valid base64", path="/users/alice/inbox")


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "rsa-sha1", "ed25519"])
def test_unsupported_algorithm_refused(keypair, algorithm):
    headers = signed_post(keypair)
    headers["Signature"] = headers["Signature"].replace('"rsa-sha256"', f'"{algorithm}"')
    message = refused(
        keypair, headers, "unsupported signature algorithm", path="/users/alice/inbox"
    )
    assert algorithm in message


# --- parsing --------------------------------------------------------------------------------


def test_parse_signature_header_is_tolerant():
    params = parse_signature_header(
        '  keyid = "https://h/u#k" ,  Algorithm="hs2019",  created=1402170695, '
        'foo="a, b=\\"c\\"",headers="(request-target) host",signature="AB+/cd=="  '
    )
    assert params == {
        "keyId": "https://h/u#k",
        "algorithm": "hs2019",
        "created": "1402170695",
        "foo": 'a, b="c"',
        "headers": "(request-target) host",
        "signature": "AB+/cd==",
    }


def test_parse_authorization_form_and_default_headers():
    params = parse_signature_header('Signature keyId="Test",signature="AAAA"')
    assert params == {"keyId": "Test", "signature": "AAAA", "headers": "date"}


def test_key_owner_url():
    assert key_owner_url("https://a.example/users/bob#main-key") == "https://a.example/users/bob"
    assert key_owner_url("https://gts.example/users/bob/main-key") == (
        "https://gts.example/users/bob/main-key"
    )


def test_generated_keys_and_caching():
    private_pem, public_pem = generate_rsa_keypair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = load_public_key(public_pem)
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert load_public_key(public_pem) is key
    with pytest.raises(SignatureError, match="cannot load the public key"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")


# --- RFC 9421 -------------------------------------------------------------------------------

# RFC 9421 appendix B.1.2 (test-key-rsa-pss, public half) and B.1.4 (test-key-ed25519).
RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
ED25519_PRIVATE = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
ED25519_PUBLIC = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
# The RFC's test-request (appendix B.2).
RFC_URL = "https://example.com/foo?param=Value&Pet=dog"
RFC_TARGET = "/foo?param=Value&Pet=dog"
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNye"
    "aldVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
}
RFC_TIME = datetime.fromtimestamp(1618884473, UTC)
B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1"
    "u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
)
B26_BASE = """"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")\
;created=1618884473;keyid="test-key-ed25519\""""
B21_PARAMS = '();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
B21_SIGNATURE = (
    "d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8U"
    "dx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJz"
    "sPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s"
    "++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q=="
)


def test_rfc_test_keys_and_content_digest_belong_together():
    private = serialization.load_pem_private_key(ED25519_PRIVATE.encode(), None)
    assert private.public_key() == load_public_key(ED25519_PUBLIC)
    check_content_digest(RFC_HEADERS["Content-Digest"], VECTOR_BODY)
    assert content_digest(VECTOR_BODY, "sha-512") == RFC_HEADERS["Content-Digest"]


def test_rfc9421_b26_ed25519_reproduced_byte_for_byte():
    components = ["date", "@method", "@path", "@authority", "content-type", "content-length"]
    signed = sign_request_rfc9421(
        "POST",
        RFC_URL,
        RFC_HEADERS,
        VECTOR_BODY,
        "test-key-ed25519",
        ED25519_PRIVATE,
        components=components,
        label="sig-b26",
        created=1618884473,
        include_alg=False,
    )
    assert signed["Signature-Input"] == B26_INPUT
    assert signed["Signature"] == B26_SIGNATURE
    inputs = parse_signature_input(B26_INPUT)
    assert inputs["sig-b26"].components == tuple(components)
    base = signature_base("POST", RFC_TARGET, RFC_HEADERS, components, B26_INPUT[8:])
    assert base == B26_BASE
    signature = base64.b64decode(B26_SIGNATURE[9:-1])
    assert verify_signature_base(base, signature, ED25519_PUBLIC) == "ed25519"
    # It covers no content-digest: a fine RFC example, not enough for an inbox POST.
    headers = {**RFC_HEADERS, "Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}
    with pytest.raises(SignatureError, match="content-digest is not covered"):
        verify_request_rfc9421(
            "POST", RFC_TARGET, headers, VECTOR_BODY, ED25519_PUBLIC, now=RFC_TIME
        )


def test_rfc9421_b21_rsa_pss_verified():
    assert parse_signature_input(f"sig-b21={B21_PARAMS}")["sig-b21"].serialized == B21_PARAMS
    base = signature_base("POST", RFC_TARGET, RFC_HEADERS, [], B21_PARAMS)
    assert base == f'"@signature-params": {B21_PARAMS}'
    signature = base64.b64decode(B21_SIGNATURE)
    assert (
        verify_signature_base(base, signature, RSA_PSS_PUBLIC, "rsa-pss-sha512") == "rsa-pss-sha512"
    )
    assert verify_signature_base(base, signature, RSA_PSS_PUBLIC) == "rsa-pss-sha512"  # no alg
    with pytest.raises(SignatureError, match="signature does not match"):
        verify_signature_base(base, signature, RSA_PSS_PUBLIC, "rsa-v1_5-sha256")
    # Covering nothing, it proves possession of the key and nothing about the request.
    headers = {
        **RFC_HEADERS,
        "Signature-Input": f"sig-b21={B21_PARAMS}",
        "Signature": f"sig-b21=:{B21_SIGNATURE}:",
    }
    with pytest.raises(SignatureError, match="does not cover @method"):
        verify_request_rfc9421("GET", RFC_TARGET, headers, None, RSA_PSS_PUBLIC, now=RFC_TIME)


def _keys_for(alg, rsa_pair):
    if alg.startswith("rsa"):
        return rsa_pair
    key = (
        ed25519.Ed25519PrivateKey.generate()
        if alg == "ed25519"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize(
    "alg", ["rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519", "ecdsa-p256-sha256"]
)
def test_rfc9421_round_trip(alg, keypair):
    private, public = _keys_for(alg, keypair)
    headers = sign_request_rfc9421(
        "POST", INBOX, {"Content-Type": "application/activity+json"}, BODY, KEY_ID, private, alg=alg
    )
    assert headers["Content-Digest"] == content_digest(BODY)
    assert headers["Signature-Input"].startswith(
        'sig1=("@method" "@target-uri" "@authority" "content-digest" "date");created='
    )
    assert headers["Signature-Input"].endswith(f';keyid="{KEY_ID}";alg="{alg}"')
    verified = verify_request_rfc9421("POST", "/users/alice/inbox", headers, BODY, public)
    assert (verified.key_id, verified.algorithm, verified.scheme) == (KEY_ID, alg, "rfc9421")
    assert verify_any("POST", "/users/alice/inbox", headers, BODY, public).scheme == "rfc9421"
    assert signature_key_id(headers) == KEY_ID


def test_rfc9421_get_round_trip_with_derived_components(keypair):
    components = ["@method", "@scheme", "@authority", "@path", "@query", "@request-target"]
    url = "https://me.example:443/notes/1?page=2"
    headers = sign_request_rfc9421(
        "GET", url, {}, None, KEY_ID, keypair[0], components=components, include_alg=False
    )
    assert headers["Host"] == "me.example:443"
    verified = verify_request_rfc9421("GET", "/notes/1?page=2", headers, None, keypair[1])
    assert verified.algorithm == "rsa-v1_5-sha256"  # inferred from the RSA key
    base = signature_base("GET", "/notes/1?page=2", headers, components, "()")
    assert base.splitlines()[:6] == [
        '"@method": GET',
        '"@scheme": https',
        '"@authority": me.example',
        '"@path": /notes/1',
        '"@query": ?page=2',
        '"@request-target": /notes/1?page=2',
    ]


@pytest.fixture
def rfc_signed(keypair):
    return sign_request_rfc9421("POST", INBOX, {}, BODY, KEY_ID, keypair[0])


def rfc_refused(keypair, headers, match, *, body=BODY, path="/users/alice/inbox", **kwargs):
    with pytest.raises(SignatureError, match=match):
        verify_request_rfc9421("POST", path, headers, body, keypair[1], **kwargs)


def test_rfc9421_tampering_refused(keypair, rfc_signed):
    rfc_refused(keypair, rfc_signed, "signature does not match", path="/users/eve/inbox")
    rfc_refused(keypair, {**rfc_signed, "Host": "other.example"}, "signature does not match")
    rfc_refused(keypair, rfc_signed, "signature does not match", scheme="http")
    other = rfc_signed["Signature"][:10] + ("A" if rfc_signed["Signature"][10] != "A" else "B")
    rfc_refused(
        keypair,
        {**rfc_signed, "Signature": other + rfc_signed["Signature"][11:]},
        "signature does not match",
    )
    stranger = generate_rsa_keypair()[1]
    with pytest.raises(SignatureError, match="signature does not match"):
        verify_request_rfc9421("POST", "/users/alice/inbox", rfc_signed, BODY, stranger)


def test_rfc9421_content_digest_mismatch_refused(keypair, rfc_signed):
    rfc_refused(keypair, rfc_signed, "Content-Digest mismatch", body=BODY + b"!")
    lying = {**rfc_signed, "Content-Digest": content_digest(b"something else", "sha-512")}
    rfc_refused(keypair, lying, "Content-Digest mismatch")


def test_rfc9421_body_must_be_covered(keypair):
    headers = sign_request_rfc9421(
        "POST", INBOX, {}, BODY, KEY_ID, keypair[0], components=["@method", "@target-uri", "date"]
    )
    rfc_refused(keypair, headers, "content-digest is not covered")


def test_rfc9421_times_checked(keypair):
    now = datetime.now(UTC)
    old = sign_request_rfc9421(
        "POST", INBOX, {}, BODY, KEY_ID, keypair[0], now=now - timedelta(hours=3)
    )
    rfc_refused(keypair, old, "created .* more than 2 hours old")
    ahead = sign_request_rfc9421(
        "POST", INBOX, {}, BODY, KEY_ID, keypair[0], now=now + timedelta(hours=1)
    )
    rfc_refused(keypair, ahead, "created .* in the future")
    expired = sign_request_rfc9421(
        "POST", INBOX, {}, BODY, KEY_ID, keypair[0], expires=int(now.timestamp()) - 1
    )
    rfc_refused(keypair, expired, "expired")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"Signature-Input": 'sig1=("@method" "@target-uri"'}, "malformed Signature-Input header"),
        ({"Signature-Input": "sig1=?1"}, "not a list of component names"),
        ({"Signature": "sig2=:AAAA:"}, "no signature label appears in both"),
        ({"Signature": 'sig1="AAAA"'}, "not a byte sequence"),
    ],
)
def test_rfc9421_malformed_headers_refused(keypair, rfc_signed, change, match):
    rfc_refused(keypair, {**rfc_signed, **change}, match)


def test_rfc9421_unsupported_alg_and_components_refused(keypair, rfc_signed):
    hmac_input = rfc_signed["Signature-Input"].replace('"rsa-v1_5-sha256"', '"hmac-sha256"')
    rfc_refused(
        keypair, {**rfc_signed, "Signature-Input": hmac_input}, "unsupported signature algorithm"
    )
    mismatched = rfc_signed["Signature-Input"].replace('"rsa-v1_5-sha256"', '"ed25519"')
    rfc_refused(keypair, {**rfc_signed, "Signature-Input": mismatched}, "does not fit the key")
    with_param = rfc_signed["Signature-Input"].replace('"date"', '"date";sf')
    rfc_refused(keypair, {**rfc_signed, "Signature-Input": with_param}, "component parameters")
    status = rfc_signed["Signature-Input"].replace('"date"', '"@status"')
    rfc_refused(keypair, {**rfc_signed, "Signature-Input": status}, "unsupported derived component")


def test_structured_field_parsing():
    inputs = parse_signature_input(
        'a=("@method"   "x-y");created=1;alg="ed25519";flag;n=-2.50;t=tok/en, '
        'b=();nonce="q\\"uote";bin=:AQI=:;off=?0'
    )
    assert inputs["a"].components == ("@method", "x-y")
    assert (
        inputs["a"].serialized == '("@method" "x-y");created=1;alg="ed25519";flag;n=-2.5;t=tok/en'
    )
    assert inputs["b"].params == {"nonce": 'q"uote', "bin": b"\x01\x02", "off": False}
    assert inputs["b"].serialized == '();nonce="q\\"uote";bin=:AQI=:;off=?0'
    check_content_digest("md5=:AAAA:, sha-256=:" + content_digest(BODY)[9:], BODY)
    for bad in ("sha-256=:AAAA:,", "SHA-256=:AAAA:", "sha-256=AAAA", "sha-256=:A:"):
        with pytest.raises(SignatureError, match="Content-Digest"):
            check_content_digest(bad, BODY)
    two = {"Signature-Input": 'x=();keyid="k1", y=();keyid="k2"', "Signature": "y=:AA==:, x=:AA:"}
    assert rfc9421.selected_signature(two)[1].key_id == "k1"
    assert rfc9421.selected_signature(two, "y")[1].key_id == "k2"


def test_starlette_headers_as_an_inbox_receives_them(keypair):
    """What the inbox route will pass: Starlette's Headers (lower-case, repeated fields)."""
    from starlette.datastructures import Headers

    signed = signed_post(keypair)
    raw = [(name.lower().encode(), value.encode()) for name, value in signed.items()]
    headers = Headers(raw=[*raw, (b"accept", b"a"), (b"accept", b"b")])
    assert verify_any("POST", "/users/alice/inbox", headers, BODY, keypair[1]).key_id == KEY_ID
    rfc = sign_request_rfc9421(
        "POST",
        INBOX,
        {"Accept": "a, b"},
        BODY,
        KEY_ID,
        keypair[0],
        components=["@method", "@target-uri", "content-digest", "accept"],
    )
    raw = [(n.lower().encode(), v.encode()) for n, v in rfc.items() if n != "Accept"]
    headers = Headers(raw=[*raw, (b"accept", b"a"), (b"accept", b" b ")])
    assert verify_any("POST", "/users/alice/inbox", headers, BODY, keypair[1]).scheme == "rfc9421"
