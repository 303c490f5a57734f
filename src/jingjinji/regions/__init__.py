"""The region's jurisdictions (GB/T 2260) and their organisations (agencies)."""
