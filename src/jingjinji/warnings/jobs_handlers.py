"""Registers the warning domain's job handlers (daily forecasts, webhook deliveries)."""

from jingjinji.warnings import service, webhooks

__all__ = ["service", "webhooks"]
