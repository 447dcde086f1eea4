"""One plain-language sentence per live request: what the client asked and what the answer means."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Literal

from regsim.model.core.events import RequestOutcome
from regsim.model.oci.errors import ErrorCode
from regsim.model.oci.response import Response
from regsim.model.oci.routes import RouteName
from regsim.units import short_digest as short


def _error_code(response: Response) -> str | None:
    if response.error is not None:
        return response.error.code.name
    if isinstance(response.body, bytes) and response.status >= 400:
        try:
            return str(json.loads(response.body)["errors"][0]["code"])
        except (ValueError, KeyError, IndexError, TypeError):
            return None
    return None


def refusal_said(response: Response) -> ErrorCode | RequestOutcome:
    """A refusal's outcome when `outcome` has no word for it: the error the answer names (its code,
    as the registry's log and the client's error line call it), or ERROR when it names none we know."""
    code = _error_code(response)
    return ErrorCode.__members__.get(code or "", RequestOutcome.ERROR)


_PARAM = re.compile(r'(\w+)="([^"]*)"')


def challenge_text(challenge: str) -> str:
    """What a 401's WWW-Authenticate asks of the client (the token spec's dance, or Basic)."""
    params = dict(_PARAM.findall(challenge))
    if challenge.lower().startswith("bearer"):
        scope = params.get("scope")
        return (f"401: a token is needed: the client asks the token service {params.get('realm', '?')} for "
                f"{scope or 'a token that only proves who it is'} (service {params.get('service', '?')}), "
                "then sends this request again with the token")
    if challenge.lower().startswith("basic"):
        return ("401: the registry wants a user name and password (Basic auth): the client sends them "
                "with this request again, and with every request after it")
    return "401: the client must authenticate first"


def explain(route: RouteName, method: str, response: Response, parts: Mapping[str, str]) -> str:
    """Why this request was made and what its answer tells the client.

    `parts` are the path's parts (name, reference, digest, uuid) and, for a mount, `mount` and `from`."""
    status = response.status
    code = _error_code(response)
    name = parts.get("name", "")
    digest = short(parts.get("digest", ""))
    reference = short(parts.get("reference", ""))
    if status == 401:
        challenge = response.headers.get("WWW-Authenticate", "")
        if 'error="insufficient_scope"' in challenge:
            scope = challenge.partition('scope="')[2].partition('"')[0]
            # The token service granted less than asked; asking again gets the same (docker prints "denied").
            return (f"401 insufficient_scope: the client's token does not allow this; only a client allowed "
                    f"{scope or 'the scope the challenge names'} gets a token for it (docker reports 'denied')")
        if 'error="invalid_token"' in challenge:
            return ("401 invalid_token: the token is expired or not signed by this registry; "
                    "the client asks for a new one")
        return challenge_text(challenge)
    if status == 403:
        return "403 DENIED: the client is known but may not do this here"
    if route == RouteName.PING:
        return "the client checks that this is a v2 registry and whether it needs to log in"
    if route == RouteName.TOKEN:
        return "the token service hands out a signed, expiring token for the scopes asked and allowed"
    if route == RouteName.BLOB and method == "HEAD":
        if status == 200:
            return f"HEAD blob → 200: {name} already has {digest}, so the client skips uploading it"
        return f"HEAD blob → 404: {name} lacks {digest}, so the client will upload it (or mount it)"
    if route == RouteName.BLOB and method == "GET":
        if status == 206:
            return f"a byte range of {digest}: the client resumes or splits a download"
        if status == 200:
            return f"the client downloads {digest} ({response.length:,} bytes)"
        if status == 416:
            return (f"416: the Range asked for lies outside {digest}: the blob is there, but has no such bytes; "
                    "the client asks again for a range inside it, or for the whole blob")
        if status == 404:
            return f"{digest} is not in {name}: {code}"
        return f"blob download refused: {code}"
    if route == RouteName.BLOB and method == "DELETE":
        if status != 202:
            return f"blob delete refused: {code}"
        if parts.get("referenced"):
            return (f"{digest} is unlinked from {name}, yet a manifest here still names it: pulls of that image "
                    "from here now fail on this blob, and garbage collection keeps its bytes while a manifest "
                    "references them")
        return f"{digest} is unlinked from {name}; no manifest names it, so its bytes go at the next garbage collection"
    if route == RouteName.UPLOADS and method == "POST":
        if "mount" in parts:
            if status == 201:
                return f"cross-repository mount: {digest} is linked from {parts.get('from')} — no byte travels"
            if status == 202:
                return "mount refused (the source lacks the blob or may not be read): an ordinary upload opens instead"
        if status == 201:
            return f"a single POST carried the whole blob {digest}; its digest was checked and it is stored"
        if status == 202:
            return "an upload session opens; the Location header says where to send the bytes"
    if route == RouteName.UPLOAD:
        if method == "PATCH":
            return "a chunk of the blob arrives; the Range header says how much the registry holds" if status == 202 \
                else ("416: the chunk does not continue where the upload stands" if status == 416
                      else f"chunk refused: {code}")
        if method == "PUT":
            if status == 201:
                return f"the upload closes: the bytes hash to {digest}, so the blob is stored"
            if code == "DIGEST_INVALID":
                return "the bytes do not hash to the digest the client named: nothing is stored"
            return f"upload not completed: {code}"
        if method == "GET":
            return "upload status: 204 with Range tells a client where to resume"
        if method == "DELETE":
            return "the client abandons the upload; its bytes are discarded"
    if route == RouteName.MANIFEST:
        if method == "PUT":
            if status == 201:
                return f"the manifest is stored as {short(response.headers.get('Docker-Content-Digest', ''))}" + (
                    f" and tag {reference} now points at it" if ":" not in parts.get("reference", ":") else ""
                )
            if code == "MANIFEST_BLOB_UNKNOWN":
                return "the manifest names a blob this repository lacks: push the blobs first"
            if status == 413:
                return "the manifest is over 4 MiB: refused"
            return f"manifest refused: {code}"
        if method in ("GET", "HEAD"):
            if status == 200:
                resolved = short(response.headers.get("Docker-Content-Digest", ""))
                return f"the client resolves {name}:{reference} to {resolved}"
            error = response.error
            if error is not None and error.message != error.code.message:
                # e.g. an OCI manifest asked for with an Accept header that does not list its type
                return (f"{name}:{reference} is stored, but not sent: {error.message} ({code}); "
                        "a client must list the manifest's media type in its Accept header")
            return f"{name} has no manifest {reference}: {code}"
        if method == "DELETE":
            if status != 202:
                return f"delete refused: {code}"
            if ":" in parts.get("reference", ""):
                return (f"the manifest {reference} is deleted from {name}, and every tag that pointed at it "
                        "goes with it")
            return f"tag {reference} is removed from {name}; the manifest it named stays, reachable by its digest"
    if route == RouteName.TAGS:
        return f"the tags of {name}, in lexical order" if status == 200 else f"tag list refused: {code}"
    if route == RouteName.CATALOG:
        return "the list of repositories"
    if route == RouteName.REFERRERS:
        if status == 200:
            return f"the artifacts (signatures, SBOMs, ...) whose subject is {digest}"
        return f"referrers refused: {code}"
    return f"{method} → {status}" + (f" {code}" if code else "")


def outcome(route: RouteName, method: str, status: int, parts: Mapping[str, str]) -> RequestOutcome | Literal[""]:
    """The request log's outcome word (it picks the row's colour): what the answer means in one word;
    "" when the answer is an error the server names by its code instead."""
    if status == 401:
        return RequestOutcome.CHALLENGE
    if route == RouteName.TOKEN and status == 200:
        return RequestOutcome.TOKEN
    if route == RouteName.BLOB and method == "HEAD":
        return RequestOutcome.EXISTS if status == 200 else (RequestOutcome.MISSING if status == 404 else "")
    if route == RouteName.BLOB and method == "GET" and status in (200, 206):
        return RequestOutcome.DOWNLOADED
    if route == RouteName.UPLOADS and method == "POST" and status == 201:
        return RequestOutcome.MOUNTED if "mount" in parts else RequestOutcome.SENT
    if route == RouteName.UPLOAD and method in ("PATCH", "PUT") and status in (201, 202):
        return RequestOutcome.SENT
    if route == RouteName.MANIFEST and method in ("GET", "HEAD") and status == 404:
        return RequestOutcome.MISSING
    if route == RouteName.MANIFEST and method == "PUT" and status == 201:
        return RequestOutcome.STORED
    return RequestOutcome.OK if status < 400 else ""
