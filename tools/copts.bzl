"""Compiler flags for the project's own code (not for third-party sources)."""

# Warnings are errors for our code.
COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-missing-field-initializers",
]
