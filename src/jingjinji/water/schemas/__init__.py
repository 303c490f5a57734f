"""Input, output and filter models of the water domain, one module per topic."""
