"""View models: plain data the widgets draw, computed from step records and the world (no Textual)."""
