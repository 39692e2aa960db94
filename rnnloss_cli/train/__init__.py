"""A tiny numpy Elman RNN trained with BPTT on generated tasks, one per loss (``rnnloss train``).

rnn.py (forward + BPTT backward), optim.py (SGD / Adam, gradient-norm clipping), tasks.py
(generated data + the loss glue onto the engine), run.py (the training loop and its display).
"""
