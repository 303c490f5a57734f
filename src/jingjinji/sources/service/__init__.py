"""Services of the sources domain, one module per topic (``from jingjinji.sources.service import
registry``)."""
