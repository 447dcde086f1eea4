"""The client side: a docker-like daemon and CLI that resolves, pushes, pulls and keeps a local image store."""
