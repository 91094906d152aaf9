"""Writes of the media feature, split by use case (uploads, pictures, documents, sweeps).
Import from the submodules; this package re-exports nothing on purpose, so an import names
the use case it depends on."""
