"""Repository names, tags and digests: the spec's grammar, edge by edge."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regsim.model.oci.descriptor import Descriptor, Platform, diff_id, layer_blob, sized_layer
from regsim.model.oci.digest import Digest, check_digest, sized_digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import build_config, build_manifest, canonical_json, image_config, image_manifest
from regsim.model.oci.mediatype import DOCKER_MANIFEST, OCI_LAYER, OCI_MANIFEST
from regsim.model.oci.reference import check_name, check_tag, is_digest_reference


def code_of(call) -> ErrorCode | None:  # type: ignore[no-untyped-def]
    try:
        call()
    except RegistryError as error:
        return error.code
    return None


# ----- repository names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "a", "app", "team/app", "a/b/c/d", "my-app", "my--app", "my_app", "my__app", "my.app",
    "v1.2-rc_3", "0", "123/456", "a" * 255, "team/" + "b" * 250,
])
def test_valid_repository_names_are_accepted(name):
    assert check_name(name) == name


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"),
    ("App", "uppercase"),
    ("team/App", "uppercase component"),
    ("-app", "leading separator"),
    ("app-", "trailing separator"),
    ("_app", "leading underscore"),
    ("my___app", "three underscores"),
    ("my..app", "two dots"),
    ("my.-app", "mixed separators"),
    ("team//app", "empty component"),
    ("/app", "leading slash"),
    ("app/", "trailing slash"),
    ("my app", "space"),
    ("app:v1", "a tag is not part of a name"),
    ("a" * 256, "longer than 255"),
])
def test_invalid_repository_names_are_name_invalid(name, why):
    with pytest.raises(RegistryError) as info:
        check_name(name)
    assert info.value.code is ErrorCode.NAME_INVALID, why
    assert info.value.detail == {"name": name}


def test_uppercase_name_reason_says_names_are_lowercase():
    with pytest.raises(RegistryError) as info:
        check_name("Team/app")
    assert "lowercase" in info.value.reason


def test_overlong_name_reason_gives_the_limit():
    with pytest.raises(RegistryError) as info:
        check_name("a" * 300)
    assert "255" in info.value.reason and "300" in info.value.reason


# ----- tags ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["latest", "v1", "V1", "1.0.0", "1.0.0-rc.1", "_private", "a" * 128,
                                 "x__y", "UPPER_lower-9.0"])
def test_valid_tags_are_accepted(tag):
    assert check_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", ".hidden", "-dash", "a" * 129, "has space", "a:b", "a/b", "a@b",
                                 "tag+build", "é"])
def test_invalid_tags_are_tag_invalid(tag):
    with pytest.raises(RegistryError) as info:
        check_tag(tag)
    assert info.value.code is ErrorCode.TAG_INVALID
    assert info.value.status == 400


def test_a_reference_with_a_colon_is_a_digest_and_without_one_a_tag():
    assert is_digest_reference("sha256:" + "0" * 64)
    assert not is_digest_reference("v1")


# ----- digests -------------------------------------------------------------------------------------------


SHA256_HEX = hashlib.sha256(b"hello").hexdigest()
SHA512_HEX = hashlib.sha512(b"hello").hexdigest()


def test_sha256_digest_parses_into_algorithm_and_hex():
    digest = Digest.parse(f"sha256:{SHA256_HEX}")
    assert (digest.algorithm, digest.hex) == ("sha256", SHA256_HEX)
    assert str(digest) == f"sha256:{SHA256_HEX}"
    assert digest.short == SHA256_HEX[:12]


def test_sha512_digest_is_accepted():
    digest = Digest.parse(f"sha512:{SHA512_HEX}")
    assert digest.algorithm == "sha512" and len(digest.hex) == 128


@pytest.mark.parametrize(("text", "why"), [
    (f"sha256:{SHA256_HEX[:-1]}", "63 hex characters"),
    (f"sha256:{SHA256_HEX}0", "65 hex characters"),
    (f"sha256:{SHA256_HEX.upper()}", "uppercase hex"),
    (f"sha512:{SHA256_HEX}", "a sha256-length hex under sha512"),
    (f"sha256:{SHA512_HEX}", "a sha512-length hex under sha256"),
    (f"SHA256:{SHA256_HEX}", "uppercase algorithm"),
    (f"md5:{hashlib.md5(b'hello').hexdigest()}", "unsupported algorithm"),
    ("sha256:", "no hex"),
    (SHA256_HEX, "no algorithm"),
    (f":{SHA256_HEX}", "empty algorithm"),
    (f"sha256:{'z' * 64}", "not hex"),
    (f"sha256 :{SHA256_HEX}", "space"),
    ("", "empty"),
])
def test_malformed_digests_are_digest_invalid(text, why):
    with pytest.raises(RegistryError) as info:
        Digest.parse(text)
    assert info.value.code is ErrorCode.DIGEST_INVALID, why
    assert info.value.status == 400


def test_a_digest_just_accepted_lets_no_malformed_digest_through_after_it():
    valid = f"sha256:{SHA256_HEX}"
    assert check_digest(valid) == valid
    assert check_digest(valid) == valid   # answered from the one remembered digest
    for text in (f"sha256:{SHA256_HEX.upper()}", valid[:-1], valid + "0", ""):
        with pytest.raises(RegistryError) as info:
            check_digest(text)
        assert info.value.code is ErrorCode.DIGEST_INVALID, text


def test_malformed_digest_reason_quotes_it_and_says_what_was_expected():
    with pytest.raises(RegistryError) as info:
        Digest.parse("sha256:abc")
    assert "sha256:abc" in info.value.reason
    assert "64" in info.value.reason


def test_unsupported_algorithm_reason_names_the_supported_ones():
    with pytest.raises(RegistryError) as info:
        Digest.parse("md5:" + "0" * 32)
    assert "md5" in info.value.reason and "sha256" in info.value.reason


def test_digest_of_bytes_matches_hashlib_and_verifies_only_those_bytes():
    digest = Digest.of(b"hello")
    assert str(digest) == f"sha256:{SHA256_HEX}"
    assert digest.verify(b"hello")
    assert not digest.verify(b"hello!")
    assert str(Digest.of(b"hello", "sha512")) == f"sha512:{SHA512_HEX}"


def test_digests_order_and_compare_by_value():
    a, b = Digest.parse("sha256:" + "0" * 64), Digest.parse("sha256:" + "f" * 64)
    assert a < b
    assert a == Digest.parse("sha256:" + "0" * 64)
    assert len({a, Digest.parse(str(a))}) == 1


# ----- sized digests --------------------------------------------------------------------------------------


def test_sized_digest_is_the_same_every_time_for_the_same_layer():
    assert sized_digest("debian", 29_000_000) == sized_digest("debian", 29_000_000)
    assert layer_blob("debian", 29_000_000).digest == str(sized_digest("debian", 29_000_000))


def test_sized_digest_differs_when_the_name_or_the_size_differs():
    digests = {sized_digest("debian", 29_000_000), sized_digest("debian", 29_000_001),
               sized_digest("python", 29_000_000), sized_digest("debia", 29_000_000)}
    assert len(digests) == 4


def test_sized_digest_is_a_valid_sha256_digest():
    text = str(sized_digest("app-v1", 2_000_000))
    assert Digest.parse(text).algorithm == "sha256"


def test_sized_digest_name_and_size_do_not_run_together():
    # "ab" + size 12 must not collide with "a" + size "b12"-like concatenations
    assert sized_digest("a1", 23) != sized_digest("a", 123)


def test_sized_digest_is_stable_across_processes_and_hash_seeds():
    code = "from regsim.model.oci.digest import sized_digest; print(sized_digest('debian', 29000000))"
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        outputs.add(result.stdout.strip())
    assert outputs == {str(sized_digest("debian", 29_000_000))}


# ----- manifest and config bytes: the direct writers agree with the JSON encoder -----------------

PINNED_DIGEST = "sha256:10b6d7520298d7d73fef2ea0d82b4c0f06acb1c413983f34830e544a9625df0c"

_texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    layers=st.lists(st.tuples(_texts, st.integers(0, 10**12)), max_size=6),
    media_type=st.one_of(st.sampled_from([OCI_MANIFEST, DOCKER_MANIFEST]), _texts),
    layer_type=st.one_of(st.just(OCI_LAYER), _texts),
    os_name=st.one_of(st.just("linux"), _texts),
    arch=st.one_of(st.just("amd64"), _texts),
    variant=st.one_of(st.none(), _texts),
)
def test_manifest_and_config_bytes_are_canonical_json_whatever_the_text(
    layers, media_type, layer_type, os_name, arch, variant
):
    """Digests depend on these bytes, so they must be exactly the compact JSON of the value."""
    descriptors = tuple(Descriptor(layer_type, layer_blob(name, size).digest, size) for name, size in layers)
    platform = Platform(os_name, arch, variant)
    config = build_config(descriptors, platform)
    expected_config = {"architecture": arch, "os": os_name}
    if variant:
        expected_config["variant"] = variant
    expected_config.update({"config": {}, "rootfs": {"type": "layers", "diff_ids": [diff_id(d) for d in descriptors]}})
    assert config == canonical_json(expected_config)
    assert json.loads(config) == expected_config
    manifest = build_manifest(config, descriptors, media_type=media_type)
    expected = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": manifest.config.to_json(),
        "layers": [d.to_json() for d in descriptors],
    }
    assert manifest.raw == canonical_json(expected)
    assert manifest.digest == "sha256:" + hashlib.sha256(manifest.raw).hexdigest()


@pytest.mark.parametrize("odd", ['quote"', "back\\slash", "line\n", "é"])
def test_a_descriptor_whose_digest_json_must_escape_still_gives_canonical_bytes(odd):
    """Descriptors are formatted directly and their digests checked at once: one odd digest
    among plain ones sends the whole list through the JSON encoder, byte for byte as it writes it."""
    descriptors = (layer_blob("debian", 29_000_000), Descriptor(OCI_LAYER, odd, 3), layer_blob("app", 5))
    manifest = build_manifest(b"{}", descriptors)
    expected = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": manifest.config.to_json(),
                "layers": [d.to_json() for d in descriptors]}
    assert manifest.raw == canonical_json(expected)


def test_the_same_recipe_builds_the_same_manifest_bytes_as_before():
    """A pinned digest: scenario digests stay what learners saw in earlier versions."""
    layers = (layer_blob("debian", 29_000_000), layer_blob("app", 1_000_000))
    manifest = build_manifest(build_config(layers, Platform()), layers)
    assert manifest.raw.startswith(b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",')
    assert manifest.digest == PINNED_DIGEST
    # `docker build`'s own path writes the config and manifest from each layer's cached parts.
    parts = [sized_layer(name, size) for name, size in (("debian", 29_000_000), ("app", 1_000_000))]
    config = image_config([layer_diff_id for _, layer_diff_id, _ in parts], Platform())
    assert image_manifest(config, layers, [entry for _, _, entry in parts]) == manifest


@pytest.mark.parametrize("detail", ["sha256:" + "a" * 64, "line\n", 'quote"', "tab\t", "é"])
def test_error_bodies_are_the_json_encoder_bytes_for_any_detail(detail):
    error = RegistryError(ErrorCode.BLOB_UNKNOWN, "refused", detail)
    assert error.body_bytes() == json.dumps(error.body(), separators=(",", ":")).encode() + b"\n"
    assert json.loads(error.body_bytes())["errors"][0]["detail"] == detail
