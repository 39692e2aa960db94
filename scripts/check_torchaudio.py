"""Side-by-side check of rnnt_loss and ctc_forced_align against torchaudio (not a test).

Runs only where torch and torchaudio import; they are never a dependency of rnnloss. The
check of 2026-11-28 used a venv outside the repository::

    python3 -m venv /work/venv-ta
    /work/venv-ta/bin/pip install -q torch==2.11.0 torchaudio==2.11.0   # plain PyPI
    /work/venv-ta/bin/pip install -q numpy pyyaml typer rich pytest hypothesis
    PYTHONPATH=. /work/venv-ta/bin/python scripts/check_torchaudio.py --rnnt 2000 --align 3000
    PYTHONPATH=. /work/venv-ta/bin/python scripts/check_torchaudio.py --rnnt 0 --align 3000 \
        --hostile --seed 7

What is compared (random cases from one seed, default 0):

* RNN-T: logits (N, T, U+1, V), N 1-3, T 1-6, U 0-4 (U = 0 included), V 1-6, blank first,
  last (as -1 or V-1) or middle, reduction none/sum/mean, clamp off or in (0.01, 0.5),
  fused_log_softmax on/off, the input as float32 or float64, logits normal (scale 1 or 10)
  or with +-1e3 entries, sequences shorter than the padded sizes (torchaudio wants the first
  to fill them). torchaudio's rnnt_loss accepts only float32 (it refuses float64), so every
  case holds float32-representable values, torchaudio computes in float32 and rnnloss in
  float64: losses are compared to 1e-4 relative (of max(1, |loss|)) and gradients to 1e-4
  absolute (1e-3 where a logit is +-1e3: float32 holds it to 6e-5, and its log-softmax and
  exp carry that), and the largest differences are printed. The float64 check to 1e-6
  relative is made against a brute-force enumeration of every lattice path instead (loss
  and gradient, same cases, T * U small enough), since torchaudio has no float64 RNN-T.
* Forced alignment (``--hostile``: see below): log_probs (1, T, C), C 2-6, S 0-5 with
  repeats (blanks needed between),
  T at the minimum S + repeats about a third of the time (below it too: torchaudio raises,
  rnnloss returns a path of -1), blank first/last/middle, float32 and float64 (torchaudio
  computes in the input's dtype), log-probabilities random or integers in {0, -1, -2, -3}
  or all equal (exact ties). Paths and scores must be equal exactly. Where they differ the
  case is re-run through two small emulations of the Viterbi pass in the same dtype, one
  with torchaudio's comparison chain (x2 > x1 && x2 > x0 ? skip : x1 > x0 && x1 > x2 ?
  step : stay) and one with rnnloss's (first maximum in stay, step, skip order): a
  difference both reproduce is the documented tie convention (module docstring of
  rnnloss_cli/engine/forced_align.py); any other is reported with its case.

Exit 1 when a disagreement is not explained.

Result on 2026-11-28 (torch/torchaudio 2.11.0, numpy 2.4.6, seed 0, 2000 + 3000 cases):

* RNN-T: all 2000 agree with torchaudio (float32) and with the brute force (float64). Against
  torchaudio the largest loss difference is 1.3e-6 (relative) and gradient 1.2e-5, or
  6.8e-5 and 7.3e-4 in the 463 cases with +-1e3 logits; against the brute force 8.5e-13
  and 6.7e-13. Clamp, the three reductions, U = 0, V = 1, every blank position, unfused
  logits and padded lengths all agree.
* Forced alignment: of 3000 cases 2350 give equal paths and scores; torchaudio raises on 507
  empty targets (rnnloss: all blanks) and 102 with T < S + repeats (rnnloss: a path of -1);
  41 differ on exact ties (all with integer log-probabilities), every one the documented
  convention and reproduced by the two emulations. Ties break alike otherwise: both prefer
  stay, then the step from s-1, then the skip from s-2, and end on the last label unless the
  final blank is strictly better. Only when the step and the skip tie above stay does
  torchaudio's chain (a move wins only if strictly above both others) fall through to stay,
  so its path scores less than the best: e.g. target [1, 2], blank 0, log_probs
  [[-2, -2, -2, -2, -1], [-1, -1, -2, -1, 0], [0, 0, 0, -1, -1], [0, -1, -2, -1, -3]]
  (float64): rnnloss [1, 0, 2, 0] (sum -3), torchaudio [1, 2, 0, 0] (sum -4).
* ``--hostile --rnnt 0 --align 3000 --seed 7`` adds log-probabilities with -inf entries and
  T up to ~200 frames longer than needed: 1781 equal, 506 empty and 84 too-short targets on
  which torchaudio raises, 26 ties as above, and 603 cases where every alignment has a -inf
  frame (p(l|x) = 0, checked with rnnloss's CTC forward sum, another code path): rnnloss
  returns a path of -1 in each; torchaudio returns a path of score -inf (394), a path with
  finite scores that does not collapse to the target (16), or raises "index N is out of
  bounds" (193), reading back-pointers it never set; these three counts vary from run to
  run. Smallest case: log_probs [[-1, -inf, -1], [-1, -1, -1]], target [1, 2], blank 0
  (its only alignment is "1 2", and y_0(1) = 0): torchaudio gives [2, 2], scores [-1, -1].
  No case is unexplained.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    import torch
    import torchaudio
    import torchaudio.functional as taf
except ImportError:  # pragma: no cover - the whole point is to run with them
    sys.exit("check_torchaudio.py needs torch and torchaudio (see its docstring)")

from rnnloss_cli.engine.ctc import ctc_loss  # noqa: E402
from rnnloss_cli.engine.forced_align import ctc_forced_align  # noqa: E402
from rnnloss_cli.engine.rnnt import rnnt_loss_and_grad  # noqa: E402

# ------------------------------------------------------------------------------------------
# RNN-T
# ------------------------------------------------------------------------------------------


def rnnt_case(rng: np.random.Generator) -> dict:
    n = int(rng.integers(1, 4))
    t = int(rng.integers(1, 7))
    u = int(rng.integers(0, 5))
    v = int(rng.integers(1 if u == 0 else 2, 7))
    kind = rng.choice(["first", "last", "minus1", "middle"])
    blank = {"first": 0, "last": v - 1, "minus1": -1, "middle": v // 2}[kind]
    b = blank % v
    labels = [k for k in range(v) if k != b]
    targets = np.array(rng.choice(labels, size=(n, u)) if u else np.zeros((n, 0)), dtype=np.int32)
    lt = np.concatenate([[t], rng.integers(1, t + 1, size=n - 1)]).astype(np.int32)
    lu = np.concatenate([[u], rng.integers(0, u + 1, size=n - 1)]).astype(np.int32)
    scale = rng.choice([1.0, 10.0])
    logits = rng.normal(size=(n, t, u + 1, v)) * scale
    if rng.random() < 0.25:  # extreme logits
        mask = rng.random(logits.shape) < 0.3
        logits[mask] = rng.choice([-1e3, 1e3], size=int(mask.sum()))
    logits = logits.astype(np.float32)
    return {
        "logits": logits if rng.random() < 0.5 else logits.astype(np.float64),
        "targets": targets,
        "logit_lengths": lt,
        "target_lengths": lu,
        "blank": int(blank),
        "clamp": float(rng.uniform(0.01, 0.5)) if rng.random() < 0.3 else -1.0,
        "reduction": str(rng.choice(["none", "sum", "mean"])),
        "fused_log_softmax": bool(rng.random() < 0.7),
    }


def torchaudio_rnnt(case: dict):
    x = torch.tensor(np.asarray(case["logits"], dtype=np.float32), requires_grad=True)
    i32 = torch.int32
    loss = taf.rnnt_loss(
        x,
        torch.tensor(case["targets"], dtype=i32),
        torch.tensor(case["logit_lengths"], dtype=i32),
        torch.tensor(case["target_lengths"], dtype=i32),
        blank=case["blank"],
        clamp=case["clamp"],
        reduction=case["reduction"],
        fused_log_softmax=case["fused_log_softmax"],
    )
    loss.sum().backward()
    return loss.detach().numpy().astype(np.float64), x.grad.numpy().astype(np.float64)


def brute_rnnt(case: dict):
    """Loss and gradient by enumerating every lattice path (float64), then clamp/reduce."""
    lg = np.asarray(case["logits"], dtype=np.float64)
    n_batch, _, _, v = lg.shape
    b = case["blank"] % v
    fused = case["fused_log_softmax"]
    costs, grad = np.zeros(n_batch), np.zeros_like(lg)
    for n in range(n_batch):
        t_n, u_n = int(case["logit_lengths"][n]), int(case["target_lengths"][n])
        x = lg[n, :t_n, : u_n + 1]
        if fused:
            m = x.max(axis=-1, keepdims=True)
            lp = x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
        else:
            lp = x
        y = case["targets"][n, :u_n]
        paths, scores = [], []
        # a path: which of the T - 1 + U moves before the final blank are labels
        for lab in itertools.combinations(range(t_n - 1 + u_n), u_n):
            lab = set(lab)
            tt = uu = 0
            moves = []
            for i in range(t_n - 1 + u_n):
                if i in lab:
                    moves.append((tt, uu, int(y[uu])))
                    uu += 1
                else:
                    moves.append((tt, uu, b))
                    tt += 1
            moves.append((t_n - 1, u_n, b))
            paths.append(moves)
            scores.append(sum(lp[m] for m in moves))
        scores = np.array(scores)
        top = scores.max()
        log_p = top + math.log(np.exp(scores - top).sum())
        costs[n] = -log_p
        occ = np.zeros_like(lp)
        for moves, s in zip(paths, scores, strict=True):
            w = math.exp(s - log_p)
            for m in moves:
                occ[m] += w
        g = (np.exp(lp) * occ.sum(axis=-1, keepdims=True) - occ) if fused else -occ
        if case["clamp"] > 0:
            g = np.clip(g, -case["clamp"], case["clamp"])
        grad[n, :t_n, : u_n + 1] = g
    if case["reduction"] == "none":
        return costs, grad
    if case["reduction"] == "sum":
        return costs.sum(), grad
    return costs.mean(), grad / n_batch


def ours_rnnt(case: dict):
    keys = ("blank", "clamp", "reduction", "fused_log_softmax")
    loss, grad = rnnt_loss_and_grad(
        case["logits"],
        case["targets"],
        case["logit_lengths"],
        case["target_lengths"],
        **{k: case[k] for k in keys},
    )
    return np.asarray(loss, dtype=np.float64), grad


def show_rnnt(case: dict) -> str:
    c = dict(case)
    c["logits"] = f"{case['logits'].dtype} {case['logits'].shape}: {case['logits'].tolist()}"
    for k in ("targets", "logit_lengths", "target_lengths"):
        c[k] = case[k].tolist()
    return repr(c)


def check_rnnt(n_cases: int, seed: int) -> tuple[int, list[str]]:
    rng = np.random.default_rng(seed)
    bad: list[str] = []
    worst = dict.fromkeys(
        ("ta_loss", "ta_grad", "ta_loss_x", "ta_grad_x", "bf_loss", "bf_grad"), 0.0
    )
    n_brute = n_extreme = 0
    for i in range(n_cases):
        case = rnnt_case(rng)
        loss, grad = ours_rnnt(case)
        ref_loss, ref_grad = torchaudio_rnnt(case)
        e_loss = float(np.max(np.abs(loss - ref_loss) / np.maximum(1.0, np.abs(ref_loss))))
        e_grad = float(np.max(np.abs(grad - ref_grad))) if grad.size else 0.0
        extreme = bool(np.max(np.abs(case["logits"])) >= 1e3)
        tag = "_x" if extreme else ""
        worst["ta_loss" + tag] = max(worst["ta_loss" + tag], e_loss)
        worst["ta_grad" + tag] = max(worst["ta_grad" + tag], e_grad)
        n_extreme += extreme
        # float32 rounds a logit of 1e3 to 6e-5: its log-softmax, and so exp of it, carry that
        tol = 1e-3 if extreme else 1e-4
        if not (e_loss <= 1e-4 and e_grad <= tol):
            bad.append(f"rnnt vs torchaudio #{i}: loss err {e_loss:.3g}, grad err {e_grad:.3g}")
            bad.append(f"  ours {loss}, torchaudio {ref_loss}; case {show_rnnt(case)}")
        if case["logits"].dtype == np.float32 and grad.dtype != np.float32:
            bad.append(
                f"rnnt #{i}: float32 logits gave a {grad.dtype} gradient (torchaudio: float32)"
            )
        # float64 against the brute force (every case is small enough), on the same numbers
        # widened: float32 logits give float32 results, the float64 ones rounded once
        loss, grad = ours_rnnt({**case, "logits": case["logits"].astype(np.float64)})
        ref_loss, ref_grad = brute_rnnt(case)
        n_brute += 1
        e_loss = float(np.max(np.abs(loss - ref_loss) / np.maximum(1e-300, np.abs(ref_loss))))
        if np.all(loss == ref_loss):
            e_loss = 0.0
        e_grad = float(np.max(np.abs(grad - ref_grad))) if grad.size else 0.0
        worst["bf_loss"] = max(worst["bf_loss"], e_loss)
        worst["bf_grad"] = max(worst["bf_grad"], e_grad)
        if not (e_loss <= 1e-6 and e_grad <= 1e-9):
            bad.append(f"rnnt vs brute force #{i}: loss rel err {e_loss:.3g}, grad {e_grad:.3g}")
            bad.append(f"  ours {loss}, brute {ref_loss}; case {show_rnnt(case)}")
    print(
        f"rnnt: {n_cases} cases vs torchaudio {torchaudio.__version__} (float32): max loss err "
        f"{worst['ta_loss']:.2e} (relative to max(1, |loss|)), max grad err "
        f"{worst['ta_grad']:.2e}; of them {n_extreme} with +-1e3 logits: max loss err "
        f"{worst['ta_loss_x']:.2e}, max grad err {worst['ta_grad_x']:.2e}; "
        f"{n_brute} vs brute force (float64): max loss rel err "
        f"{worst['bf_loss']:.2e}, max grad err {worst['bf_grad']:.2e}"
    )
    return n_cases, bad


# ------------------------------------------------------------------------------------------
# Forced alignment
# ------------------------------------------------------------------------------------------


def align_case(rng: np.random.Generator, hostile: bool = False) -> dict:
    c = int(rng.integers(2, 7))
    blank = int(rng.choice([0, c - 1, c // 2]))
    labels = [k for k in range(c) if k != blank]
    s = int(rng.integers(0, 6))
    target = []
    for _ in range(s):
        if target and rng.random() < 0.35:
            target.append(target[-1])  # a repeat: needs a blank between
        else:
            target.append(int(rng.choice(labels)))
    repeats = sum(a == b for a, b in zip(target, target[1:], strict=False))
    need = max(1, s + repeats)
    r = rng.random()
    if r < 0.35:
        t = need
    elif r < 0.40 and need > 1:
        t = need - 1  # infeasible
    else:
        t = need + int(rng.integers(1, 7))
    if hostile and rng.random() < 0.2:
        t = need + int(rng.integers(20, 200))  # long: many frames a state
    mode = rng.choice(["random", "integers", "uniform"], p=[0.5, 0.35, 0.15])
    if mode == "random" and hostile:  # some log-probabilities -inf (probability 0)
        x = rng.normal(size=(t, c))
        lp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
        lp[rng.random(lp.shape) < rng.choice([0.1, 0.3])] = -np.inf
        mode = "neg_inf"
    elif mode == "random":
        x = rng.normal(size=(t, c)) * rng.choice([1.0, 5.0])
        lp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    elif mode == "integers":
        lp = -rng.integers(0, 4, size=(t, c)).astype(np.float64)
    else:
        lp = np.full((t, c), -math.log(c))
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    return {"log_probs": lp.astype(dtype), "target": target, "blank": blank, "mode": str(mode)}


def emulate(lp: np.ndarray, target: list[int], blank: int, chain: str):
    """Viterbi in lp's dtype, with torchaudio's or rnnloss's comparison chain."""
    dt = lp.dtype.type
    ext = [blank]
    for y in target:
        ext += [y, blank]
    n_ext, n_frames = len(ext), lp.shape[0]
    ninf = dt(-np.inf)
    delta = np.full((n_frames, n_ext), ninf, dtype=lp.dtype)
    back = np.zeros((n_frames, n_ext), dtype=int)
    delta[0, 0] = lp[0, ext[0]]
    if n_ext > 1:
        delta[0, 1] = lp[0, ext[1]]
    for t in range(1, n_frames):
        for s in range(n_ext):
            x0 = delta[t - 1, s]
            x1 = delta[t - 1, s - 1] if s > 0 else ninf
            skip = s > 1 and ext[s] != blank and ext[s] != ext[s - 2]
            x2 = delta[t - 1, s - 2] if skip else ninf
            if chain == "torchaudio":
                k = 2 if (x2 > x1 and x2 > x0) else 1 if (x1 > x0 and x1 > x2) else 0
            else:
                k = int(np.argmax([x0, x1, x2]))
            back[t, s] = k
            delta[t, s] = dt([x0, x1, x2][k] + lp[t, ext[s]])
    s = n_ext - 1 if n_ext > 1 and delta[-1, -1] > delta[-1, -2] else max(0, n_ext - 2)
    path = []
    for t in range(n_frames - 1, -1, -1):
        path.append(ext[s])
        s -= back[t, s] if t > 0 else 0
    return np.array(path[::-1])


def zero_prob(lp: np.ndarray, target: list[int], blank: int) -> bool:
    """p(l|x) = 0 by the CTC forward sum (another code path than the Viterbi pass)."""
    loss = ctc_loss(lp.astype(np.float64), target, lp.shape[0], len(target), blank=blank)
    return bool(np.isinf(loss))


def collapse(path: np.ndarray, blank: int) -> list[int]:
    """B(path): merge repeats, drop blanks."""
    out, prev = [], None
    for k in path.tolist():
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def check_align(n_cases: int, seed: int, hostile: bool = False) -> tuple[int, list[str]]:
    rng = np.random.default_rng(seed + 1)
    bad: list[str] = []
    counts = {
        "equal": 0,
        "raised_empty": 0,
        "raised_infeasible": 0,
        "raised_zero_prob": 0,
        "zero_prob_ta_inf": 0,
        "zero_prob_ta_invalid": 0,
        "tie_convention": 0,
        "unexplained": 0,
    }
    by_mode: dict[str, int] = {}
    for i in range(n_cases):
        case = align_case(rng, hostile)
        lp, target, blank = case["log_probs"], case["target"], case["blank"]
        path, scores = ctc_forced_align(lp, target, blank)
        try:
            ref_path, ref_scores = taf.forced_align(
                torch.from_numpy(lp[None]), torch.tensor([target], dtype=torch.int32), blank=blank
            )
        except (RuntimeError, ValueError, IndexError) as exc:
            # torchaudio raises on an empty target (ours: all blanks, or a path of -1 when a
            # blank is -inf) and on T < S + repeats (ours: a path of -1, scores -inf)
            repeats = sum(a == b for a, b in zip(target, target[1:], strict=False))
            if not target:
                counts["raised_empty"] += 1
                ok = np.all(path == blank) or np.all(path == -1)
            elif lp.shape[0] < len(target) + repeats:
                counts["raised_infeasible"] += 1
                ok = np.all(path == -1)
            else:
                # p(l|x) = 0 through -inf log-probabilities: torchaudio 2.11 may backtrack
                # through unset back-pointers and fail indexing its scores with a garbage
                # class ("index 21877 is out of bounds"), a torchaudio bug; ours: path -1
                counts["raised_zero_prob"] += 1
                ok = np.all(path == -1) and zero_prob(lp, target, blank)
            if not ok:
                msg = str(exc).splitlines()[0][:200]
                bad.append(f"align #{i}: torchaudio raised {msg!r}, ours {path.tolist()}: {case}")
            continue
        ref_path = ref_path[0].numpy().astype(np.int64)
        ref_scores = ref_scores[0].numpy().astype(np.float64)
        if np.array_equal(path, ref_path) and np.array_equal(scores, ref_scores):
            counts["equal"] += 1
            continue
        ta_sum = float(np.sum(ref_scores))
        if np.all(path == -1) and zero_prob(lp, target, blank):
            # p(l|x) = 0 (every alignment has a -inf frame): ours says so with a path of -1,
            # torchaudio 2.11 returns some path, of score -inf or not an alignment of the
            # target at all (a torchaudio bug: finite scores on a path that collapses to
            # something else)
            valid = collapse(ref_path, blank) == list(target)
            counts["zero_prob_ta_inf" if ta_sum == -np.inf else "zero_prob_ta_invalid"] += 1
            if ta_sum > -np.inf and valid:  # a real alignment of positive probability
                bad.append(f"align #{i}: ours none, torchaudio {ref_path.tolist()}: {case}")
            elif ta_sum > -np.inf and len(bad) < 60 and counts["zero_prob_ta_invalid"] <= 2:
                print(
                    f"  p = 0 #{i} ({lp.dtype}): target {target}, blank {blank}, torchaudio "
                    f"{ref_path.tolist()} (collapses to {collapse(ref_path, blank)}, "
                    f"score {ta_sum:.6g}), log_probs {lp.tolist()}"
                )
            continue
        ours_emul = emulate(lp, target, blank, "rnnloss")
        ta_emul = emulate(lp, target, blank, "torchaudio")
        ours_sum = float(np.sum(lp.astype(np.float64)[np.arange(lp.shape[0]), path]))
        if np.array_equal(ours_emul, path) and np.array_equal(ta_emul, ref_path):
            counts["tie_convention"] += 1
            by_mode[case["mode"]] = by_mode.get(case["mode"], 0) + 1
            if len(bad) < 40 and counts["tie_convention"] <= 3:
                print(
                    f"  tie #{i} ({lp.dtype}, {case['mode']}): target {target}, blank {blank}, "
                    f"ours {path.tolist()} (sum {ours_sum:.9g}), torchaudio "
                    f"{ref_path.tolist()} (sum {ta_sum:.9g})"
                )
            continue
        counts["unexplained"] += 1
        bad.append(
            f"align #{i}: ours {path.tolist()} {scores.tolist()} (sum {ours_sum}), torchaudio "
            f"{ref_path.tolist()} {ref_scores.tolist()} (sum {ta_sum}); case "
            f"{dict(case, log_probs=lp.tolist(), dtype=str(lp.dtype))}"
        )
    print(
        f"forced_align: {n_cases} cases vs torchaudio {torchaudio.__version__}: {counts}; "
        f"tie-convention differences by log-prob kind: {by_mode}"
    )
    return n_cases, bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rnnt", type=int, default=2000, help="RNN-T cases")
    ap.add_argument("--align", type=int, default=3000, help="forced-alignment cases")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--hostile", action="store_true", help="alignments: also -inf log-probs and long T"
    )
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    _, bad_r = check_rnnt(args.rnnt, args.seed)
    _, bad_a = check_align(args.align, args.seed, args.hostile)
    for line in bad_r + bad_a:
        print(line)
    return 1 if bad_r or bad_a else 0


if __name__ == "__main__":
    sys.exit(main())
