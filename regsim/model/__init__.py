"""The registry world: pure Python, no UI, deterministic."""
