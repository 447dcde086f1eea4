"""Media types: what a manifest, an index, a config or a layer says it is, and what clients accept."""

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# What `docker pull` lists in its Accept header for a manifest (the pull-through cache sends the same).
DOCKER_ACCEPT: tuple[str, ...] = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST)

IMAGE_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
MANIFEST_TYPES = IMAGE_MANIFEST_TYPES | INDEX_TYPES
MAX_MANIFEST_BYTES = 4 * 1024 * 1024

# OCI artifacts (image-spec v1.1 manifest.md, "Guidelines for Artifact Usage"): an artifact is an
# image manifest whose `artifactType` (or config media type) says what it holds.
EMPTY_JSON = b"{}"   # the empty descriptor's content (image-spec manifest.md, "Guidance for an Empty Descriptor")
SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"   # sigstore/cosign specs/BUNDLE_SPEC.md
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"            # helm pkg/registry/constants.go
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"  # helm pkg/registry/constants.go
