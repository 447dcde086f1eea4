"""Challenges: a goal world the learner reaches by typing commands (files in `challenges/`, no UI)."""
