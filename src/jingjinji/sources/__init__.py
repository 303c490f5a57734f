"""Joint control of key pollution sources: the HJ 212 online-monitoring gateway on a JetStream
stream, the loader that stores it, emissions against permit limits, and the linked enforcement
of the three jurisdictions (docs/sources.md)."""
