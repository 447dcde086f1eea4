"""The registry side: content-addressed storage, repositories, uploads, the API handler, auth around it,
garbage collection, the pull-through cache and replication."""
