"""Signatures, SBOMs and charts as OCI artifacts: each rule pinned to the real system that has it.

- Artifacts, `artifactType`, `subject`, the empty descriptor: opencontainers/image-spec v1.1
  manifest.md ("Image Manifest Property Descriptions", "Guidance for an Empty Descriptor").
- The referrers API, `OCI-Subject`, the Referrers Tag Schema: opencontainers/distribution-spec v1.1
  spec.md ("Listing Referrers", "Pushing Manifests with Subject", "Referrers Tag Schema").
- distribution has no referrers route (registry/api/v2/routes.go; the API is the open pull request
  distribution/distribution#4828), and its GC keeps what tags reach
  (registry/storage/garbagecollect.go `MarkAndSweep`).
- cosign 3: Sigstore bundles as referrers (sigstore/cosign specs/BUNDLE_SPEC.md,
  pkg/oci/remote/write.go `WriteReferrer`) over go-containerregistry (pkg/v1/remote/write.go:
  `uploadOne`, `commitManifest`, `commitSubjectReferrers`).
- oras over oras-go v2 (registry/remote/repository.go: `blobStore.Push`, `indexReferrersForPush`,
  `updateReferrersIndex`, `Referrers`).
- helm push (helm pkg/registry/client.go `Push`, pkg/registry/constants.go media types).
"""

from __future__ import annotations

import json

import pytest

from regsim.model.client.artifacts import artifact_manifest, bytes_blob
from regsim.model.core.events import RequestEvent
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.manifest import Manifest, parse_manifest
from regsim.model.oci.mediatype import HELM_CHART, HELM_CONFIG, OCI_EMPTY, OCI_INDEX, SIGSTORE_BUNDLE
from regsim.model.oci.referrers import fallback_tag
from regsim.model.registry.gc import collect_garbage
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World
from regsim.scenario.engine import replay
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError

HOST = "registry.example"
IMAGE = f"{HOST}/team/app:v1"
NAME = "team/app"
SBOM = "application/spdx+json"


def world(referrers_api: bool = True) -> World:
    """HOST holds team/app:v1; `ci` pushed it."""
    w = World(HOST)
    w.add_registry(Registry(HOST, clock=w.current_time, referrers_api=referrers_api))
    ci = w.add_client("ci")
    assert ci.build(IMAGE, [("base", 10_000_000), ("app", 1_000_000)]).ok
    assert ci.push(IMAGE).ok
    return w


def lines(events: list[RequestEvent]) -> list[str]:
    return [f"{e.method} {e.path.split('?')[0].replace(NAME, 'R')} {e.status}" for e in events]


def subject_digest(w: World) -> str:
    return w.registries[HOST].resolve(NAME, "v1").digest


def sign(w: World, key: str = "cosign.key") -> list[RequestEvent]:
    with w.recording() as events:
        out = w.clients["ci"].cosign_sign(IMAGE, key)
    assert out.ok, out.output
    return events


def attach(w: World, size: int = 40_000) -> list[RequestEvent]:
    with w.recording() as events:
        out = w.clients["ci"].oras_attach(IMAGE, SBOM, "sbom.spdx.json", size)
    assert out.ok, out.output
    return events


# ----- the registry side -------------------------------------------------------------------------


def test_the_fallback_tag_is_the_subject_digest_with_its_colon_made_a_dash():
    digest = "sha256:" + "ab" * 32
    assert fallback_tag(digest) == "sha256-" + "ab" * 32
    assert len(fallback_tag("sha512:" + "c" * 128)) == 128   # a tag is at most 128 characters


def test_a_registry_without_the_api_answers_404_page_not_found_and_sends_no_oci_subject():
    w = world(referrers_api=False)
    reg = w.registries[HOST]
    answer = reg.referrers(None, NAME, subject_digest(w))
    assert (answer.status, answer.body) == (404, b"404 page not found\n")
    events = sign(w)
    put = next(e for e in events if e.method == "PUT" and "/manifests/sha256:" in e.path)
    manifest = parse_manifest(reg.repositories[NAME].manifests.get(put.path.rsplit("/", 1)[1]).raw)
    assert manifest.subject is not None   # the subject is stored, only not acted on
    assert reg.put_manifest(None, NAME, manifest.digest, manifest.raw).headers.get("OCI-Subject") is None


# ----- cosign ------------------------------------------------------------------------------------


def test_cosign_stores_a_sigstore_bundle_whose_subject_is_the_image_digest():
    w = world()
    events = sign(w)
    put = next(e for e in events if e.method == "PUT" and "/manifests/sha256:" in e.path)
    manifest = w.registries[HOST].repositories[NAME].manifests.get(put.path.rsplit("/", 1)[1])
    assert isinstance(manifest, Manifest)
    assert manifest.artifact_type == SIGSTORE_BUNDLE
    assert manifest.subject is not None and manifest.subject.digest == subject_digest(w)
    # the empty descriptor: "{}", 2 bytes, its well-known digest (image-spec manifest.md)
    assert (manifest.config.media_type, manifest.config.size) == (OCI_EMPTY, 2)
    assert manifest.config.digest == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    assert [layer.media_type for layer in manifest.layers] == [SIGSTORE_BUNDLE]
    assert "v1" in w.registries[HOST].repositories[NAME].tags.all()   # the image and its tag are untouched


def test_cosign_streams_blobs_then_asks_the_referrers_api_even_after_oci_subject():
    w = world()
    events = sign(w)
    digest = subject_digest(w)
    assert [f"{e.method} {e.status}" for e in events] == [
        "GET 200",                                     # the version check
        "HEAD 200", "HEAD 200",                        # the tag, then the image by its digest
        "HEAD 404", "POST 202", "PATCH 202", "PUT 201",   # the empty config {}
        "HEAD 404", "POST 202", "PATCH 202", "PUT 201",   # the bundle
        "PUT 201",                                     # the artifact's manifest, by digest
        "GET 200",                                     # the referrers API: the registry keeps the list
    ]
    assert events[1].path.endswith("/manifests/v1") and events[2].path.endswith(f"/manifests/{digest}")
    assert events[3].path.endswith("/blobs/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    assert "/manifests/sha256:" in events[11].path
    assert events[12].path == f"/v2/{NAME}/referrers/{digest}"


def test_cosign_keeps_the_tag_schema_index_on_a_registry_without_the_api():
    w = world(referrers_api=False)
    events = sign(w)
    tag = fallback_tag(subject_digest(w))
    assert lines(events)[-3:] == [f"GET /v2/R/referrers/{subject_digest(w)} 404",
                                  f"GET /v2/R/manifests/{tag} 404", f"PUT /v2/R/manifests/{tag} 201"]
    index = w.registries[HOST].resolve(NAME, tag)
    assert index.media_type == OCI_INDEX
    # go-containerregistry writes the config's media type as the entry's artifactType
    assert [entry.artifact_type for entry in index.manifests] == [OCI_EMPTY]


def test_cosign_verify_passes_with_the_pair_and_fails_without_a_signature_or_with_another_key():
    w = world()
    deploy = w.add_client("deploy")
    assert deploy.cosign_verify(IMAGE, "cosign.pub").error == "NO_SIGNATURES"
    sign(w)
    good = deploy.cosign_verify(IMAGE, "cosign.pub")
    assert good.ok and "The signatures were verified against the specified public key" in good.output[-1]
    assert deploy.cosign_verify(IMAGE, "intruder.pub").error == "NO_MATCHING_SIGNATURES"


def test_cosign_verify_finds_the_signature_through_the_fallback_tag():
    w = world(referrers_api=False)
    sign(w)
    with w.recording() as events:
        out = w.add_client("deploy").cosign_verify(IMAGE, "cosign.pub")
    assert out.ok, out.output
    assert f"GET /v2/R/manifests/{fallback_tag(subject_digest(w))} 200" in lines(events)


# ----- oras ----------------------------------------------------------------------------------------


def test_oras_uploads_each_blob_in_one_put_and_trusts_oci_subject():
    events = attach(world())
    said = lines(events)
    assert not any(line.startswith("PATCH") for line in said)   # oras-go: POST, then PUT with the bytes
    upload = next(e for e in events if e.method == "PUT" and "/blobs/uploads/" in e.path)
    assert upload.bytes == 40_000
    assert said[-1].startswith("PUT /v2/R/manifests/sha256:")   # OCI-Subject came back: nothing more
    assert not any("/referrers/" in line for line in said)


def test_oras_replaces_the_fallback_index_and_deletes_the_one_it_replaced():
    w = world(referrers_api=False)
    sign(w)
    old = w.registries[HOST].resolve(NAME, fallback_tag(subject_digest(w))).digest
    said = lines(attach(w))
    tag = fallback_tag(subject_digest(w))
    assert said[-3:] == [f"GET /v2/R/manifests/{tag} 200", f"PUT /v2/R/manifests/{tag} 201",
                         f"DELETE /v2/R/manifests/{old} 202"]
    index = w.registries[HOST].resolve(NAME, tag)
    assert [entry.artifact_type for entry in index.manifests] == [OCI_EMPTY, SBOM]   # oras-go appends


@pytest.mark.parametrize("referrers_api", [True, False])
def test_oras_discover_lists_referrers_and_filters_by_artifact_type(referrers_api: bool):
    w = world(referrers_api)
    sign(w)
    attach(w)
    deploy = w.add_client("deploy")
    everything = deploy.oras_discover(IMAGE)
    assert [r.artifact_type for r in everything.referrers if r.artifact_type == SBOM] == [SBOM]
    assert len(everything.referrers) == 2
    assert {r.via for r in everything.referrers} == {"api" if referrers_api else "tag-schema"}
    only = deploy.oras_discover(IMAGE, SBOM)
    assert [r.artifact_type for r in only.referrers] == [SBOM]


def test_the_registry_says_it_applied_the_artifact_type_filter():
    w = world()
    attach(w)
    answer = w.registries[HOST].referrers(None, NAME, subject_digest(w), SBOM)
    assert answer.headers["OCI-Filters-Applied"] == "artifactType"


# ----- helm ----------------------------------------------------------------------------------------


def test_helm_push_stores_the_chart_as_name_version_with_helms_media_types():
    w = world()
    out = w.clients["ci"].helm_push("mychart-0.1.0+build.1.tgz", f"oci://{HOST}/charts", 4_000)
    assert out.ok, out.output
    assert out.output[0] == f"Pushed: {HOST}/charts/mychart:0.1.0_build.1"   # "+" is not allowed in a tag
    manifest = w.registries[HOST].resolve("charts/mychart", "0.1.0_build.1")
    assert isinstance(manifest, Manifest)
    assert manifest.config.media_type == HELM_CONFIG
    assert [layer.media_type for layer in manifest.layers] == [HELM_CHART]
    config = w.registries[HOST].blobs[manifest.config.digest].data
    assert config is not None and json.loads(config)["version"] == "0.1.0+build.1"


# ----- deleting the subject, and GC --------------------------------------------------------------


def test_with_the_api_gc_sweeps_referrers_with_their_deleted_subject_and_keeps_those_of_kept_images():
    w = world()
    sign(w)
    attach(w)
    reg = w.registries[HOST]
    assert collect_garbage(reg, delete_untagged=True).manifests_deleted == 0   # kept with their subject
    reg.remove_manifest(NAME, "v1")
    # with the tag gone and before the collection, the referrers API still lists both
    listed = json.loads(bytes(reg.referrers(None, NAME, subject_digest_from(reg)).body or b"{}"))
    assert len(listed["manifests"]) == 2
    assert collect_garbage(reg, delete_untagged=True).manifests_deleted == 3
    assert list(reg.repositories[NAME].manifests.enumerate()) == []


def subject_digest_from(reg: Registry) -> str:
    return next(m.subject.digest for m in reg.repositories[NAME].manifests.revisions() if m.subject is not None)


def test_without_the_api_the_fallback_tag_keeps_referrers_after_their_subject_is_collected():
    w = world(referrers_api=False)
    sign(w)
    attach(w)
    reg = w.registries[HOST]
    subject = subject_digest(w)
    reg.remove_manifest(NAME, "v1")
    report = collect_garbage(reg, delete_untagged=True)
    assert report.manifests_deleted == 1                     # the image only
    left = reg.repositories[NAME].manifests
    assert subject not in left.enumerate() and len(list(left.enumerate())) == 3   # the index and both artifacts


def test_without_the_api_gc_deletes_an_untagged_referrer_even_while_its_subject_is_tagged():
    w = world(referrers_api=False)
    reg = w.registries[HOST]
    image = reg.resolve(NAME, "v1")
    # an artifact stored by digest with no fallback index (a client that kept none)
    config, data = bytes_blob(b"{}", OCI_EMPTY)
    reg.start_upload(None, NAME, digest=config.digest, body=data)
    artifact = artifact_manifest(config, (), artifact_type=SBOM,
                                 subject=Descriptor(image.media_type, image.digest, len(image.raw)))
    reg.put_manifest(None, NAME, artifact.digest, artifact.raw)
    assert collect_garbage(reg, delete_untagged=True).manifests_deleted == 1   # distribution follows no subject
    assert reg.repositories[NAME].manifests.get(image.digest) is not None


# ----- scenario files ------------------------------------------------------------------------------

HEAD = f"""version: 1
title: t
registries: [{{name: {HOST}}}]
clients: [ci, {{name: node, runtime: containerd}}]
files: {{sbom.spdx.json: 40kB, chart.tgz: 1kB}}
steps:
"""


def problems(steps: str, head: str = HEAD) -> list[str]:
    with pytest.raises(ContentError) as info:
        parse_scenario(head + steps, "s.yaml")
    return [str(p) for p in info.value.problems]


def test_scenario_mistakes_in_artifact_commands_are_reported_at_their_line_and_column():
    found = problems(f"""  - {{as: ci, run: oras attach --artifact-typo {SBOM} {IMAGE} sbom.spdx.json}}
  - {{as: ci, run: oras attach --artifact-type {SBOM} {IMAGE} sbom.spdx.jsn}}
  - {{as: ci, run: cosign sign {IMAGE}}}
  - {{as: node, run: cosign verify --key k.pub {IMAGE}}}
  - {{as: ci, run: helm push chart.tgz oci://{HOST}/charts}}
  - {{as: ci, run: oras discover other.example/team/app:v1}}
""")
    assert found[0].startswith("s.yaml:7:") and "unknown option '--artifact-typo'" in found[0]
    assert found[1].startswith("s.yaml:8:") and "did you mean 'sbom.spdx.json'" in found[1]
    assert found[2].startswith("s.yaml:9:") and "needs --key" in found[2]
    assert found[3].startswith("s.yaml:10:") and "containerd node" in found[3]
    assert found[4].startswith("s.yaml:11:") and "NAME-VERSION.tgz" in found[4]
    assert found[5].startswith("s.yaml:12:") and "not a registry here" in found[5]


def test_referrers_api_is_a_boolean_of_a_registry_that_takes_pushes():
    found = problems("  - wait 1s\n", head=f"""version: 1
title: t
registries:
  - {{name: {HOST}, referrers_api: "no"}}
  - {{name: mirror.example, mirror_of: {HOST}, referrers_api: false}}
steps:
""")
    assert found[0].startswith("s.yaml:4:") and "true" in found[0]
    assert found[1].startswith("s.yaml:5:") and "pull-through cache" in found[1]


def test_play_json_has_referrers_only_on_artifact_steps():
    scenario = parse_scenario(HEAD + f"""  - {{as: ci, run: docker build -t {IMAGE} .}}
  - {{as: ci, run: docker push {IMAGE}}}
  - {{as: ci, run: oras attach --artifact-type {SBOM} {IMAGE} sbom.spdx.json}}
  - {{as: ci, run: oras discover {IMAGE}, expect: {{referrers_listed: 1}}}}
""" + "layers: {base: 1MB}\nimages: {app:v1: [base]}\n", "s.yaml")
    steps = [record.to_dict() for record in replay(scenario).records]
    assert ["referrers" in step for step in steps] == [False, False, True, True]
    listed = steps[3]["referrers"]
    assert [(r["artifact_type"], r["how"], r["via"]) for r in listed] == [(SBOM, "listed", "api")]
    pushed = steps[1]["output"][-1].split("digest: ")[1].split(" ")[0]   # "v1: digest: sha256:… size: N"
    assert listed[0]["subject"] == pushed == steps[2]["referrers"][0]["subject"]
