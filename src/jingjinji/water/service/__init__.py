"""The water domain's services, one module per topic: ``sections`` (registry, targets, the
river network), ``samples`` (ingestion, revisions, reading, export), ``assessment`` (classes,
status and compliance from stored samples), ``incidents`` (the emergency linkage)."""
