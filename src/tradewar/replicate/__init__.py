"""Replications of published studies, one module per study (``run`` and ``render``)."""
