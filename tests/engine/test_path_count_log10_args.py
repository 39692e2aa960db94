"""``ctc_path_count_log10`` checks T as ``ctc_path_count`` does: an EngineError naming T.

It returned -inf for T = -1 and for True (read as 1 frame), a number for T = 2.5 (a
fractional count of frames), and a TypeError for '3' or None.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnloss_cli.engine.alignments import ctc_path_count, ctc_path_count_log10
from rnnloss_cli.engine.errors import EngineError

BAD_T = {
    "negative": -1,
    "float": 2.5,
    "whole float": 3.0,
    "bool": True,
    "numpy bool": np.bool_(True),
    "huge float": float("inf"),
    "nan": float("nan"),
    "text": "3",
    "None": None,
}


@pytest.mark.parametrize("T", BAD_T.values(), ids=BAD_T.keys())
def test_bad_T_is_an_engine_error_naming_T(T):
    with pytest.raises(EngineError, match=r"^T\b"):
        ctc_path_count_log10("AB", T)


@pytest.mark.parametrize("T", [0, 3, 4, np.int64(7), 10**400])
def test_good_T_still_counts(T):
    # C(T + S - r, 2S) for AB (S = 2, r = 0): T = 4 gives C(6, 4) = 15; T < 2 gives none.
    got = ctc_path_count_log10("AB", T)
    if T < 2:
        assert got == -math.inf
    elif T < 100:  # the exact count, an independent check of the log
        assert got == pytest.approx(math.log10(ctc_path_count("AB", int(T))), rel=1e-12)
    else:  # C(n, 4) ~ n^4 / 4! for n = 10^400 + 2
        assert got == pytest.approx(4 * 400 - math.log10(24), rel=1e-12)
