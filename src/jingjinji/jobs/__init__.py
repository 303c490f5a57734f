"""Background jobs: a table of work that `jjj worker` processes claim under a lease (the
guarantees are stated in ``service``)."""
