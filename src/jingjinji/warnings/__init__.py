"""Regional heavy-pollution early warning: forecasts, criteria, consultation, notifications."""
