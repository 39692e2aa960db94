"""Tests for the numpy RNN trainer (rnnloss train)."""
