"""rnnloss: worked-problem solver for RNN loss functions."""

__version__ = "0.1.0"
