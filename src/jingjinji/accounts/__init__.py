"""Users, roles, web sessions and API tokens."""
