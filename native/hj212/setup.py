"""Build of the C extension ``jjj_hj212._native`` (the metadata is in pyproject.toml)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "jjj_hj212._native",
            ["src/jjj_hj212/_native.c"],
            # topic parts of the one translation unit (included by _native.c)
            depends=[f"src/jjj_hj212/{part}.h" for part in ("crc", "texts", "readers", "lazy")],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"],
        )
    ]
)
