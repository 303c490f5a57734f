"""Joint air-quality monitoring: stations, observations, AQI by HJ 633-2012 and HJ 633-2026."""
