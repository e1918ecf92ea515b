"""The shared test vectors (tests/vectors/), checked through the binding's
exported helpers: channel and user signatures, HTTP API request signatures,
webhook signatures, Lite session tokens, and encrypted payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import pusher_lite as pl

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


SIGNATURES = load("signatures.json")
JWT = load("jwt.json")
ENCRYPTION = load("encryption.json")
APP = pl.AppCredentials(
    app_id=SIGNATURES["credentials"]["app_id"],
    key=SIGNATURES["credentials"]["key"],
    secret=SIGNATURES["credentials"]["secret"],
)


@pytest.mark.parametrize("case", SIGNATURES["channel_auth"], ids=lambda c: c["channel"])
def test_channel_authorization_signatures(case: dict[str, Any]) -> None:
    socket_id, channel, data = case["socket_id"], case["channel"], case["channel_data"]
    assert pl.channel_string_to_sign(socket_id, channel, data) == case["string_to_sign"]
    assert pl.auth_string(APP, case["string_to_sign"]) == case["auth"]
    assert pl.verify_channel_auth(APP, socket_id, channel, data, case["auth"])
    assert not pl.verify_channel_auth(APP, socket_id, channel + "x", data, case["auth"])
    if "shared_secret" in case:
        auth = pl.authorize_channel(APP, socket_id, channel, None, ENCRYPTION["master_key_base64"])
        assert auth.auth == case["auth"]
        assert auth.shared_secret == case["shared_secret"]
        assert json.loads(auth.json) == {"auth": case["auth"], "shared_secret": case["shared_secret"]}


def test_the_docs_examples_are_among_the_vectors() -> None:
    sources = [c["source"] for c in SIGNATURES["channel_auth"] + SIGNATURES["user_auth"]]
    assert sources.count("pusher-docs") == 3


@pytest.mark.parametrize("case", SIGNATURES["user_auth"], ids=lambda c: c["socket_id"])
def test_user_authentication_signatures(case: dict[str, Any]) -> None:
    socket_id, user_data = case["socket_id"], case["user_data"]
    assert pl.user_string_to_sign(socket_id, user_data) == case["string_to_sign"]
    auth = pl.authenticate_user(APP, socket_id, user_data)
    assert auth.auth == case["auth"]
    assert auth.user_data == user_data
    assert pl.verify_user_auth(APP, socket_id, user_data, case["auth"])
    assert not pl.verify_user_auth(APP, socket_id + "1", user_data, case["auth"])


@pytest.mark.parametrize("case", SIGNATURES["http_api"], ids=lambda c: c["path"])
def test_http_api_request_signatures(case: dict[str, Any]) -> None:
    if "body_md5" in case:
        assert pl.body_md5(case["body"]) == case["body_md5"]
    signed = pl.sign_http_request(
        APP, case["method"], case["path"], case["query"], case["body"], case["timestamp"]
    )
    assert signed[-1] == ["auth_signature", case["auth_signature"]]
    params = dict((k, v) for k, v in signed[:-1])
    assert params["auth_key"] == APP.key
    assert params["auth_timestamp"] == str(case["timestamp"])
    for name, value in case["query"]:
        assert params[name] == value


def test_a_query_parameter_must_be_a_pair() -> None:
    with pytest.raises(pl.PusherError.Invalid):
        pl.sign_http_request(APP, "GET", "/apps/3/channels", [["only-a-name"]], "", 1)


@pytest.mark.parametrize("case", SIGNATURES["webhooks"], ids=lambda c: c["signature"][:8])
def test_webhook_signatures(case: dict[str, Any]) -> None:
    body = case["body"]
    assert pl.webhook_signature(APP.secret, body) == case["signature"]
    parsed = pl.verify_webhook_at(APP, case["key"], case["signature"], body, 0, None)
    assert parsed.time_ms == json.loads(body)["time_ms"]
    assert len(parsed.events) == len(json.loads(body)["events"])
    assert parsed.events[0] == pl.WebhookEvent.CHANNEL_OCCUPIED(channel="general")
    with pytest.raises(pl.PusherError.Webhook):
        pl.verify_webhook_at(APP, case["key"], case["signature"], body.replace("u1", "u2"), 0, None)
    with pytest.raises(pl.PusherError.Webhook):
        pl.verify_webhook_at(APP, "other-key", case["signature"], body, 0, None)


@pytest.mark.parametrize("case", JWT["valid"], ids=lambda c: str(c["now"]))
def test_valid_session_tokens(case: dict[str, Any]) -> None:
    claims = pl.decode_session(case["token"], JWT["secret"], case["now"])
    expected = case["claims"]
    assert claims.iss == expected["iss"]
    assert (claims.iat, claims.exp) == (expected["iat"], expected["exp"])
    assert claims.org == expected["org"]
    assert claims.sub == expected.get("sub")
    assert (json.loads(claims.user_info) if claims.user_info else None) == expected.get("user_info")
    assert claims.listen == expected["listen"]
    assert claims.publish == expected["publish"]
    assert pl.session_problem(case["token"], JWT["secret"], case["now"]) is None
    assert pl.encode_session(claims, JWT["secret"]) == case["token"], "the same bytes"


PROBLEMS = {
    "expired": pl.TokenProblem.EXPIRED,
    "not_yet_valid": pl.TokenProblem.NOT_YET_VALID,
    "signature": pl.TokenProblem.SIGNATURE,
    "algorithm": pl.TokenProblem.ALGORITHM,
    "malformed": pl.TokenProblem.MALFORMED,
    "claims": pl.TokenProblem.CLAIMS,
}


@pytest.mark.parametrize("case", JWT["invalid"], ids=lambda c: c["error"])
def test_refused_session_tokens(case: dict[str, Any]) -> None:
    assert pl.session_problem(case["token"], JWT["secret"], case["now"]) == PROBLEMS[case["error"]]
    with pytest.raises(pl.PusherError.Token):
        pl.decode_session(case["token"], JWT["secret"], case["now"])


@pytest.mark.parametrize("case", JWT["patterns"], ids=lambda c: f"{c[0]} {c[1]}")
def test_session_channel_patterns(case: list[Any]) -> None:
    pattern, channel, matches = case
    assert pl.session_pattern_matches(pattern, channel) is matches


@pytest.mark.parametrize("case", ENCRYPTION["sealed"], ids=lambda c: c["channel"])
def test_sealed_payloads(case: dict[str, Any]) -> None:
    key = pl.channel_shared_secret(case["channel"], ENCRYPTION["master_key_base64"])
    assert key == case["shared_secret"]
    assert pl.decrypt_payload(key, case["data"]) == case["plaintext"]
    nonce = json.loads(case["data"])["nonce"]
    assert pl.encrypt_payload(key, nonce, case["plaintext"]) == case["data"], "tweetnacl's bytes"
    assert pl.payload_problem(key, case["data"]) is None


PAYLOAD_PROBLEMS = {
    "authentication": pl.PayloadProblem.AUTHENTICATION,
    "nonce_length": pl.PayloadProblem.NONCE_LENGTH,
    "ciphertext_length": pl.PayloadProblem.CIPHERTEXT_LENGTH,
    "format": pl.PayloadProblem.FORMAT,
}


@pytest.mark.parametrize("case", ENCRYPTION["refused"], ids=lambda c: c["error"])
def test_refused_payloads(case: dict[str, Any]) -> None:
    key = pl.channel_shared_secret(case["key_of"], ENCRYPTION["master_key_base64"])
    assert pl.payload_problem(key, case["data"]) == PAYLOAD_PROBLEMS[case["error"]]
    with pytest.raises(pl.PusherError.Encryption):
        pl.decrypt_payload(key, case["data"])


def test_a_bad_master_key_is_an_encryption_error() -> None:
    with pytest.raises(pl.PusherError.Encryption):
        pl.channel_shared_secret("private-encrypted-x", "not base64!")
