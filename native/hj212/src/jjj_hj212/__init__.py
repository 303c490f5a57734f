"""Compiled one-pass HJ 212 framer and packet parser for jingjinji.

The extension ``jjj_hj212._native`` is configured and wrapped by
``jingjinji.sources.kernels.native``; use it through that module.
"""
