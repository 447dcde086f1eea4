"""The world as a tree: registries → repositories → tags → layers, and clients → images."""

from __future__ import annotations

from dataclasses import dataclass, field

from regsim.model.client.daemon import Client
from regsim.model.oci.errors import RegistryError
from regsim.model.registry.registry import Registry
from regsim.model.sim.network import NodeKind
from regsim.model.sim.world import World
from regsim.units import docker_short_id, format_size, short_digest


@dataclass(slots=True)
class WorldNode:
    label: str
    kind: str  # heading | registry | repository | tag | layer | client | image | reference
    size: str | None = None
    note: str = ""
    shared_by: int = 0  # layers: how many distinct tagged images use it
    children: list[WorldNode] = field(default_factory=list)


def layer_names(world: World) -> dict[str, str]:
    """The scenario's layer names, as the clients that built the layers know them."""
    names: dict[str, str] = {}
    for client in world.clients.values():
        names.update(client.layer_names)
    return names


def sharing_counts(registry: Registry) -> dict[str, int]:
    """For each layer digest, the number of distinct tagged images (manifests) that use it."""
    users: dict[str, set[str]] = {}
    for image, layers in registry.tagged_images().items():
        name, _, tag = image.rpartition(":")
        manifest = registry.repositories[name].tags.get(tag)
        if manifest is None:   # tagged_images lists only tags that name a manifest
            continue
        for layer in layers:
            users.setdefault(layer.digest, set()).add(manifest)
    return {digest: len(manifests) for digest, manifests in users.items()}


def registry_node(host: str, registry: Registry, kind: NodeKind, names: dict[str, str]) -> WorldNode:
    shared = sharing_counts(registry)
    images = registry.tagged_images()
    role = f"{kind}, " if kind != NodeKind.REGISTRY else ""
    node = WorldNode(
        host, "registry", note=f"{role}{format_size(registry.layer_bytes_stored())} stored"
    )
    for name, repo in sorted(registry.repositories.items()):
        repo_node = WorldNode(name, "repository", note=_count(len(repo.tags), "tag"))
        for tag, digest in repo.tags.links().items():
            layers = images.get(f"{name}:{tag}", [])
            tag_node = WorldNode(
                tag,
                "tag",
                format_size(sum(layer.size for layer in layers)),
                short_digest(digest),
            )
            for layer in layers:
                count = shared.get(layer.digest, 0)
                tag_node.children.append(
                    WorldNode(
                        names.get(layer.digest, short_digest(layer.digest)),
                        "layer",
                        format_size(layer.size),
                        f"shared by {count} images" if count > 1 else "",
                        shared_by=count,
                    )
                )
            repo_node.children.append(tag_node)
        node.children.append(repo_node)
    return node


def client_node(world: World, name: str, names: dict[str, str]) -> WorldNode:
    client = world.clients[name]
    disk = sum(layer.size for layer in client.layers.values())
    node = WorldNode(
        name, "client", format_size(disk), f"{_count(len(client.layers), 'layer')} on disk"
    )
    tags_of: dict[str, list[str]] = {}
    for reference, key in sorted(client.tags.items()):
        tags_of.setdefault(key, []).append(_familiar(client, reference))
    for key, image in sorted(client.images.items()):
        image_node = WorldNode(
            f"image {docker_short_id(image.image_id)}",
            "image",
            format_size(client.image_size(image)),
        )
        image_node.children = [
            WorldNode(name, "reference") for name in tags_of.get(key, ["<none>"])
        ]
        node.children.append(image_node)
    return node


def world_nodes(world: World) -> list[WorldNode]:
    """Two headings, Registries and Clients, with everything the world holds after the steps done."""
    names = layer_names(world)
    kinds = world.network.nodes
    registries = WorldNode(
        "Registries",
        "heading",
        children=[
            registry_node(host, registry, kinds.get(host, NodeKind.REGISTRY), names)
            for host, registry in sorted(world.registries.items())
        ],
    )
    clients = WorldNode(
        "Clients", "heading", children=[client_node(world, name, names) for name in world.clients]
    )
    return [registries, clients]


def _familiar(client: Client, reference: str) -> str:
    """A tag as the client's CLI names it (docker hides docker.io/ and library/; crictl shows all)."""
    try:
        return client.familiar(client.parse(reference))
    except RegistryError:
        return reference


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
