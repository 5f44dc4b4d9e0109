"""Byline connectors. This package imports nothing from `app`: write one against `connectors.base`."""
