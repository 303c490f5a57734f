"""Unified social credit system: USCC registry, double publicity, joint rewards and punishments."""
