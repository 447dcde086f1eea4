"""`oras attach` and `oras discover`: any file as an artifact that points at an image, and the list of them.

`oras attach --artifact-type T REF FILE` (oras v1.x over oras-go v2) resolves REF, uploads the
file and the empty config `{}` (HEAD, then a monolithic POST + PUT for each one missing), and
PUTs an image manifest with `artifactType: T`, the file as its one layer and REF's manifest as
its `subject`, by digest. With no `OCI-Subject` in the answer oras-go keeps the referrers list
under the `sha256-<hex>` tag and deletes the index it replaces (registry/remote/repository.go,
`indexReferrersForPush`, `updateReferrersIndex`). `oras discover REF` lists the artifacts whose
subject is REF: the referrers API, else that tag (`Repository.Referrers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regsim.model.client.artifacts import ArtifactSession, Library, artifact_manifest, bytes_blob, file_blob
from regsim.model.core.events import BlobKind, Direction, Outcome
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.mediatype import EMPTY_JSON, OCI_EMPTY

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

def _session(client: Client, text: str, out: Outcome) -> ArtifactSession | None:
    try:
        ref = client.parse(text)
    except RegistryError as error:
        out.fail(error.code.name, error.reason, f"Error: {text!r}: invalid reference: {error.reason}")
        return None
    return ArtifactSession(client, ref, out)


def attach(client: Client, text: str, artifact_type: str, file_name: str, size: int) -> Outcome:
    out = Outcome(direction=Direction.UP)
    tool = _session(client, text, out)
    if tool is None or not tool.start(("pull", "push")):
        return out
    subject = tool.resolve(tool.ref.reference)
    if subject is None:
        return out
    layer, body = file_blob(file_name, size, "application/vnd.oci.image.layer.v1.tar")
    config, config_bytes = bytes_blob(EMPTY_JSON, OCI_EMPTY)
    if not tool.push_blob(layer, body, BlobKind.LAYER, file_name, Library.ORAS_GO):
        return out
    if not tool.push_blob(config, config_bytes, BlobKind.CONFIG, "the empty config {}", Library.ORAS_GO):
        return out
    manifest = artifact_manifest(config, (layer,), artifact_type=artifact_type, subject=subject)
    if not tool.push_referrer(manifest, f"store the {artifact_type} artifact, its subject the image",
                              Library.ORAS_GO):
        return out
    out.output.append(f"Attached to [registry] {tool.where}@{subject.digest}")
    out.output.append(f"Digest: {manifest.digest}")
    return out


def discover(client: Client, text: str, artifact_type: str | None = None) -> Outcome:
    out = Outcome(direction=Direction.DOWN)
    tool = _session(client, text, out)
    if tool is None or not tool.start(("pull",)):
        return out
    subject = tool.resolve(tool.ref.reference)
    if subject is None:
        return out
    listed = tool.list_referrers(subject.digest, artifact_type)
    if listed is None:
        return out
    out.output.append(f"{tool.where}@{subject.digest}")
    groups: dict[str, list[str]] = {}
    for entry in listed[0]:
        groups.setdefault(entry.artifact_type or "(no artifact type)", []).append(entry.digest)
    # oras's tree output: one branch per artifact type, the referrers' digests under it.
    for i, (kind, digests) in enumerate(groups.items()):
        last = i == len(groups) - 1
        out.output.append(f"{'└──' if last else '├──'} {kind}")
        for j, digest in enumerate(digests):
            out.output.append(f"{'    ' if last else '│   '}{'└──' if j == len(digests) - 1 else '├──'} {digest}")
    return out
