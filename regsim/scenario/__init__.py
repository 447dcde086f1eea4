"""Scenario files, the step engine and its records."""
