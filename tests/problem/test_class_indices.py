"""Class indices as ``y`` (nll / cce): their one-hot rows cost what the predictions cost.

They were built as ``np.eye(C)[y]``, a C x C identity first: one row of 2^19 = 524,288
classes asked for 2 TiB (an internal error, exit 4), and 5,000 classes for 200 MB.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from rnnloss_cli.problem import load_problem


def test_one_hot_rows_from_indices_do_not_build_an_identity(tmp_path):
    n = 5000
    f = tmp_path / "wide.yaml"
    # uniform rows sum to 1: 5000 x 0.0002 = 1 (0.0002 = 1/5000 is exact to 15 digits)
    row = ", ".join(["0.0002"] * n)
    f.write_text(f"kind: nll\ny: [3, 0]\nyhat: [[{row}], [{row}]]\n")
    tracemalloc.start()
    try:
        problem = load_problem(str(f))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # np.eye(5000) alone is 5000² x 8 bytes = 200 MB; two rows of 5000 are 80 kB. (Reading
    # the file asks for a MAX_FILE_BYTES = 64 MiB buffer, mostly never touched: under 100 MB.)
    assert peak < 100 * 2**20, peak
    y = np.asarray(problem.y)
    assert y.shape == (2, n)
    assert y[0, 3] == 1 and y[1, 0] == 1 and y.sum() == 2  # one 1 a row, at the index
