"""OCI vocabulary: digests, references, descriptors, manifests, media types, errors, the API's routes,
and token auth's wire vocabulary (scopes, challenges, Basic credentials), which both sides speak."""
