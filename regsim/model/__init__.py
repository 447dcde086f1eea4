"""The registry world: pure Python, no UI, deterministic.

Packages name the layers, as distribution and go-containerregistry cut them: `oci` (digests,
references, descriptors, manifests, media types, errors), `registry` (the store, the API
handler, the guard around it, uploads, garbage collection, the pull-through cache and
replication), `client` (a docker-like daemon: resolve, push, pull, its local image store)
and `sim` (the world, the network, the request context and the records of what happened).
"""
