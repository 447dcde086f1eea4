"""`helm push CHART.tgz oci://HOST/REPO`: a Helm chart stored as an OCI artifact.

Helm 3.8+ pushes a chart packaged as `NAME-VERSION.tgz` to `HOST/REPO/NAME:VERSION`
(helm pkg/registry/client.go `Push`, over oras-go): the chart's metadata as a config blob of
media type `application/vnd.cncf.helm.config.v1+json`, the archive as the one layer
(`application/vnd.cncf.helm.chart.content.v1.tar+gzip`), and an OCI image manifest tagged with
the version; it prints `Pushed:` and `Digest:` (helm pkg/action/push.go).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from regsim.model.client.artifacts import ArtifactSession, Library, artifact_manifest, bytes_blob, file_blob
from regsim.model.core.events import BlobKind, Direction, Outcome
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import canonical_json
from regsim.model.oci.mediatype import HELM_CHART, HELM_CONFIG

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

# `helm package` names the archive NAME-VERSION.tgz, VERSION a SemVer 2 version.
CHART_FILE = re.compile(r"(?P<name>[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
                        r"-(?P<version>\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?)\.tgz")


def chart_of(file_name: str) -> tuple[str, str] | None:
    """A chart archive's name and version, from the name `helm package` gives it."""
    found = CHART_FILE.fullmatch(file_name.rsplit("/", 1)[-1])
    return (found["name"], found["version"]) if found else None


def push(client: Client, file_name: str, target: str, size: int) -> Outcome:
    out = Outcome(direction=Direction.UP)
    chart = chart_of(file_name)
    if chart is None:
        return out.fail("CHART_INVALID", f"{file_name} is not a chart archive named NAME-VERSION.tgz",
                        f"Error: {file_name}: chart archives are named NAME-VERSION.tgz by helm package")
    name, version = chart
    # OCI tags cannot hold "+": helm writes it as "_" (pkg/registry/client.go).
    text = f"{target.removeprefix('oci://').rstrip('/')}/{name}:{version.replace('+', '_')}"
    try:
        ref = client.parse(text)
    except RegistryError as error:
        return out.fail(error.code.name, error.reason, f"Error: invalid reference {text}: {error.reason}")
    tool = ArtifactSession(client, ref, out)
    if not tool.start(("pull", "push")):
        return out
    config, config_bytes = bytes_blob(canonical_json({"name": name, "version": version, "apiVersion": "v2"}),
                                      HELM_CONFIG)
    layer, body = file_blob(file_name, size, HELM_CHART, titled=False)
    if not tool.push_blob(config, config_bytes, BlobKind.CONFIG, "the chart's metadata", Library.ORAS_GO):
        return out
    if not tool.push_blob(layer, body, BlobKind.LAYER, file_name, Library.ORAS_GO):
        return out
    manifest = artifact_manifest(config, (layer,), annotations={
        "org.opencontainers.image.title": name, "org.opencontainers.image.version": version})
    if tool.put(manifest, ref.reference, "store the chart's manifest under its version") is None:
        return out
    out.output.append(f"Pushed: {ref.full}")
    out.output.append(f"Digest: {manifest.digest}")
    return out
