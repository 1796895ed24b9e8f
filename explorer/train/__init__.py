"""Datasets, the training engine, statistics and the run process (imports torch, never Qt)."""
