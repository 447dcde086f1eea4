"""What the registry, the clients and the simulation all speak: a request's context (who sent it, in
which lane and job), the records of what happened (requests, blobs, a command's outcome), and how
model objects copy for a snapshot. It imports nothing of the model but the OCI vocabulary."""
