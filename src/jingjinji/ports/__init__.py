"""Port and logistics information exchange (issue 14): DCSA Track & Trace events between the
region's ports."""
