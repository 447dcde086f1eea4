"""`cosign sign` and `cosign verify`, as cosign v3 stores signatures: Sigstore bundles as OCI referrers.

cosign v3 signs in the Sigstore bundle format by default and stores each signature as an artifact
whose `subject` is the image (sigstore/cosign specs/BUNDLE_SPEC.md; pkg/oci/remote/write.go
`WriteReferrer`): it HEADs the image, uploads the empty config `{}` and the bundle blob, and PUTs
a manifest with `artifactType: application/vnd.dev.sigstore.bundle.v0.3+json` by its digest.
go-containerregistry then asks the referrers API and, on a 404, keeps the `sha256-<hex>` index
itself. cosign v2 and older kept signatures under a `sha256-<hex>.sig` tag instead; that scheme is
not modelled. Signing is with a key pair (`--key`): keyless signing talks to Fulcio and Rekor, and
the upload to the Rekor transparency log, which is not a registry request, is not shown.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from regsim.model.client.artifacts import ArtifactSession, Library, artifact_manifest, bytes_blob
from regsim.model.core.events import BlobKind, Direction, Outcome, Via
from regsim.model.oci.digest import sha256_digest
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import Manifest, canonical_json
from regsim.model.oci.mediatype import EMPTY_JSON, OCI_EMPTY, SIGSTORE_BUNDLE

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

def key_pair(path: str) -> str:
    """The key pair a key file belongs to: `cosign.key` and `cosign.pub` are one pair."""
    stem, dot, suffix = path.rpartition(".")
    return stem if dot and suffix in ("key", "pub") else path


def _hint(key_file: str) -> str:
    """The public key's hint a bundle carries (the same for both files of a pair)."""
    return base64.b64encode(bytes.fromhex(sha256_digest(key_pair(key_file).encode())[7:])).decode()


def signature_bundle(subject: str, key_file: str) -> bytes:
    """A Sigstore bundle (v0.3) holding a message signature over the image's digest: real JSON,
    the same bytes for the same image and key pair."""
    hint = _hint(key_file)
    digest = base64.b64encode(bytes.fromhex(subject.partition(":")[2])).decode()
    signature = base64.b64encode(bytes.fromhex(sha256_digest(f"{hint}{subject}".encode())[7:])).decode()
    return canonical_json({
        "mediaType": SIGSTORE_BUNDLE,
        "verificationMaterial": {"publicKey": {"hint": hint}},
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": digest}, "signature": signature},
    })


def _reference(client: Client, text: str, out: Outcome) -> ArtifactSession | None:
    try:
        ref = client.parse(text)
    except RegistryError as error:
        out.fail(error.code.name, error.reason, f"Error: parsing reference: {error.reason}")
        return None
    return ArtifactSession(client, ref, out)


def sign(client: Client, text: str, key_file: str) -> Outcome:
    """`cosign sign --key KEY REF`: a signature of the image's digest, pushed as a referrer."""
    out = Outcome(direction=Direction.UP)
    tool = _reference(client, text, out)
    if tool is None:
        return out
    ref = tool.ref
    if ref.digest is None:
        # cosign's sign command warns when the image is named by a tag (cmd/cosign/cli/sign/sign.go).
        out.output.append(f"WARNING: Image reference {ref.full} uses a tag, not a digest, to identify "
                          "the image to sign.")
    if not tool.start(("pull", "push")):
        return out
    image = tool.resolve(ref.reference)
    if image is None:
        return out
    if image.digest != ref.reference:   # WriteReferrer HEADs the image again, by its digest
        image = tool.resolve(image.digest)
        if image is None:
            return out
    config, config_bytes = bytes_blob(EMPTY_JSON, OCI_EMPTY)
    bundle, bundle_bytes = bytes_blob(signature_bundle(image.digest, key_file), SIGSTORE_BUNDLE)
    if not tool.push_blob(config, config_bytes, BlobKind.CONFIG, "the empty config {}", Library.GGCR):
        return out
    if not tool.push_blob(bundle, bundle_bytes, BlobKind.LAYER, "the signature bundle", Library.GGCR):
        return out
    manifest = artifact_manifest(config, (bundle,), artifact_type=SIGSTORE_BUNDLE, subject=image,
                                 annotations={"dev.sigstore.bundle.content": "message-signature"})
    out.output.append(f"Pushing signature to: {tool.where}")
    tool.push_referrer(manifest, "store the signature: an artifact whose subject is the image", Library.GGCR)
    return out


def verify(client: Client, text: str, key_file: str) -> Outcome:
    """`cosign verify --key KEY REF`: find the image's signature bundles and check one against the key."""
    out = Outcome(direction=Direction.DOWN)
    tool = _reference(client, text, out)
    if tool is None:
        return out
    if not tool.start(("pull",)):
        return out
    image = tool.resolve(tool.ref.reference)
    if image is None:
        return out
    listed = tool.list_referrers(image.digest)
    if listed is None:
        return out
    entries, via = listed
    # The list names each referrer's type; go-containerregistry's tag-schema entries carry the
    # config's media type (the empty one) instead, so those are read to see what they are.
    readable = (SIGSTORE_BUNDLE, OCI_EMPTY, None) if via == Via.TAG_SCHEMA else (SIGSTORE_BUNDLE,)
    matched = found = 0
    for entry in (e for e in entries if e.artifact_type in readable):
        manifest = tool.fetch(entry.digest, "read an artifact that points at the image: is it a signature bundle?")
        if manifest is False:
            return out
        if not isinstance(manifest, Manifest) or manifest.artifact_type != SIGSTORE_BUNDLE:
            continue
        found += 1
        body = tool.get_blob(manifest.layers[0], BlobKind.LAYER, "the signature bundle")
        if body is None:
            return out
        if isinstance(body, bytes) and body == signature_bundle(image.digest, key_file):
            matched += 1
    if not found:
        return out.fail("NO_SIGNATURES", f"no signature of {image.digest} is stored as a referrer",
                        "Error: no signatures found")
    if not matched:
        return out.fail("NO_MATCHING_SIGNATURES",
                        f"{found} signature{'s' if found > 1 else ''} found, none made with the key pair of {key_file}",
                        "Error: no matching signatures: none verified against the specified public key")
    out.output += [f"Verification for {tool.ref.full} --",
                   "The following checks were performed on each of these signatures:",
                   "  - The cosign claims were validated",
                   "  - The signatures were verified against the specified public key"]
    return out
