"""Every OCI Distribution endpoint, called on the Registry directly, as a registry engineer sees it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import pytest
from conftest import Restarted

from regsim.model.oci.blob import SizedContent
from regsim.model.oci.descriptor import Descriptor, Platform
from regsim.model.oci.digest import sha256_digest
from regsim.model.oci.errors import SPEC_ERROR_CODES, ErrorCode, RegistryError
from regsim.model.oci.manifest import build_index, build_manifest, canonical_json
from regsim.model.oci.mediatype import (
    DOCKER_ACCEPT,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
)
from regsim.model.oci.response import Response
from regsim.model.registry.gc import collect_garbage
from regsim.model.registry.ratelimit import DOCKER_HUB_MESSAGE, PullRateLimit
from regsim.model.registry.registry import Registry
from regsim.model.registry.storage import MemoryStorage
from regsim.model.registry.store import RegistryStore
from regsim.model.registry.upload import UploadSession

HOST = "registry.example"
NAME = "team/app"
ZERO = "sha256:" + "0" * 64


# ----- helpers ------------------------------------------------------------------------------------


def data_of(seed: str, size: int) -> bytes:
    """`size` deterministic bytes that differ per seed."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def upload(reg: Registry, name: str, data: bytes) -> str:
    """POST, PATCH the bytes, PUT ?digest=: the three-request upload a real client makes."""
    digest = sha256_digest(data)
    opened = reg.start_upload(None, name)
    uuid = opened.headers["Location"].rsplit("/", 1)[1]
    reg.patch_upload(None, name, uuid, data)
    reg.put_upload(None, name, uuid, digest)
    return digest


def layer_desc(data: bytes) -> Descriptor:
    return Descriptor(OCI_LAYER, sha256_digest(data), len(data))


def config_for(tag: str, platform: str = "linux/amd64") -> bytes:
    os_, arch = platform.split("/")
    return canonical_json({"architecture": arch, "os": os_, "config": {"Labels": {"tag": tag}}})


def push_image(reg: Registry, name: str, reference: str, layers: list[bytes], *, config: bytes | None = None,
               subject: Descriptor | None = None, artifact_type: str | None = None,
               config_media_type: str | None = None, media_type: str = OCI_MANIFEST):  # type: ignore[no-untyped-def]
    """Upload the layers and config with real bytes, then PUT the manifest; returns the Manifest."""
    config = config if config is not None else config_for(reference)
    for data in [*layers, config]:
        upload(reg, name, data)
    manifest = build_manifest(
        config, tuple(layer_desc(d) for d in layers), subject=subject, artifact_type=artifact_type,
        config_media_type=config_media_type, media_type=media_type,
    )
    response = reg.put_manifest(None, name, reference if reference else manifest.digest, manifest.raw,
                                manifest.media_type)
    assert response.status == 201
    return manifest


def uuid_of(response: Response) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


def state(reg: Registry) -> tuple[bytes, int]:
    return reg.snapshot_json(), reg.stored_layer_bytes


def refused(reg: Registry, call, code: ErrorCode) -> RegistryError:  # type: ignore[no-untyped-def]
    """`call` is refused with `code`, and the registry's stored state is exactly as before.

    A refusal is raised, or (a blob HEAD's miss, the common answer) returned as the error
    response the transport would have made of it.
    """
    before = state(reg)
    try:
        answer = call()
    except RegistryError as raised:
        error = raised
    else:
        assert isinstance(answer, Response) and answer.error is not None, f"not refused: {answer!r}"
        error = answer.error
        assert answer == Response.from_error(error)
    assert error.code is code, f"{error.code.name}: {error.reason}"
    assert error.status == code.status
    assert state(reg) == before
    return error


BASE1, BASE2, V1, V2 = (data_of(s, n) for s, n in (("base1", 3000), ("base2", 1500), ("v1", 700), ("v2", 300)))


@pytest.fixture
def reg() -> Registry:
    return Registry(HOST)


@pytest.fixture
def loaded(reg: Registry):  # type: ignore[no-untyped-def]
    """team/app with v1 and v2 (real bytes) pushed by tag."""
    v1 = push_image(reg, NAME, "v1", [BASE1, BASE2, V1])
    v2 = push_image(reg, NAME, "v2", [BASE1, BASE2, V2])
    return reg, v1, v2


# ----- API version --------------------------------------------------------------------------------


def test_version_endpoint_answers_200_with_registry_2_0(reg):
    response = reg.ping()
    assert response.status == 200
    assert response.headers["Docker-Distribution-API-Version"] == "registry/2.0"


# ----- blobs ----------------------------------------------------------------------------------------


def test_head_blob_gives_size_and_digest_but_no_body(loaded):
    reg, _, _ = loaded
    digest = sha256_digest(BASE1)
    response = reg.head_blob(None, NAME, digest)
    assert response.status == 200
    assert response.headers["Content-Length"] == str(len(BASE1))
    assert response.headers["Docker-Content-Digest"] == digest
    assert response.body is None


def test_real_bytes_uploaded_come_back_identical(reg):
    data = data_of("payload", 10_007)
    digest = upload(reg, NAME, data)
    response = reg.get_blob(None, NAME, digest)
    assert response.status == 200
    assert response.body == data
    assert response.headers["Docker-Content-Digest"] == digest
    assert response.headers["Content-Length"] == "10007"


def test_byte_range_of_a_real_blob_answers_206_with_content_range(reg):
    data = data_of("ranged", 1000)
    digest = upload(reg, NAME, data)
    response = reg.get_blob(None, NAME, digest, (100, 199))
    assert response.status == 206
    assert response.body == data[100:200]
    assert response.headers["Content-Range"] == "bytes 100-199/1000"
    assert response.headers["Content-Length"] == "100"


def test_byte_range_past_the_end_is_clipped_to_the_last_byte(reg):
    data = data_of("ranged", 1000)
    digest = upload(reg, NAME, data)
    response = reg.get_blob(None, NAME, digest, (900, 5000))
    assert response.status == 206
    assert response.body == data[900:]
    assert response.headers["Content-Range"] == "bytes 900-999/1000"


def test_byte_range_of_a_sized_blob_stands_for_that_many_bytes(reg):
    digest = "sha256:" + "ab" * 32
    opened = reg.start_upload(None, NAME)
    reg.patch_upload(None, NAME, uuid_of(opened), SizedContent(digest, 48_000_000))
    reg.put_upload(None, NAME, uuid_of(opened), digest)
    response = reg.get_blob(None, NAME, digest, (0, 999_999))
    assert response.status == 206
    assert len(response.body) == 1_000_000
    assert response.headers["Content-Range"] == "bytes 0-999999/48000000"


def test_range_starting_beyond_the_blob_is_416_range_invalid(reg):
    digest = upload(reg, NAME, b"short")
    refused(reg, lambda: reg.get_blob(None, NAME, digest, (10, 20)), ErrorCode.RANGE_INVALID)


@pytest.mark.parametrize("byte_range", [(10, 20), (5, 9), (3, 1)], ids=["beyond", "at-the-end", "backwards"])
def test_a_416_for_a_byte_range_says_the_blobs_length_in_content_range(reg, byte_range):
    digest = upload(reg, NAME, b"short")   # 5 bytes: 0-4
    error = refused(reg, lambda: reg.get_blob(None, NAME, digest, byte_range), ErrorCode.RANGE_INVALID)
    assert error.headers == {"Content-Range": "bytes */5"}   # RFC 9110: unsatisfied-range
    response = Response.from_error(error)
    assert response.status == 416
    assert response.headers["Content-Range"] == "bytes */5"


def test_a_416_on_a_sized_blob_gives_its_declared_length(reg):
    digest = "sha256:" + "cd" * 32
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, SizedContent(digest, 48_000_000))
    reg.put_upload(None, NAME, uuid, digest)
    error = refused(reg, lambda: reg.get_blob(None, NAME, digest, (48_000_000, 48_000_100)),
                    ErrorCode.RANGE_INVALID)
    assert error.headers["Content-Range"] == "bytes */48000000"


def test_blob_stored_for_one_repository_is_not_readable_through_another(reg):
    digest = upload(reg, NAME, b"team only")
    assert reg.head_blob(None, NAME, digest).status == 200
    refused(reg, lambda: reg.head_blob(None, "other/app", digest), ErrorCode.BLOB_UNKNOWN)
    refused(reg, lambda: reg.get_blob(None, "other/app", digest), ErrorCode.BLOB_UNKNOWN)


def test_a_blob_head_refused_twice_then_pushed_is_found(reg):
    """docker's push HEADs a missing blob twice (once more right before uploading it); both get
    distribution's 404 BLOB_UNKNOWN with the digest as detail (registry/handlers/blob.go), and
    the next HEAD once the blob is pushed, here or only elsewhere, says what the store now holds."""
    data = b"pushed after two misses"
    digest = sha256_digest(data)
    first = reg.head_blob(None, NAME, digest)
    second = reg.head_blob(None, NAME, digest)
    for answer in (first, second):
        assert answer.status == 404
        assert answer.error is not None and answer.error.code is ErrorCode.BLOB_UNKNOWN
        assert json.loads(answer.body)["errors"][0]["detail"] == digest
    assert second.body == first.body and second.error.reason == first.error.reason
    upload(reg, "other/app", data)   # stored, but not linked into NAME
    assert reg.head_blob(None, NAME, digest).status == 404
    upload(reg, NAME, data)
    assert reg.head_blob(None, NAME, digest).status == 200


# ----- uploads ----------------------------------------------------------------------------------


def test_post_opens_a_session_with_location_and_range_0_0(reg):
    response = reg.start_upload(None, NAME)
    assert response.status == 202
    uuid = response.headers["Docker-Upload-UUID"]
    assert response.headers["Location"] == f"/v2/{NAME}/blobs/uploads/{uuid}"
    assert response.headers["Range"] == "0-0"


def test_monolithic_post_then_put_with_the_bytes_stores_the_blob(reg):
    data = data_of("mono", 4096)
    digest = sha256_digest(data)
    opened = reg.start_upload(None, NAME)
    response = reg.put_upload(None, NAME, uuid_of(opened), digest, data)
    assert response.status == 201
    assert response.headers["Docker-Content-Digest"] == digest
    assert response.headers["Location"] == f"/v2/{NAME}/blobs/{digest}"
    assert reg.get_blob(None, NAME, digest).body == data
    assert reg.uploads == {}


def test_single_post_with_digest_stores_the_blob_in_one_request(reg):
    data = data_of("single", 2048)
    digest = sha256_digest(data)
    response = reg.start_upload(None, NAME, digest=digest, body=data)
    assert response.status == 201
    assert response.headers["Docker-Content-Digest"] == digest
    assert reg.get_blob(None, NAME, digest).body == data
    assert reg.uploads == {}


def test_chunked_upload_with_content_ranges_assembles_the_blob(reg):
    data = data_of("chunks", 2500)
    digest = sha256_digest(data)
    uuid = uuid_of(reg.start_upload(None, NAME))
    first = reg.patch_upload(None, NAME, uuid, data[:1000], (0, 999))
    assert first.status == 202
    second = reg.patch_upload(None, NAME, uuid, data[1000:2000], (1000, 1999))
    # Each answer says where the upload stood when it was given, read before or after the next chunk.
    assert first.headers["Range"] == "0-999"
    assert second.headers["Range"] == "0-1999"
    done = reg.put_upload(None, NAME, uuid, digest, data[2000:])
    assert done.status == 201
    assert reg.get_blob(None, NAME, digest).body == data


def test_out_of_order_chunk_is_refused_with_416_and_the_upload_keeps_its_bytes(reg):
    data = data_of("chunks", 2000)
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, data[:1000], (0, 999))
    error = refused(reg, lambda: reg.patch_upload(None, NAME, uuid, data[1500:], (1500, 1999)),
                    ErrorCode.RANGE_INVALID)
    assert error.status == 416
    assert "1000" in error.reason and "1500" in error.reason
    assert reg.upload_status(None, NAME, uuid).headers["Range"] == "0-999"
    # the right chunk still continues the upload
    reg.patch_upload(None, NAME, uuid, data[1000:], (1000, 1999))
    assert reg.put_upload(None, NAME, uuid, sha256_digest(data)).status == 201


def test_chunk_whose_content_range_disagrees_with_its_length_is_416(reg):
    uuid = uuid_of(reg.start_upload(None, NAME))
    refused(reg, lambda: reg.patch_upload(None, NAME, uuid, b"abc", (0, 9)), ErrorCode.RANGE_INVALID)
    assert reg.upload_status(None, NAME, uuid).headers["Range"] == "0-0"


def test_upload_status_answers_204_with_the_range_received(reg):
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, b"x" * 300)
    response = reg.upload_status(None, NAME, uuid)
    assert response.status == 204
    assert response.headers["Range"] == "0-299"
    assert response.headers["Docker-Upload-UUID"] == uuid
    assert response.headers["Location"] == f"/v2/{NAME}/blobs/uploads/{uuid}"


def test_cancelled_upload_is_forgotten_and_stores_nothing(reg):
    before = state(reg)
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, b"y" * 100)
    assert reg.cancel_upload(None, NAME, uuid).status == 204
    refused(reg, lambda: reg.upload_status(None, NAME, uuid), ErrorCode.BLOB_UPLOAD_UNKNOWN)
    refused(reg, lambda: reg.patch_upload(None, NAME, uuid, b"z"), ErrorCode.BLOB_UPLOAD_UNKNOWN)
    assert state(reg) == before


def test_upload_session_belongs_to_its_repository(reg):
    uuid = uuid_of(reg.start_upload(None, NAME))
    refused(reg, lambda: reg.upload_status(None, "other/app", uuid), ErrorCode.BLOB_UPLOAD_UNKNOWN)


def test_digest_mismatch_on_the_final_put_is_digest_invalid_and_stores_nothing(reg):
    data = data_of("honest", 1000)
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, data)
    wrong = sha256_digest(b"something else")
    error = refused(reg, lambda: reg.put_upload(None, NAME, uuid, wrong), ErrorCode.DIGEST_INVALID)
    assert wrong in error.reason
    assert wrong not in reg.blobs and sha256_digest(data) not in reg.blobs
    assert NAME not in reg.repositories


def test_digest_mismatch_on_a_single_post_is_digest_invalid_and_stores_nothing(reg):
    wrong = sha256_digest(b"other")
    refused(reg, lambda: reg.start_upload(None, NAME, digest=wrong, body=b"mine"), ErrorCode.DIGEST_INVALID)
    assert reg.blobs == {}


def test_final_put_without_a_digest_is_digest_invalid(reg):
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, b"abc")
    error = refused(reg, lambda: reg.put_upload(None, NAME, uuid, None), ErrorCode.DIGEST_INVALID)
    assert "digest" in error.reason


def test_sized_upload_that_stops_short_is_size_invalid(reg):
    digest = "sha256:" + "cd" * 32
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, SizedContent(digest, 1000, 0, 400))
    error = refused(reg, lambda: reg.put_upload(None, NAME, uuid, digest), ErrorCode.SIZE_INVALID)
    assert "400" in error.reason and "1000" in error.reason


def test_sized_chunks_upload_a_sized_blob_in_pieces(reg):
    digest = "sha256:" + "ef" * 32
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, SizedContent(digest, 1000, 0, 400), (0, 399))
    reg.patch_upload(None, NAME, uuid, SizedContent(digest, 1000, 400, 600), (400, 999))
    assert reg.put_upload(None, NAME, uuid, digest).status == 201
    assert reg.head_blob(None, NAME, digest).headers["Content-Length"] == "1000"


def test_mixing_real_bytes_and_stand_ins_in_one_upload_is_blob_upload_invalid(reg):
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, b"real")
    refused(reg, lambda: reg.patch_upload(None, NAME, uuid, SizedContent(ZERO, 10)),
            ErrorCode.BLOB_UPLOAD_INVALID)


# ----- cross-repository mount -----------------------------------------------------------------------


def test_cross_repository_mount_answers_201_and_links_without_bytes(loaded):
    reg, _, _ = loaded
    digest = sha256_digest(BASE1)
    stored = reg.stored_bytes()
    response = reg.start_upload(None, "other/app", mount=digest, from_repository=NAME)
    assert response.status == 201
    assert response.headers["Docker-Content-Digest"] == digest
    assert response.headers["Location"] == f"/v2/other/app/blobs/{digest}"
    assert reg.head_blob(None, "other/app", digest).status == 200
    assert reg.stored_bytes() == stored          # linked, not copied
    assert reg.uploads == {}


def test_mount_from_a_repository_without_the_blob_falls_back_to_a_202_upload_session(loaded):
    reg, _, _ = loaded
    data = data_of("not-there", 500)
    digest = sha256_digest(data)
    response = reg.start_upload(None, "other/app", mount=digest, from_repository=NAME)
    assert response.status == 202
    uuid = uuid_of(response)
    assert uuid in reg.uploads
    # the session is an ordinary upload: finishing it stores the blob
    assert reg.put_upload(None, "other/app", uuid, digest, data).status == 201
    assert reg.get_blob(None, "other/app", digest).body == data


def test_mount_from_a_repository_that_does_not_exist_falls_back_to_an_upload(reg):
    digest = upload(reg, NAME, b"somewhere")
    response = reg.start_upload(None, "other/app", mount=digest, from_repository="nobody/here")
    assert response.status == 202
    refused(reg, lambda: reg.head_blob(None, "other/app", digest), ErrorCode.BLOB_UNKNOWN)


class RecordingSession(UploadSession):
    """A session of its own kind, as a disk-backed one would be."""


class RecordingStorage(MemoryStorage):
    """A storage backend that notes each (uuid, repository) it opens an upload for."""

    __slots__ = ("opened",)

    def __init__(self) -> None:
        self.opened: list[tuple[str | None, str]] = []

    def new_upload(self, uuid: str | None, repository: str) -> UploadSession:
        self.opened.append((uuid, repository))
        return RecordingSession("monolithic" if uuid is None else uuid, repository)


def test_the_storage_backend_makes_the_session_behind_every_upload_a_client_opens(loaded):
    _, v1, _ = loaded
    storage = RecordingStorage()
    reg = Registry(HOST, storage=storage)
    posted = uuid_of(reg.start_upload(None, NAME))
    fallback = reg.start_upload(None, NAME, mount=v1.config.digest, from_repository="other/app")
    assert fallback.status == 202   # a mount that cannot happen opens an ordinary upload
    assert storage.opened == [(posted, NAME), (uuid_of(fallback), NAME)]
    assert all(isinstance(session, RecordingSession) for session in reg.uploads.values())
    # the session the backend made is the one the upload uses, to the end
    data = data_of("factory", 1000)
    reg.patch_upload(None, NAME, posted, data)
    assert reg.put_upload(None, NAME, posted, sha256_digest(data)).status == 201
    assert reg.get_blob(None, NAME, sha256_digest(data)).body == data
    # a whole blob in one POST gets a session from the backend too (one no client can address)
    whole = data_of("whole", 300)
    assert reg.start_upload(None, NAME, digest=sha256_digest(whole), body=whole).status == 201
    assert storage.opened[-1] == (None, NAME)


def test_uploads_are_kept_in_memory_by_default(reg):
    assert type(reg.uploads.get(uuid_of(reg.start_upload(None, NAME)))) is UploadSession
    assert type(reg.storage) is MemoryStorage


class JournalStorage(MemoryStorage):
    """A persistent backend that writes down what the registry asks of it, in order."""

    __slots__ = ("journal",)
    persistent = True

    def __init__(self) -> None:
        self.journal: list[tuple[str, object]] = []

    def upload_closed(self, session: UploadSession) -> None:
        self.journal.append(("upload closed", session.uuid))

    def manifest_stored(self, digest: str, raw: bytes) -> None:
        self.journal.append(("manifest", digest))

    def changed(self, store: RegistryStore) -> None:
        self.journal.append(("changed", sorted(store.repositories)))

    def blobs_freed(self, digests: Sequence[str]) -> None:
        self.journal.append(("freed", list(digests)))


def test_a_persistent_backend_is_told_of_every_change_and_of_what_gc_frees():
    storage = JournalStorage()
    reg = Registry(HOST, storage=storage)
    uuid = uuid_of(reg.start_upload(None, NAME))
    reg.patch_upload(None, NAME, uuid, b"layer")
    reg.put_upload(None, NAME, uuid, sha256_digest(b"layer"))
    assert storage.journal == [("upload closed", uuid), ("changed", [NAME])]
    storage.journal.clear()
    manifest = push_image(reg, NAME, "v1", [b"layer"])
    assert ("manifest", manifest.digest) in storage.journal
    assert storage.journal[-1] == ("changed", [NAME])
    orphan = upload(reg, NAME, b"never named")
    storage.journal.clear()
    report = collect_garbage(reg)
    assert report.freed == [orphan]
    assert storage.journal == [("changed", [NAME]), ("freed", [orphan])]   # the state first, then the files


def test_mount_with_a_malformed_digest_is_digest_invalid(reg):
    refused(reg, lambda: reg.start_upload(None, "other/app", mount="sha256:nope", from_repository=NAME),
            ErrorCode.DIGEST_INVALID)


# ----- manifests ---------------------------------------------------------------------------------


def test_put_manifest_by_tag_answers_201_with_location_and_digest(reg):
    for data in (BASE1, config_for("v1")):
        upload(reg, NAME, data)
    manifest = build_manifest(config_for("v1"), (layer_desc(BASE1),))
    response = reg.put_manifest(None, NAME, "v1", manifest.raw, OCI_MANIFEST)
    assert response.status == 201
    assert response.headers["Docker-Content-Digest"] == manifest.digest
    assert response.headers["Location"] == f"/v2/{NAME}/manifests/{manifest.digest}"
    assert json.loads(reg.list_tags(None, NAME).body)["tags"] == ["v1"]


def test_put_manifest_by_digest_stores_it_untagged(reg):
    manifest = push_image(reg, NAME, "", [BASE1])
    assert reg.get_manifest(None, NAME, manifest.digest).body == manifest.raw
    assert json.loads(reg.list_tags(None, NAME).body)["tags"] == []


def test_put_manifest_under_a_digest_its_bytes_do_not_hash_to_is_digest_invalid(reg):
    for data in (BASE1, config_for("v1")):
        upload(reg, NAME, data)
    manifest = build_manifest(config_for("v1"), (layer_desc(BASE1),))
    wrong = sha256_digest(b"not the manifest")
    error = refused(reg, lambda: reg.put_manifest(None, NAME, wrong, manifest.raw, OCI_MANIFEST),
                    ErrorCode.DIGEST_INVALID)
    assert manifest.digest in error.reason and wrong in error.reason


def test_manifest_naming_a_blob_never_pushed_is_manifest_blob_unknown_400(reg):
    upload(reg, NAME, config_for("v1"))
    missing = layer_desc(b"never uploaded")
    manifest = build_manifest(config_for("v1"), (missing,))
    error = refused(reg, lambda: reg.put_manifest(None, NAME, "v1", manifest.raw, OCI_MANIFEST),
                    ErrorCode.MANIFEST_BLOB_UNKNOWN)
    assert error.status == 400
    assert missing.digest in error.reason
    assert error.detail == {"digest": missing.digest}


def test_manifest_naming_a_blob_only_another_repository_has_is_manifest_blob_unknown(loaded):
    reg, v1, _ = loaded
    upload(reg, "other/app", config_for("v1"))
    refused(reg, lambda: reg.put_manifest(None, "other/app", "v1", v1.raw, OCI_MANIFEST),
            ErrorCode.MANIFEST_BLOB_UNKNOWN)


@pytest.mark.parametrize("by", ["tag", "digest"])
def test_get_manifest_returns_the_exact_bytes_with_type_and_digest(loaded, by):
    reg, v1, _ = loaded
    reference = "v1" if by == "tag" else v1.digest
    response = reg.get_manifest(None, NAME, reference)
    assert response.status == 200
    assert response.body == v1.raw
    assert response.headers["Docker-Content-Digest"] == v1.digest
    assert response.headers["Content-Type"] == OCI_MANIFEST
    assert response.headers["Content-Length"] == str(len(v1.raw))
    assert sha256_digest(response.body) == v1.digest


@pytest.mark.parametrize("by", ["tag", "digest"])
def test_head_manifest_gives_digest_and_length_without_a_body(loaded, by):
    reg, _, v2 = loaded
    response = reg.head_manifest(None, NAME, "v2" if by == "tag" else v2.digest)
    assert response.status == 200
    assert response.body is None
    assert response.headers["Docker-Content-Digest"] == v2.digest
    assert response.headers["Content-Length"] == str(len(v2.raw))


def test_unknown_tag_is_manifest_unknown_404(loaded):
    reg, _, _ = loaded
    error = refused(reg, lambda: reg.get_manifest(None, NAME, "v9"), ErrorCode.MANIFEST_UNKNOWN)
    assert error.status == 404
    assert "v9" in error.reason


def test_docker_schema2_manifest_is_accepted_and_served_with_its_media_type(reg):
    for data in (BASE1, config_for("d")):
        upload(reg, NAME, data)
    manifest = build_manifest(config_for("d"), (layer_desc(BASE1),), media_type=DOCKER_MANIFEST)
    reg.put_manifest(None, NAME, "docker", manifest.raw, DOCKER_MANIFEST)
    assert reg.get_manifest(None, NAME, "docker").headers["Content-Type"] == DOCKER_MANIFEST


def test_index_is_accepted_once_its_platform_manifests_are_stored(reg):
    amd = push_image(reg, NAME, "", [BASE1], config=config_for("m", "linux/amd64"))
    arm = push_image(reg, NAME, "", [BASE2], config=config_for("m", "linux/arm64"))
    index = build_index((
        Descriptor(OCI_MANIFEST, amd.digest, len(amd.raw), Platform("linux", "amd64")),
        Descriptor(OCI_MANIFEST, arm.digest, len(arm.raw), Platform("linux", "arm64")),
    ))
    assert reg.put_manifest(None, NAME, "multi", index.raw, OCI_INDEX).status == 201
    response = reg.get_manifest(None, NAME, "multi")
    assert response.headers["Content-Type"] == OCI_INDEX
    assert response.body == index.raw


def test_index_naming_a_manifest_not_pushed_is_manifest_blob_unknown(reg):
    amd = push_image(reg, NAME, "", [BASE1])
    ghost = Descriptor(OCI_MANIFEST, ZERO, 10, Platform("linux", "arm64"))
    index = build_index((Descriptor(OCI_MANIFEST, amd.digest, len(amd.raw), Platform()), ghost))
    error = refused(reg, lambda: reg.put_manifest(None, NAME, "multi", index.raw, OCI_INDEX),
                    ErrorCode.MANIFEST_BLOB_UNKNOWN)
    assert ZERO in error.reason


def test_platform_manifest_an_index_still_lists_cannot_be_deleted_by_digest(reg):
    amd = push_image(reg, NAME, "", [BASE1], config=config_for("m", "linux/amd64"))
    index = build_index((Descriptor(OCI_MANIFEST, amd.digest, len(amd.raw), Platform("linux", "amd64")),))
    reg.put_manifest(None, NAME, "multi", index.raw, OCI_INDEX)
    error = refused(reg, lambda: reg.delete_manifest(None, NAME, amd.digest), ErrorCode.DENIED)
    assert "index" in error.reason
    # once the index is gone, the platform manifest may go too
    assert reg.delete_manifest(None, NAME, index.digest).status == 202
    assert reg.delete_manifest(None, NAME, amd.digest).status == 202


# ----- manifests and the client's Accept header (as distribution 2.8.2 negotiates) -----------------

OCI_ONLY_INDEX_CLIENT = (OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST)   # lists no OCI manifest
DOCKER_ONLY = (DOCKER_MANIFEST, DOCKER_MANIFEST_LIST)


def manifest_body(error: RegistryError) -> dict:  # type: ignore[type-arg]
    return json.loads(Response.from_error(error).body)


@pytest.mark.parametrize("accept", [DOCKER_ONLY, OCI_ONLY_INDEX_CLIENT, ("*/*",), ("application/json",), ()],
                         ids=["docker-types", "no-oci-manifest", "wildcard", "json", "empty"])
@pytest.mark.parametrize("by", ["tag", "digest"])
@pytest.mark.parametrize("method", ["get_manifest", "head_manifest"])
def test_an_oci_manifest_for_a_client_that_does_not_accept_oci_manifests_is_manifest_unknown(
        loaded, accept, by, method):
    reg, v1, _ = loaded
    reference = "v1" if by == "tag" else v1.digest
    error = refused(reg, lambda: getattr(reg, method)(None, NAME, reference, accept), ErrorCode.MANIFEST_UNKNOWN)
    assert error.status == 404
    assert error.reason == "OCI manifest found, but accept header does not support OCI manifests"
    assert manifest_body(error) == {"errors": [{
        "code": "MANIFEST_UNKNOWN",
        "message": "OCI manifest found, but accept header does not support OCI manifests"}]}


@pytest.mark.parametrize("accept", [
    DOCKER_ACCEPT,
    (OCI_MANIFEST,),
    (f"{OCI_MANIFEST}; q=0.5", DOCKER_MANIFEST),
    (f" {OCI_MANIFEST.upper()} ",),
    (f"{OCI_MANIFEST};q=0",),          # distribution ignores q= values, even q=0
], ids=["docker", "oci-only", "with-q", "case-and-spaces", "q-zero"])
def test_an_oci_manifest_is_sent_to_a_client_whose_accept_lists_it(loaded, accept):
    reg, v1, _ = loaded
    response = reg.get_manifest(None, NAME, "v1", accept)
    assert response.status == 200
    assert response.body == v1.raw
    assert response.headers["Content-Type"] == OCI_MANIFEST


def test_accept_none_means_not_negotiated_and_sends_what_is_stored(loaded):
    reg, v1, _ = loaded
    assert reg.get_manifest(None, NAME, "v1", None).body == v1.raw
    assert reg.head_manifest(None, NAME, "v1").headers["Docker-Content-Digest"] == v1.digest


def multi_arch(reg: Registry, tag: str, media_type: str, platforms: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Push one image per platform (Docker or OCI to match the index type), then the index by tag."""
    image_type = DOCKER_MANIFEST if media_type == DOCKER_MANIFEST_LIST else OCI_MANIFEST
    children = {}
    for platform in platforms:
        children[platform] = push_image(reg, NAME, "", [data_of(platform, 500)],
                                        config=config_for(tag, platform), media_type=image_type)
    index = build_index(tuple(
        Descriptor(image_type, m.digest, len(m.raw), Platform(*p.split("/"))) for p, m in children.items()
    ), media_type=media_type)
    assert reg.put_manifest(None, NAME, tag, index.raw, media_type).status == 201
    return index, children


@pytest.mark.parametrize("by", ["tag", "digest"])
def test_an_oci_index_for_a_client_that_does_not_accept_oci_indexes_is_manifest_unknown(reg, by):
    index, _ = multi_arch(reg, "multi", OCI_INDEX, ("linux/arm64", "linux/amd64"))
    reference = "multi" if by == "tag" else index.digest
    for accept in ((OCI_MANIFEST, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST), ()):
        error = refused(reg, lambda a=accept: reg.get_manifest(None, NAME, reference, a), ErrorCode.MANIFEST_UNKNOWN)
        assert error.reason == "OCI index found, but accept header does not support OCI indexes"
        assert manifest_body(error)["errors"][0]["message"] == error.reason
    # an OCI index is never rewritten to a platform manifest: only a Docker manifest list is
    assert reg.get_manifest(None, NAME, reference, DOCKER_ACCEPT).body == index.raw


def test_a_docker_manifest_list_by_tag_goes_to_an_old_client_as_its_linux_amd64_manifest(reg):
    index, children = multi_arch(reg, "multi", DOCKER_MANIFEST_LIST, ("linux/arm64", "linux/amd64"))
    amd64 = children["linux/amd64"]
    for method in ("get_manifest", "head_manifest"):
        response = getattr(reg, method)(None, NAME, "multi", (DOCKER_MANIFEST,))
        assert response.status == 200
        assert response.headers["Docker-Content-Digest"] == amd64.digest
        assert response.headers["Content-Type"] == DOCKER_MANIFEST
        assert response.headers["Content-Length"] == str(len(amd64.raw))
    assert reg.get_manifest(None, NAME, "multi", (DOCKER_MANIFEST,)).body == amd64.raw
    # a client that accepts manifest lists gets the list itself
    assert reg.get_manifest(None, NAME, "multi", DOCKER_ACCEPT).body == index.raw


def test_a_docker_manifest_list_by_digest_is_sent_as_it_is_whatever_the_accept(reg):
    index, _ = multi_arch(reg, "multi", DOCKER_MANIFEST_LIST, ("linux/arm64", "linux/amd64"))
    response = reg.get_manifest(None, NAME, index.digest, (DOCKER_MANIFEST,))
    assert response.body == index.raw   # the answer must hash to the digest asked for
    assert response.headers["Content-Type"] == DOCKER_MANIFEST_LIST


def test_a_docker_manifest_list_without_linux_amd64_is_manifest_unknown_for_an_old_client(reg):
    multi_arch(reg, "arm", DOCKER_MANIFEST_LIST, ("linux/arm64", "windows/amd64"))
    error = refused(reg, lambda: reg.get_manifest(None, NAME, "arm", (DOCKER_MANIFEST,)), ErrorCode.MANIFEST_UNKNOWN)
    assert "linux/amd64" in error.reason
    assert manifest_body(error) == {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}


def test_a_docker_schema2_manifest_is_sent_even_to_a_client_that_lists_only_oci_types(reg):
    # distribution 2.8.2 would rewrite it to schema 1 by tag; the model has no schema 1 and sends it
    image = push_image(reg, NAME, "docker", [BASE1], media_type=DOCKER_MANIFEST)
    response = reg.get_manifest(None, NAME, "docker", (OCI_MANIFEST, OCI_INDEX))
    assert response.body == image.raw
    assert response.headers["Content-Type"] == DOCKER_MANIFEST


# ----- tags --------------------------------------------------------------------------------------


@pytest.fixture
def tagged(loaded):  # type: ignore[no-untyped-def]
    reg, v1, _ = loaded
    for tag in ("v10", "latest", "beta"):
        reg.put_manifest(None, NAME, tag, v1.raw, OCI_MANIFEST)
    return reg


def test_tags_are_listed_in_lexical_order(tagged):
    response = tagged.list_tags(None, NAME)
    assert response.status == 200
    assert json.loads(response.body) == {"name": NAME, "tags": ["beta", "latest", "v1", "v10", "v2"]}
    assert "Link" not in response.headers


def test_tag_list_pages_with_n_and_a_link_to_the_next_page(tagged):
    response = tagged.list_tags(None, NAME, n=2)
    assert json.loads(response.body)["tags"] == ["beta", "latest"]
    assert response.headers["Link"] == f'</v2/{NAME}/tags/list?n=2&last=latest>; rel="next"'
    response = tagged.list_tags(None, NAME, n=2, last="latest")
    assert json.loads(response.body)["tags"] == ["v1", "v10"]
    assert response.headers["Link"] == f'</v2/{NAME}/tags/list?n=2&last=v10>; rel="next"'
    response = tagged.list_tags(None, NAME, n=2, last="v10")
    assert json.loads(response.body)["tags"] == ["v2"]
    assert "Link" not in response.headers


def test_tag_list_after_last_without_n_gives_the_rest(tagged):
    assert json.loads(tagged.list_tags(None, NAME, last="v1").body)["tags"] == ["v10", "v2"]


def test_tag_list_with_negative_n_is_400_pagination_number_invalid(tagged):
    error = refused(tagged, lambda: tagged.list_tags(None, NAME, n=-1), ErrorCode.PAGINATION_NUMBER_INVALID)
    assert error.status == 400
    assert error.detail == {"n": -1}
    assert json.loads(Response.from_error(error).body) == {"errors": [{
        "code": "PAGINATION_NUMBER_INVALID", "message": "invalid number of results requested", "detail": {"n": -1}}]}


def test_tag_list_with_n_0_is_an_empty_page(tagged):
    response = tagged.list_tags(None, NAME, n=0)
    assert json.loads(response.body)["tags"] == []
    assert "Link" not in response.headers


def test_pagination_number_invalid_is_the_reference_registrys_own_code_not_a_spec_one():
    assert (ErrorCode.PAGINATION_NUMBER_INVALID.status, ErrorCode.PAGINATION_NUMBER_INVALID.message) == (
        400, "invalid number of results requested")
    assert ErrorCode.PAGINATION_NUMBER_INVALID not in SPEC_ERROR_CODES
    assert len(SPEC_ERROR_CODES) == 14


def test_moving_a_tag_points_it_at_the_new_manifest(loaded):
    reg, v1, v2 = loaded
    reg.put_manifest(None, NAME, "v1", v2.raw, OCI_MANIFEST)
    assert reg.head_manifest(None, NAME, "v1").headers["Docker-Content-Digest"] == v2.digest
    assert reg.get_manifest(None, NAME, v1.digest).body == v1.raw   # the old revision stays


# ----- deletes --------------------------------------------------------------------------------------


def test_delete_manifest_by_digest_removes_it_and_its_tags_but_blobs_stay_until_gc(loaded):
    reg, v1, _ = loaded
    reg.put_manifest(None, NAME, "stable", v1.raw, OCI_MANIFEST)
    blobs_before = dict(reg.blobs)
    response = reg.delete_manifest(None, NAME, v1.digest)
    assert response.status == 202
    assert json.loads(reg.list_tags(None, NAME).body)["tags"] == ["v2"]
    refused(reg, lambda: reg.get_manifest(None, NAME, v1.digest), ErrorCode.MANIFEST_UNKNOWN)
    refused(reg, lambda: reg.get_manifest(None, NAME, "stable"), ErrorCode.MANIFEST_UNKNOWN)
    assert reg.blobs == blobs_before
    assert reg.get_blob(None, NAME, sha256_digest(V1)).body == V1
    report = collect_garbage(reg)
    assert sha256_digest(V1) in report.freed
    assert sha256_digest(BASE1) not in report.freed


def test_delete_manifest_by_tag_removes_only_that_tag(loaded):
    reg, v1, _ = loaded
    reg.put_manifest(None, NAME, "stable", v1.raw, OCI_MANIFEST)
    assert reg.delete_manifest(None, NAME, "v1").status == 202
    assert json.loads(reg.list_tags(None, NAME).body)["tags"] == ["stable", "v2"]
    assert reg.get_manifest(None, NAME, v1.digest).body == v1.raw


def test_delete_of_an_unknown_manifest_is_manifest_unknown(loaded):
    reg, _, _ = loaded
    refused(reg, lambda: reg.delete_manifest(None, NAME, ZERO), ErrorCode.MANIFEST_UNKNOWN)
    refused(reg, lambda: reg.delete_manifest(None, NAME, "nope"), ErrorCode.MANIFEST_UNKNOWN)


def test_delete_blob_unlinks_it_from_the_repository_but_the_store_keeps_it_until_gc(loaded):
    reg, _, _ = loaded
    orphan = upload(reg, NAME, b"uploaded but never used")
    response = reg.delete_blob(None, NAME, orphan)
    assert response.status == 202
    refused(reg, lambda: reg.head_blob(None, NAME, orphan), ErrorCode.BLOB_UNKNOWN)
    assert orphan in reg.blobs
    assert orphan in collect_garbage(reg).freed
    assert orphan not in reg.blobs


def test_delete_of_an_unknown_blob_is_blob_unknown(loaded):
    reg, _, _ = loaded
    refused(reg, lambda: reg.delete_blob(None, NAME, ZERO), ErrorCode.BLOB_UNKNOWN)


# ----- referrers -------------------------------------------------------------------------------


SBOM = "application/vnd.example.sbom.v1+json"
SIGNATURE = "application/vnd.example.signature.v1+json"


def push_referrer(reg: Registry, subject, artifact_type: str, payload: bytes):  # type: ignore[no-untyped-def]
    upload(reg, NAME, b"{}")
    upload(reg, NAME, payload)
    manifest = build_manifest(
        b"{}", (Descriptor("application/octet-stream", sha256_digest(payload), len(payload)),),
        subject=Descriptor(OCI_MANIFEST, subject.digest, len(subject.raw)),
        artifact_type=artifact_type, config_media_type=OCI_EMPTY,
    )
    response = reg.put_manifest(None, NAME, manifest.digest, manifest.raw, OCI_MANIFEST)
    return manifest, response


def test_manifest_with_a_subject_is_acknowledged_with_the_oci_subject_header(loaded):
    reg, v1, _ = loaded
    _, response = push_referrer(reg, v1, SBOM, b"sbom")
    assert response.status == 201
    assert response.headers["OCI-Subject"] == v1.digest


def test_referrers_lists_every_manifest_whose_subject_is_the_digest(loaded):
    reg, v1, v2 = loaded
    sbom, _ = push_referrer(reg, v1, SBOM, b"sbom")
    sig, _ = push_referrer(reg, v1, SIGNATURE, b"sig")
    push_referrer(reg, v2, SBOM, b"sbom for v2")
    response = reg.referrers(None, NAME, v1.digest)
    assert response.status == 200
    assert response.headers["Content-Type"] == OCI_INDEX
    body = json.loads(response.body)
    assert body["mediaType"] == OCI_INDEX and body["schemaVersion"] == 2
    entries = {e["digest"]: e for e in body["manifests"]}
    assert set(entries) == {sbom.digest, sig.digest}
    assert entries[sbom.digest]["artifactType"] == SBOM
    assert entries[sbom.digest]["size"] == len(sbom.raw)
    assert entries[sig.digest]["artifactType"] == SIGNATURE


def test_referrers_filtered_by_artifact_type_say_the_filter_was_applied(loaded):
    reg, v1, _ = loaded
    sbom, _ = push_referrer(reg, v1, SBOM, b"sbom")
    push_referrer(reg, v1, SIGNATURE, b"sig")
    response = reg.referrers(None, NAME, v1.digest, artifact_type=SBOM)
    assert [e["digest"] for e in json.loads(response.body)["manifests"]] == [sbom.digest]
    assert response.headers["OCI-Filters-Applied"] == "artifactType"


def test_referrers_of_a_manifest_without_any_is_an_empty_index(loaded):
    reg, _, v2 = loaded
    body = json.loads(reg.referrers(None, NAME, v2.digest).body)
    assert body["manifests"] == []


def test_referrer_without_artifact_type_is_listed_under_its_config_media_type(loaded):
    reg, v1, _ = loaded
    upload(reg, NAME, b"{}")
    manifest = build_manifest(b"{}", (), subject=Descriptor(OCI_MANIFEST, v1.digest, len(v1.raw)),
                              config_media_type="application/vnd.example.note")
    reg.put_manifest(None, NAME, manifest.digest, manifest.raw, OCI_MANIFEST)
    (entry,) = json.loads(reg.referrers(None, NAME, v1.digest).body)["manifests"]
    assert entry["artifactType"] == "application/vnd.example.note"


def test_referrers_carry_the_referrer_manifests_annotations(loaded):
    reg, v1, _ = loaded
    upload(reg, NAME, b"{}")
    payload = upload(reg, NAME, b"sbom")
    value = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": SBOM,
        "config": {"mediaType": OCI_EMPTY, "digest": sha256_digest(b"{}"), "size": 2},
        "layers": [{"mediaType": "application/octet-stream", "digest": payload, "size": 4}],
        "subject": {"mediaType": OCI_MANIFEST, "digest": v1.digest, "size": len(v1.raw)},
        "annotations": {"org.opencontainers.image.created": "2024-02-15T00:00:00Z"},
    }
    raw = canonical_json(value)
    reg.put_manifest(None, NAME, sha256_digest(raw), raw, OCI_MANIFEST)
    (entry,) = json.loads(reg.referrers(None, NAME, v1.digest).body)["manifests"]
    assert entry["annotations"] == {"org.opencontainers.image.created": "2024-02-15T00:00:00Z"}


# ----- catalog --------------------------------------------------------------------------------------


def test_catalog_lists_repositories_in_lexical_order_with_paging(reg):
    for name in ("zeta/app", "team/app", "alpha/tool", "team/api"):
        upload(reg, name, name.encode())
    body = json.loads(reg.catalog().body)
    assert body == {"repositories": ["alpha/tool", "team/api", "team/app", "zeta/app"]}
    page = reg.catalog(n=2)
    assert json.loads(page.body)["repositories"] == ["alpha/tool", "team/api"]
    assert page.headers["Link"] == '</v2/_catalog?n=2&last=team/api>; rel="next"'
    assert json.loads(reg.catalog(n=2, last="team/api").body)["repositories"] == ["team/app", "zeta/app"]


def test_catalog_with_negative_n_is_400_pagination_number_invalid(reg):
    upload(reg, NAME, b"x")
    refused(reg, lambda: reg.catalog(n=-5), ErrorCode.PAGINATION_NUMBER_INVALID)


@pytest.mark.parametrize("mode", ["basic", "token"])
def test_the_catalog_of_a_registry_with_auth_needs_credentials_as_v2_does(mode):
    plain = Registry(HOST)
    upload(plain, NAME, b"private")
    reg = Registry(HOST, guard=_guarded(mode).guard, storage=Restarted(plain.store))
    refused(reg, lambda: reg.catalog(None), ErrorCode.UNAUTHORIZED)
    refused(reg, lambda: reg.catalog(_basic("alice", "wrong")), ErrorCode.UNAUTHORIZED)
    if mode == "basic":
        assert json.loads(reg.catalog(_basic("alice", "alice-pw")).body) == {"repositories": [NAME]}


# ----- every error code, with its status -----------------------------------------------------------------


def _guarded(mode: str) -> Registry:
    from regsim.model.registry.access import RegistryAccess
    from regsim.model.registry.policy import AccessPolicy, RepositoryPolicy, UserStore

    users = UserStore()
    users.add("alice", "alice-pw")
    users.add("bob", "bob-pw")
    policy = AccessPolicy(mode, users, {NAME: RepositoryPolicy(
        "private", {"alice": frozenset({"pull", "push"}), "bob": frozenset({"pull"})})})
    return Registry(HOST, guard=RegistryAccess(HOST, policy, lambda: 0.0))


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def trigger(code: ErrorCode) -> tuple[Registry, RegistryError]:
    """Reach `code` on a fresh registry the way a client could; returns the registry and the error."""
    # With a limit of two pulls, the GET below and one more use it up: the call under test is refused.
    limit = PullRateLimit(pulls=2, per=6 * 3600) if code is ErrorCode.TOOMANYREQUESTS else None
    reg = Registry(HOST, rate_limit=limit)
    push_image(reg, NAME, "v1", [BASE1])

    def mixed_upload() -> None:
        uuid = uuid_of(reg.start_upload(None, NAME))
        reg.patch_upload(None, NAME, uuid, b"real")
        reg.patch_upload(None, NAME, uuid, SizedContent(ZERO, 5))

    def short_upload() -> None:
        uuid = uuid_of(reg.start_upload(None, NAME))
        reg.patch_upload(None, NAME, uuid, SizedContent(ZERO, 10, 0, 4))
        reg.put_upload(None, NAME, uuid, ZERO)

    v1_raw = reg.get_manifest(None, NAME, "v1").body
    missing_layer = build_manifest(b"{}", (layer_desc(b"nope"),)).raw
    calls = {
        ErrorCode.BLOB_UNKNOWN: lambda: reg.get_blob(None, NAME, ZERO),
        ErrorCode.BLOB_UPLOAD_INVALID: mixed_upload,
        ErrorCode.BLOB_UPLOAD_UNKNOWN: lambda: reg.upload_status(None, NAME, "no-such-upload"),
        ErrorCode.DIGEST_INVALID: lambda: reg.start_upload(None, NAME, digest=ZERO, body=b"x"),
        ErrorCode.MANIFEST_BLOB_UNKNOWN: lambda: reg.put_manifest(None, NAME, "v2", missing_layer, OCI_MANIFEST),
        ErrorCode.MANIFEST_INVALID: lambda: reg.put_manifest(None, NAME, "v2", b"{not json", OCI_MANIFEST),
        ErrorCode.MANIFEST_UNKNOWN: lambda: reg.get_manifest(None, NAME, "missing"),
        ErrorCode.NAME_INVALID: lambda: reg.head_blob(None, "team//app", ZERO),
        ErrorCode.NAME_UNKNOWN: lambda: reg.list_tags(None, "nobody/here"),
        ErrorCode.SIZE_INVALID: short_upload,
        ErrorCode.UNSUPPORTED: lambda: reg.issue_token(None, HOST, [f"repository:{NAME}:pull"]),
        ErrorCode.TAG_INVALID: lambda: reg.put_manifest(None, NAME, "-bad", v1_raw, OCI_MANIFEST),
    }
    if code is ErrorCode.UNAUTHORIZED:
        reg = _guarded("token")
        calls[code] = lambda: reg.get_manifest(None, NAME, "v1")
    elif code is ErrorCode.DENIED:
        reg = _guarded("basic")
        calls[code] = lambda: reg.start_upload(_basic("bob", "bob-pw"), NAME)
    elif code is ErrorCode.TOOMANYREQUESTS:
        reg.get_manifest(None, NAME, "v1")
        calls[code] = lambda: reg.get_manifest(None, NAME, "v1")
    before = state(reg)
    with pytest.raises(RegistryError) as info:
        calls[code]()
    assert state(reg) == before
    return reg, info.value


@pytest.mark.parametrize("code", [*SPEC_ERROR_CODES, ErrorCode.TAG_INVALID], ids=lambda c: c.name)
def test_every_spec_error_code_is_reachable_with_its_status(code):
    _, error = trigger(code)
    assert error.code is code, f"{error.code.name}: {error.reason}"
    response = Response.from_error(error)
    assert response.status == code.status
    body = json.loads(response.body)
    assert body["errors"][0]["code"] == code.name
    # Docker Hub's 429 says how to raise the limit, not the spec's words (docs.docker.com/docker-hub/usage/pulls/).
    assert body["errors"][0]["message"] == (DOCKER_HUB_MESSAGE if code is ErrorCode.TOOMANYREQUESTS else code.message)
    assert error.reason and error.reason != code.message   # says what went wrong here


def test_spec_statuses_are_those_of_the_reference_registry():
    statuses = {code.name: code.status for code in [*SPEC_ERROR_CODES, ErrorCode.TAG_INVALID]}
    assert statuses == {
        "BLOB_UNKNOWN": 404, "BLOB_UPLOAD_INVALID": 404, "BLOB_UPLOAD_UNKNOWN": 404,
        "DIGEST_INVALID": 400, "MANIFEST_BLOB_UNKNOWN": 400, "MANIFEST_INVALID": 400,
        "MANIFEST_UNKNOWN": 404, "NAME_INVALID": 400, "NAME_UNKNOWN": 404, "SIZE_INVALID": 400,
        "UNAUTHORIZED": 401, "DENIED": 403, "UNSUPPORTED": 405, "TOOMANYREQUESTS": 429,
        "TAG_INVALID": 400,
    }


def test_unauthorized_carries_a_bearer_challenge_naming_the_scope():
    _, error = trigger(ErrorCode.UNAUTHORIZED)
    challenge = Response.from_error(error).headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'scope="repository:team/app:pull"' in challenge
    assert f'service="{HOST}"' in challenge


def test_too_many_requests_says_when_the_window_frees_a_pull():
    _, error = trigger(ErrorCode.TOOMANYREQUESTS)
    assert "the oldest leaves the window in 6 h" in error.reason


# ----- malformed input: the spec code, a readable reason, nothing changed ---------------------------------


BAD_DIGESTS = [
    "sha256:abc",                       # too short
    "sha256:" + "A" * 64,                # uppercase hex
    "md5:" + "0" * 32,                   # unsupported algorithm
    "sha256:" + "g" * 64,                # not hex
]


@pytest.mark.parametrize("digest", [d for d in BAD_DIGESTS if ":" in d])
@pytest.mark.parametrize("endpoint", ["head_blob", "get_blob", "delete_blob", "get_manifest", "referrers"])
def test_malformed_digest_is_digest_invalid_with_a_reason_naming_it(loaded, endpoint, digest):
    reg, _, _ = loaded
    call = getattr(reg, endpoint)
    error = refused(reg, lambda: call(None, NAME, digest), ErrorCode.DIGEST_INVALID)
    assert digest in error.reason or digest.split(":")[0] in error.reason


# ("Team/app" is left out: the reference registry reads "Team" as a host and answers NAME_UNKNOWN;
# see test_reference_trace.py.)
@pytest.mark.parametrize("name", ["team/App", "team//app", "-team/app", "team/app/", "/team/app",
                                  "team/a..pp", "team/app_", "a" * 256, ""])
@pytest.mark.parametrize("endpoint", ["head_blob", "get_manifest", "start_upload", "list_tags"])
def test_malformed_repository_name_is_name_invalid_and_changes_nothing(loaded, endpoint, name):
    reg, _, _ = loaded
    calls = {
        "head_blob": lambda: reg.head_blob(None, name, ZERO),
        "get_manifest": lambda: reg.get_manifest(None, name, "v1"),
        "start_upload": lambda: reg.start_upload(None, name),
        "list_tags": lambda: reg.list_tags(None, name),
    }
    uploads = dict(reg.uploads)
    error = refused(reg, calls[endpoint], ErrorCode.NAME_INVALID)
    assert "name" in error.reason
    assert reg.uploads == uploads


@pytest.mark.parametrize("tag", ["-leading-dash", ".leading-dot", "has space", "a" * 129, "tag/slash", "ümlaut"])
def test_malformed_tag_on_put_is_tag_invalid_and_changes_nothing(loaded, tag):
    reg, v1, _ = loaded
    error = refused(reg, lambda: reg.put_manifest(None, NAME, tag, v1.raw, OCI_MANIFEST), ErrorCode.TAG_INVALID)
    assert tag in error.reason


def _manifest_value(reg: Registry) -> dict:
    return json.loads(reg.get_manifest(None, NAME, "v1").body)


MANIFEST_MUTATIONS = {
    "not JSON": lambda v: b"{this is not json",
    "a JSON list": lambda v: b"[]",
    "schemaVersion 1": lambda v: canonical_json({**v, "schemaVersion": 1}),
    "no config": lambda v: canonical_json({k: x for k, x in v.items() if k != "config"}),
    "no layers": lambda v: canonical_json({k: x for k, x in v.items() if k != "layers"}),
    "layer without digest": lambda v: canonical_json(
        {**v, "layers": [{"mediaType": OCI_LAYER, "size": 3}]}),
    "layer without size": lambda v: canonical_json(
        {**v, "layers": [{"mediaType": OCI_LAYER, "digest": v["layers"][0]["digest"]}]}),
    "layer with a bad digest": lambda v: canonical_json(
        {**v, "layers": [{"mediaType": OCI_LAYER, "digest": "sha256:xyz", "size": 3}]}),
    "negative size": lambda v: canonical_json(
        {**v, "layers": [{**v["layers"][0], "size": -1}]}),
    "unknown media type": lambda v: canonical_json({**v, "mediaType": "application/vnd.example.weird+json"}),
    "index without manifests": lambda v: canonical_json({"schemaVersion": 2, "mediaType": OCI_INDEX}),
}


@pytest.mark.parametrize("case", sorted(MANIFEST_MUTATIONS))
def test_malformed_manifest_is_manifest_invalid_with_a_reason_and_changes_nothing(loaded, case):
    reg, _, _ = loaded
    raw = MANIFEST_MUTATIONS[case](_manifest_value(reg))
    error = refused(reg, lambda: reg.put_manifest(None, NAME, "broken", raw), ErrorCode.MANIFEST_INVALID)
    assert error.reason != ErrorCode.MANIFEST_INVALID.message
    assert len(error.reason) > 10


def test_manifest_whose_content_type_contradicts_its_media_type_is_manifest_invalid(loaded):
    reg, v1, _ = loaded
    error = refused(reg, lambda: reg.put_manifest(None, NAME, "x", v1.raw, OCI_INDEX), ErrorCode.MANIFEST_INVALID)
    assert OCI_INDEX in error.reason and OCI_MANIFEST in error.reason


def test_manifest_with_an_unknown_media_type_names_it_in_the_reason(loaded):
    reg, _, _ = loaded
    raw = MANIFEST_MUTATIONS["unknown media type"](_manifest_value(reg))
    error = refused(reg, lambda: reg.put_manifest(None, NAME, "x", raw), ErrorCode.MANIFEST_INVALID)
    assert "application/vnd.example.weird+json" in error.reason


def test_manifest_over_4_mib_is_refused_as_too_large(loaded):
    reg, _, _ = loaded
    raw = b" " * (4 * 1024 * 1024 + 1)
    error = refused(reg, lambda: reg.put_manifest(None, NAME, "big", raw), ErrorCode.MANIFEST_TOO_LARGE)
    assert error.status == 413


def test_config_media_type_is_kept_as_given(loaded):
    reg, v1, _ = loaded
    assert json.loads(reg.get_manifest(None, NAME, v1.digest).body)["config"]["mediaType"] == OCI_CONFIG
