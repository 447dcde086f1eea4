"""The Textual app: screens and widgets that show the step engine's records; no domain logic here."""
