"""A fleet behind one WAN, as scenario text: servers srv1..srvN on a site router, one 100 Mbit/s
WAN to the data centre, the registry there (and, if asked, a pull-through cache on the site).
The engine bench times its rollout step; the tests check its arithmetic."""

from __future__ import annotations

WAN_BANDWIDTH = 100e6          # bit/s: the shared site-to-data-centre link
WAN_ROUND_TRIP = 0.080         # s: the route's round trip (1 ms + 78 ms + 1 ms)
LAYERS = {"l1": "30MB", "l2": "20MB", "l3": "10MB", "l4": "5MB", "l5": "2MB"}


def fleet_scenario(count: int, *, mirror: bool = False) -> str:
    """`count` servers pull a 5-layer image at once (the step with id `rollout`): docker hosts, or
    with a mirror Kubernetes nodes (containerd mirrors any registry through hosts.toml)."""
    mirrors = ", runtime: containerd, hosts: {registry.example: [mirror.site]}" if mirror else ""
    pull = "crictl pull" if mirror else "docker pull"
    clients = "".join(f"  - {{name: srv{i}{mirrors}}}\n" for i in range(1, count + 1))
    links = "".join(f"  - {{between: [srv{i}, site-a], bandwidth: 1Gbit/s, latency: 1ms}}\n"
                    for i in range(1, count + 1))
    layers = ", ".join(f"{name}: {size}" for name, size in LAYERS.items())
    return (
        "version: 1\n"
        "title: A fleet pulls at once\n"
        "summary: Servers behind one WAN uplink pull the same image together.\n"
        "registries:\n"
        "  - {name: registry.example}\n"
        "  - {name: mirror.site, mirror_of: registry.example}\n"
        "clients:\n"
        "  - name: ci\n"
        f"{clients}"
        "routers: [site-a, dc]\n"
        "network:\n"
        f"{links}"
        "  - {between: [mirror.site, site-a], bandwidth: 10Gbit/s, latency: 1ms}\n"
        "  - {between: [site-a, dc], bandwidth: 100Mbit/s, latency: 78ms}\n"
        "  - {between: [dc, registry.example], bandwidth: 10Gbit/s, latency: 1ms}\n"
        f"layers: {{{layers}}}\n"
        "images:\n"
        f"  app:1.0: [{', '.join(LAYERS)}]\n"
        "steps:\n"
        "  - {as: ci, run: docker build -t registry.example/team/app:1.0 .}\n"
        "  - {as: ci, run: docker push registry.example/team/app:1.0}\n"
        f'  - {{id: rollout, as: "srv[1-{count}]", run: {pull} registry.example/team/app:1.0}}\n'
    )
