"""The app's screens: home (the scenarios), the player, help, and problems in a user's file."""
