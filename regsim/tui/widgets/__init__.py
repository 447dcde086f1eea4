"""Widgets of the player screen, each drawing one view model."""
