"""Tests of the water kernels."""
