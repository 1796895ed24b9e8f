"""Tests for the datasets (explorer.train.data)."""
