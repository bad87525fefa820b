"""Sphere: the data-protection component for Social CRM."""

__version__ = "0.1.0"
