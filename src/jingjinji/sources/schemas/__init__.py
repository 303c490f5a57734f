"""Input, output and filter models of the sources domain (one module per topic)."""
