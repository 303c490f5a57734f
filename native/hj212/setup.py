"""Build of the C extension ``jjj_hj212._native`` (the metadata is in pyproject.toml)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "jjj_hj212._native",
            ["src/jjj_hj212/_native.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"],
        )
    ]
)
