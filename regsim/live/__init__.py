"""Live mode: the registry model served over HTTP to real clients (skopeo, oras, docker, podman).

The HTTP layer (`server`) is a thin adapter: every request becomes one call of the model's
`Registry` methods through `World.send`, so the request is recorded exactly as a simulated
one is. What the model keeps in memory for a scenario, live mode keeps on disk (`storage`):
blobs are streamed to a temporary file while their digest is computed, verified, flushed
and renamed into a content-addressed place, and the model's `Blob` holds only digest and size.
"""
