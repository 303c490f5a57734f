"""Every table of every domain, for migrations and tests (``Base.metadata`` is complete
once this module is imported)."""

from jingjinji import domains
from jingjinji.db import Base

domains.import_all("models")

metadata = Base.metadata
