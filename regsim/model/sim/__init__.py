"""The simulation: the world of registries and clients, the network between them and simulated time."""
