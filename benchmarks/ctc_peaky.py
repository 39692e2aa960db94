"""CTC on peaky inputs (what trained and training models emit): which pass certifies, and time.

Run (from the repository root, with torch for the comparison columns):

    PYTHONPATH=$PWD /work/venv-torch/bin/python benchmarks/ctc_peaky.py [--repeats 3] [--long]

The grid of ``benchmarks/ctc.py`` draws logits of scale 1 (near-uniform posteriors), which the
scaled recursion always certifies. Real posteriors are peaky. Three kinds, each at
(2000, 16, 30, 100) (``--long`` adds (20000, 2, 30, 500)):

- ``aligned``: a trained model. Standard normal logits plus ``scale`` on the target's labels
  along one alignment (each label held two frames at a random place in its share of the
  frames) and on blank elsewhere; the loss is small.
- ``blank``: the blank plateau early in CTC training. Standard normal logits plus ``scale`` on
  blank at every frame.
- ``random``: a confident model that is wrong. Logits of standard deviation ``scale``, with no
  relation to the target; the loss is large (~10 nats a frame).

For each: the rows (of N) that the first scaled pass, the windowed scaled pass and the
log-space pass settle, for the loss and for loss + gradient; the median wall time of ours and of
torch's (``F.ctc_loss``, reduction "none" under no_grad for the loss, "sum" then backward), the
ratio of the medians, and the largest relative difference of the losses from torch's.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import datetime  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rnnloss_cli.engine.ctc as ctc  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the numpy columns still run
    torch = None

SHAPES = [(2000, 16, 30, 100)]
LONG = (20000, 2, 30, 500)
CASES = [("aligned", 10.0), ("blank", 6.0), ("random", 3.0), ("random", 6.0)]


def make_case(kind: str, scale: float, shape: tuple[int, int, int, int], seed: int = 0):
    n_frames, n_batch, n_classes, n_labels = shape
    rng = np.random.default_rng(seed)
    targets = rng.integers(1, n_classes, size=(n_batch, n_labels))
    logits = rng.standard_normal((n_frames, n_batch, n_classes))
    if kind == "random":
        logits *= scale
    elif kind == "blank":
        logits[:, :, 0] += scale
    else:  # aligned
        share = n_frames // n_labels
        for n in range(n_batch):
            path = np.zeros(n_frames, dtype=int)
            starts = np.arange(n_labels) * share + rng.integers(0, max(1, share - 2), n_labels)
            for start, label in zip(starts, targets[n], strict=True):
                path[start : start + 2] = label
            logits[np.arange(n_frames), n, path] += scale
    log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
    return log_probs, targets, np.full(n_batch, n_frames), np.full(n_batch, n_labels)


class PassCounter:
    """Counts the rows each pass is handed and certifies (wraps the engine's pass functions)."""

    def __init__(self) -> None:
        self.first = self.windowed = self.log = 0
        self._scaled, self._log_gamma, self._log_fb = (
            ctc.scaled,
            ctc._log_gamma,
            ctc._log_forward_backward,
        )

    def __enter__(self) -> PassCounter:
        def scaled(lp, ext, lengths, need_grad, windowed):
            out = self._scaled(lp, ext, lengths, need_grad, windowed)
            certified = int(out[1].sum())
            if windowed and lengths.max() <= ctc.LONG_FRAMES:
                self.windowed += certified
            else:
                self.first += certified
            return out

        def log_gamma(lp, *rest):
            self.log += lp.shape[1]
            return self._log_gamma(lp, *rest)

        def log_fb(lp, *rest):
            self.log += lp.shape[1]
            return self._log_fb(lp, *rest)

        ctc.scaled, ctc._log_gamma, ctc._log_forward_backward = scaled, log_gamma, log_fb
        return self

    def __exit__(self, *exc) -> None:
        ctc.scaled, ctc._log_gamma, ctc._log_forward_backward = (
            self._scaled,
            self._log_gamma,
            self._log_fb,
        )

    def text(self) -> str:
        return f"{self.first} / {self.windowed} / {self.log}"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_case(kind: str, scale: float, shape, repeats: int) -> str:
    lp, tg, il, tl = make_case(kind, scale, shape)
    with PassCounter() as loss_passes:
        loss = ctc.ctc_loss(lp, tg, il, tl, reduction="none")
    with PassCounter() as grad_passes:
        ctc.ctc_loss_and_grad(lp, tg, il, tl, reduction="none")
    times: dict[str, list[float]] = {"ol": [], "og": [], "tl": [], "tg": []}
    diff = "n/a"
    if torch is not None:
        args = [torch.from_numpy(np.ascontiguousarray(x)) for x in (lp, tg, il, tl)]
        with torch.no_grad():
            ref = F.ctc_loss(*args, reduction="none").numpy()
        diff = f"{np.max(np.abs(loss - ref) / np.abs(ref)):.1e}"
    for _ in range(repeats):
        times["ol"].append(timed(lambda: ctc.ctc_loss(lp, tg, il, tl, reduction="none")))
        times["og"].append(timed(lambda: ctc.ctc_loss_and_grad(lp, tg, il, tl, reduction="none")))
        if torch is None:
            continue

        def torch_loss():
            with torch.no_grad():
                F.ctc_loss(*args, reduction="none")

        def torch_grad():
            leaf = args[0].clone().requires_grad_(True)
            F.ctc_loss(leaf, *args[1:], reduction="sum").backward()

        times["tl"].append(timed(torch_loss))
        times["tg"].append(timed(torch_grad))
    med = {k: statistics.median(v) * 1e3 if v else float("nan") for k, v in times.items()}
    cells = [
        ", ".join(map(str, shape)),
        f"{kind} {scale:g}",
        f"{loss.min():.3g}-{loss.max():.3g}",
        loss_passes.text(),
        grad_passes.text(),
        f"{med['ol']:.0f}",
        f"{med['tl']:.0f}",
        f"{med['ol'] / med['tl']:.2f}",
        f"{med['og']:.0f}",
        f"{med['tg']:.0f}",
        f"{med['og'] / med['tg']:.2f}",
        diff,
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--long", action="store_true", help=f"also {LONG} (slow)")
    opts = parser.parse_args()
    shapes = SHAPES + ([LONG] if opts.long else [])
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"load average: {os.getloadavg()[0]:.1f}; {versions}; medians of {opts.repeats}\n")
    print(
        "| T, N, C, S | logits | loss range | rows certified, loss: first / windowed / log "
        "| same, loss + grad | ours loss (ms) | torch fwd | ratio | ours l+g (ms) "
        "| torch f+b | ratio | rel. loss diff |"
    )
    print("|---" * 12 + "|")
    for shape in shapes:
        for kind, scale in CASES:
            print(run_case(kind, scale, shape, opts.repeats), flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
