"""Background jobs: a table of work claimed with compare-and-set by `jjj worker`."""
