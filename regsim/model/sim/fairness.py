"""Max-min fairness: how flows in flight at one moment share the links they cross.

Progressive filling: every flow grows at the same pace until a link it crosses is full, then stays
at that rate while the others grow on, which is what TCP flows sharing a bottleneck converge to.
"""

from __future__ import annotations

from regsim.model.sim.routes import LinkKey

# A flow's links, and how many flows it stands for on each of them: one flow stands for a class of
# clients acting alike (see alike.py), once on each client's own links, once per client on the
# links they share.
Flow = tuple[tuple[LinkKey, ...], tuple[int, ...]]


def max_min_rates(flows: list[tuple[LinkKey, ...]], capacity: dict[LinkKey, float]) -> list[float]:
    """Progressive filling: each flow's rate (bytes/s) over the links it crosses, max-min fair."""
    return fill([(links, (1,) * len(links)) for links in flows], capacity)


def fill(flows: list[Flow], capacity: dict[LinkKey, float]) -> list[float]:
    """Each flow's rate (bytes/s), max-min fair, a flow counting on each link as often as it says."""
    if len(flows) == 1 and max(flows[0][1], default=1) == 1:   # one flow alone: its route's bottleneck
        return [min(capacity[key] for key in flows[0][0])]
    # Flows over the same links get the same rate: fill each route once, counted as often as it is
    # used. A route is known by its tuple's identity (a step's flows share their route's tuple); two
    # equal tuples are filled as two routes, which gives them the same rate, by the same arithmetic.
    count: dict[int, int] = {}
    route_of: dict[int, Flow] = {}
    for flow in flows:
        route = id(flow)
        if route in count:
            count[route] += 1
        else:
            count[route] = 1
            route_of[route] = flow
    rate = dict.fromkeys(count, 0.0)
    left = {key: capacity[key] for links, _ in route_of.values() for key in links}
    open_routes = list(count)
    while open_routes:
        users: dict[LinkKey, int] = {}
        for route in open_routes:
            used = count[route]
            links, weights = route_of[route]
            for key, weight in zip(links, weights, strict=True):
                users[key] = users.get(key, 0) + used * weight
        share = min(left[key] / used for key, used in users.items())
        full = {key for key, used in users.items() if left[key] / used <= share * (1 + 1e-12)}
        for route in open_routes:
            rate[route] += share
        for key, used in users.items():
            left[key] -= share * used
        open_routes = [route for route in open_routes if full.isdisjoint(route_of[route][0])]
    return [rate[id(flow)] for flow in flows]
