"""Notifications: an in-app inbox for every user and e-mail for the kinds they choose."""
