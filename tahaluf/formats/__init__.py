"""Converters between the canonical model and file formats."""
