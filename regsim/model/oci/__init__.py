"""OCI vocabulary: digests, references, descriptors, manifests, media types, errors and the API's routes."""
