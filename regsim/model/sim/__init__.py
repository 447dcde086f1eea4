"""The simulation: the world of registries and clients, the network between them, simulated time, and
the records of what happened."""
