"""Pure functions of the ports domain (no database, no network)."""
