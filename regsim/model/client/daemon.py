"""A docker-like client (one per actor): a local image store whose layers images share.

`build`, `tag`, `rmi`, `images`, `system df`, `login` and `logout` live here; `push` and
`pull` talk to registries and live in their own modules.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from regsim.model.client import cosign, helm, oras
from regsim.model.client.containerd import crictl_pull
from regsim.model.client.images import DiskUsage, ImageRow, ImageUsage, LocalImage, LocalLayer, copy_images, tag_key
from regsim.model.client.kubelet import PullPolicy, ensure_image
from regsim.model.client.pull import pull
from regsim.model.client.push import push
from regsim.model.client.session import HostSession
from regsim.model.core.events import Outcome
from regsim.model.core.snapshot import Copier, copy_fields, dict_of_tables, same, shallow
from regsim.model.oci.descriptor import Descriptor, Platform, sized_layer
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import Index, Manifest, build_index, image_config, image_manifest
from regsim.model.oci.reference import Reference, parse_reference
from regsim.units import docker_short_id, docker_size

if TYPE_CHECKING:
    from regsim.model.sim.world import World

_new = object.__new__

Recipe = Sequence[tuple[str, int]] | dict[str, Sequence[tuple[str, int]]]



class Runtime(StrEnum):
    """Which container engine a client runs: it decides the commands, the output and the mirrors."""

    DOCKER = "docker"            # dockerd and the docker CLI
    CONTAINERD = "containerd"    # a Kubernetes node: containerd's CRI plugin, driven with crictl


class Client:
    """One actor's container engine and its CLI: docker (dockerd) or containerd (crictl)."""

    def __init__(
        self,
        world: World,
        name: str,
        mirrors: Sequence[str] = (),
        platform: str = "linux/amd64",
        address: str | None = None,
        *,
        runtime: Runtime = Runtime.DOCKER,
        hosts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.world = world
        self.name = name
        self.address = address   # its network address; clients behind one NAT share one
        self.runtime = runtime
        # dockerd's `registry-mirrors`: only ever used for Docker Hub (see pull.py).
        self.mirrors = list(mirrors)
        # containerd's hosts.toml, per registry: the [host] entries tried in order before the
        # registry itself (containerd docs/hosts.md, "server field").
        self.hosts = {registry: list(mirrors) for registry, mirrors in (hosts or {}).items()}
        self.platform = Platform.parse(platform)
        self.layers: dict[str, LocalLayer] = {}
        self.images: dict[str, LocalImage] = {}
        self.tags: dict[str, str] = {}                  # host/repo:tag -> image key
        self.credentials: dict[str, str] = {}           # host -> base64(user:password), as config.json keeps it
        self.logins: dict[str, str] = {}                # host -> user name (for narration)
        self.known_locations: dict[str, list[tuple[str, str]]] = {}   # blob -> [(host, repository)]
        self.layer_names: dict[str, str] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Client:
        # A snapshot of the world copies the clients a step acted as: their tables by one
        # `copy()` each (their values are names, digests and records nothing changes).
        fields = self.__dict__
        if fields.keys() != _FIELDS:
            return copy_fields(self, memo, _COPIERS)   # a field added since: copied one by one
        copied = object.__new__(Client)
        memo[id(self)] = copied
        new = fields.copy()
        world = fields["world"]
        new["world"] = memo.get(id(world)) or copy.deepcopy(world, memo)
        for name in _TABLES:
            new[name] = fields[name].copy()
        new["hosts"] = {registry: mirrors.copy() for registry, mirrors in fields["hosts"].items()}
        new["known_locations"] = {digest: places.copy() for digest, places in fields["known_locations"].items()}
        new["images"] = copy_images(fields["images"], memo)
        copied.__dict__ = new
        return copied

    def in_world(self, world: World) -> Client:
        """This client, as it is now, in another copy of its world, sharing its tables: only for a
        snapshot, which nothing changes (see `World.snapshot`)."""
        moved = object.__new__(Client)
        moved.__dict__ = self.__dict__.copy()   # a copy of the whole table: faster than adding each field
        moved.world = world
        return moved

    def __repr__(self) -> str:
        return f"Client({self.name!r}, {len(self.images)} images, {len(self.layers)} layers)"

    # ----- references and the store -------------------------------------------------------------

    # A reference as this client reads it: `client.parse(text)` is parse_reference itself, with no
    # method frame of its own (a build, its tag and its push each parse their names).
    parse = staticmethod(parse_reference)

    def familiar(self, ref: Reference) -> str:
        """A name as this client's CLI prints it: docker hides `docker.io/` and `library/`;
        crictl prints every name in full, as containerd stores it."""
        return ref.full if self.runtime == Runtime.CONTAINERD else ref.familiar()

    def image_for(self, ref: Reference) -> LocalImage | None:
        if ref.digest is not None:
            for image in self.images.values():
                if image.key == str(ref.digest):
                    return image
            return None
        key = self.tags.get(tag_key(ref))
        return self.images.get(key) if key else None

    def remember_location(self, digest: str, host: str, repository: str) -> None:
        """The blob info cache: where this client knows a blob exists (used to mount instead of upload)."""
        entry = (host, repository)
        places = self.known_locations.get(digest)
        if places is None:   # most blobs a push records are new to the client: one place, no search
            self.known_locations[digest] = [entry]
            return
        if places and places[0] == entry:   # already the first place: a push of the next tag
            return
        if entry in places:
            places.remove(entry)
        places.insert(0, entry)

    def forget_location(self, digest: str, host: str, repository: str) -> None:
        places = self.known_locations.get(digest)
        if places and (host, repository) in places:
            places.remove((host, repository))

    def config_json(self) -> dict[str, object]:
        """The client's ~/.docker/config.json: credentials are base64, which is an encoding, not encryption."""
        return {"auths": {host: {"auth": value} for host, value in sorted(self.credentials.items())}}

    # ----- build, tag, rmi ------------------------------------------------------------------------

    def build(self, target: str, recipe: Recipe) -> Outcome:
        """Build an image from a recipe: a list of (layer name, size), or one such list per platform."""
        out = Outcome()
        try:
            ref = self.parse(target)
        except RegistryError as error:
            return out.fail(error.code.name, error.reason, f"ERROR: invalid tag {target!r}: {error.reason}")
        if isinstance(recipe, dict):
            children = []
            image_manifests: dict[str, Manifest] = {}
            configs: dict[str, bytes] = {}
            # Every platform is read before any is built: a bad one leaves the store as it was.
            for platform, layer_list in [(Platform.parse(text), layers) for text, layers in recipe.items()]:
                manifest, config = self._build_one(layer_list, platform)
                image_manifests[manifest.digest] = manifest
                configs[manifest.config.digest] = config
                children.append(Descriptor(manifest.media_type, manifest.digest, len(manifest.raw), platform))
            index = build_index(tuple(children))
            image = LocalImage(index.digest, index, image_manifests, configs)
            image_layers: Sequence[Descriptor] = image.layers()
            image_id = image.image_id
        else:
            manifest, config = self._build_one(recipe, self.platform)
            image_id = manifest.config.digest
            image = LocalImage(manifest.digest, manifest, {manifest.digest: manifest}, {image_id: config})
            image_layers = manifest.layers
        self.images[image.key] = image
        self.tags[tag_key(ref)] = image.key
        total = sum({layer.digest: layer.size for layer in image_layers}.values())
        # docker's own line, so docker's short ID and size.
        out.output.append(f"Successfully built {docker_short_id(image_id)} "
                          f"({len(image_layers)} layers, {docker_size(total)})")
        out.output.append(f"Successfully tagged {self.familiar(ref)}")
        return out

    def _build_one(self, layer_list: Sequence[tuple[str, int]], platform: Platform) -> tuple[Manifest, bytes]:
        """One platform's manifest and its config; the layers the store does not hold yet join it."""
        descriptors: list[Descriptor] = []
        diff_ids: list[str] = []
        entries: list[str] = []
        names = self.layer_names
        held = self.layers
        for name, size in layer_list:
            desc, layer_diff_id, entry = sized_layer(name, size)
            digest = desc.digest
            names[digest] = name
            descriptors.append(desc)
            diff_ids.append(layer_diff_id)
            entries.append(entry)
            if digest not in held:   # the store keeps the layer it has
                # LocalLayer(digest, size, name), made without a call to its __init__ (every field set here)
                held[digest] = layer = _new(LocalLayer)
                layer.digest = digest
                layer.size = size
                layer.name = name
                layer.data = None
        config = image_config(diff_ids, platform)
        return image_manifest(config, tuple(descriptors), entries), config

    def tag(self, source: str, target: str) -> Outcome:
        out = Outcome()
        try:
            src, dst = self.parse(source), self.parse(target)
        except RegistryError as error:
            return out.fail(error.code.name, error.reason, f"Error parsing reference: {error.reason}")
        image = self.image_for(src)
        if image is None:
            return out.fail("NOT_FOUND_LOCALLY", f"no local image {source}",
                            f"Error response from daemon: No such image: {self.familiar(src)}")
        self.tags[tag_key(dst)] = image.key
        return out

    def rmi(self, text: str) -> Outcome:
        """Untag; when no tag is left, delete the image and the layers no other image uses."""
        out = Outcome()
        try:
            ref = self.parse(text)
        except RegistryError as error:
            return out.fail(error.code.name, error.reason)
        key = self.tags.pop(tag_key(ref), None)
        if key is None:
            return out.fail("NOT_FOUND_LOCALLY", f"no local image {text}",
                            f"Error response from daemon: No such image: {self.familiar(ref)}")
        out.output.append(f"Untagged: {self.familiar(ref)}")
        if key in self.tags.values():
            return out
        image = self.images.pop(key)
        still_used = {layer.digest for other in self.images.values() for layer in other.layers()}
        for layer in image.layers():
            if layer.digest not in still_used and layer.digest in self.layers:
                del self.layers[layer.digest]
                out.output.append(f"Deleted: {layer.digest}")
        out.output.append(f"Deleted: {image.image_id}")
        return out

    # ----- listing ----------------------------------------------------------------------------

    def image_size(self, image: LocalImage) -> int:
        return sum({layer.digest: layer.size for layer in image.layers()}.values())

    def image_rows(self) -> list[ImageRow]:
        """`docker images`: one row per tag, in tag order (the scenario layer prints the table)."""
        rows = []
        for key in sorted(self.tags):
            image = self.images[self.tags[key]]
            name, _, tag = key.rpartition(":")
            host, _, repository = name.partition("/")
            rows.append(ImageRow(self.familiar(Reference(host, repository)), tag, image.image_id,
                                 self.image_size(image)))
        return rows

    def crictl_image_rows(self) -> list[ImageRow]:
        """`crictl images`: each image's tags in full, images in the order of their first tag, and
        the image ID the CRI reports, the config's digest (cri-tools cmd/crictl/image.go)."""
        tags_of: dict[str, list[str]] = {}
        for key in sorted(self.tags):
            tags_of.setdefault(self.tags[key], []).append(key)
        rows = []
        for key, tags in sorted(tags_of.items(), key=lambda item: item[1][0]):
            image = self.images[key]
            config = next((m.config.digest for m in image.manifests.values()), image.image_id)
            for tag_text in tags:
                name, _, tag = tag_text.rpartition(":")
                rows.append(ImageRow(name, tag, config, self.image_size(image)))
        return rows

    def crictl_rmi(self, text: str) -> Outcome:
        """`crictl rmi REF`: remove the image the name points at, with every tag it has; content
        no other image uses goes with it (containerd's garbage collector)."""
        out = Outcome()
        try:
            ref = self.parse(text)
        except RegistryError as error:
            return out.fail(error.code.name, error.reason, f"no such image {text}")
        key = self.tags.get(tag_key(ref))
        if key is None:
            return out.fail("NOT_FOUND_LOCALLY", f"no local image {ref.full}",
                            f"no such image {text}")
        for tag_text in sorted(t for t, k in self.tags.items() if k == key):
            del self.tags[tag_text]
            out.output.append(f"Deleted: {tag_text}")
        image = self.images.pop(key)
        still_used = {layer.digest for other in self.images.values() for layer in other.layers()}
        for layer in image.layers():
            if layer.digest not in still_used:
                self.layers.pop(layer.digest, None)
        return out

    def disk_usage(self) -> DiskUsage:
        """`docker system df -v`: each image's size, the part it shares, and the disk really used."""
        users: dict[str, int] = {}
        for image in self.images.values():
            for digest in {layer.digest for layer in image.layers()}:
                users[digest] = users.get(digest, 0) + 1
        per_image = []
        for image in sorted(self.images.values(), key=lambda i: i.key):
            layers = {layer.digest: layer.size for layer in image.layers()}
            shared = sum(size for digest, size in layers.items() if users.get(digest, 0) > 1)
            per_image.append(ImageUsage(image.image_id, sum(layers.values()), shared))
        return DiskUsage(
            images=len(self.images),
            disk=sum(layer.size for layer in self.layers.values()),
            logical=sum(self.image_size(image) for image in self.images.values()),
            per_image=tuple(per_image),
        )

    # ----- login ---------------------------------------------------------------------------

    def login(self, host: str, user: str, password: str) -> Outcome:
        """Check the credentials against the registry, then keep them (base64) per host."""
        out = Outcome()
        credential = base64.b64encode(f"{user}:{password}".encode()).decode()
        old_credential, old_login = self.credentials.get(host), self.logins.get(host)
        self.credentials[host] = credential
        self.logins[host] = user
        session = HostSession(self, host, out)
        if not session.start({}) or (session.scheme == "basic" and not session.check_basic()):
            if old_credential is None or old_login is None:
                self.credentials.pop(host, None)
                self.logins.pop(host, None)
            else:
                self.credentials[host], self.logins[host] = old_credential, old_login
            return out
        out.output.append("WARNING! Your credentials are stored unencrypted in '~/.docker/config.json'.")
        out.output.append("Login Succeeded")
        return out

    def logout(self, host: str) -> Outcome:
        out = Outcome()
        if self.credentials.pop(host, None) is None:
            out.output.append(f"Not logged in to {host}")
            return out
        self.logins.pop(host, None)
        out.output.append(f"Removing login credentials for {host}")
        return out

    def push(self, text: str) -> Outcome:
        return push(self, text)

    def pull(self, text: str, platform: str | None = None) -> Outcome:
        return pull(self, text, platform)

    def crictl_pull(self, text: str, creds: str | None = None) -> Outcome:
        return crictl_pull(self, text, creds)

    def kubelet_pull(self, text: str, policy: str | None = None, secret: str | None = None) -> Outcome:
        """The kubelet's image manager for one container (kubelet.py)."""
        return ensure_image(self, text, PullPolicy(policy) if policy else None, secret)

    # ----- artifact tools: cosign, oras, helm (each in its own module) ---------------------------

    def cosign_sign(self, text: str, key_file: str) -> Outcome:
        return cosign.sign(self, text, key_file)

    def cosign_verify(self, text: str, key_file: str) -> Outcome:
        return cosign.verify(self, text, key_file)

    def oras_attach(self, text: str, artifact_type: str, file_name: str, size: int) -> Outcome:
        return oras.attach(self, text, artifact_type, file_name, size)

    def oras_discover(self, text: str, artifact_type: str | None = None) -> Outcome:
        return oras.discover(self, text, artifact_type)

    def helm_push(self, file_name: str, target: str, size: int) -> Outcome:
        return helm.push(self, file_name, target, size)

    def snapshot_json(self) -> bytes:
        value = {
            "layers": sorted(self.layers),
            "images": sorted(self.images),
            "tags": dict(sorted(self.tags.items())),
        }
        return json.dumps(value, sort_keys=True).encode()


def index_platforms(index: Index) -> list[str]:
    return [str(entry.platform) for entry in index.manifests if entry.platform is not None]


# How a client's fields copy (see `Client.__deepcopy__`); `world` and anything unlisted deep-copy.
_COPIERS: dict[str, Copier] = {
    "runtime": same,
    "platform": same,
    "mirrors": shallow,
    "hosts": dict_of_tables,
    "layers": shallow,             # LocalLayer: never changed once made
    "images": copy_images,         # LocalImage: its manifests and configs grow
    "tags": shallow,
    "credentials": shallow,
    "logins": shallow,
    "tokens": shallow,             # (text, expiry) pairs
    "known_locations": dict_of_tables,
    "layer_names": shallow,
}
_TABLES = tuple(name for name, copier in _COPIERS.items() if copier is shallow)
_FIELDS = frozenset({*_COPIERS, "world", "name", "address"})
