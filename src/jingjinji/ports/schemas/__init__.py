"""Schemas of the ports domain: the DCSA 2.2 event JSON (``dcsa``) and the platform's own
input, output and filter models (``api``)."""
