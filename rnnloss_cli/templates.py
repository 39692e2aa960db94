"""Commented problem-file templates for ``rnnloss new KIND``.

Each template is a complete, valid worked example: every field is explained in a comment, the
arithmetic is written out above the key, and the ``answer`` holds the key for the example's
numbers. An author replaces the data, works the new key by hand and runs ``rnnloss check``
(or ``pytest problems/``) to have it verified. Templates are data; nothing here computes.
"""

from __future__ import annotations

_COMMON = """\
# --- fields every problem file has -------------------------------------------------------
# kind:      which loss this problem is about (rnnloss list shows every kind).
# title:     one line shown as the heading of the solution and of the question sheet
#            (so it names the task, never its answer).
# source:    where the exercise comes from (a handout section, a book page, "written for ...").
# notes:     optional free text printed with the solution.
# answer:    the key: one number (the loss), or a mapping figure: number, e.g.
#            answer: {{loss: 0.467, sum: 1.4}}; rnnloss check compares each figure.
# tolerance: optional, how far a figure may be off (default 0.0005: three printed decimals);
#            less than max(1, |figure|), or any answer would pass.
{log_base}"""

_LOG_BASE = "# log_base:  e (nats, default), 2 (bits) or 10; the loss is then divided by ln base.\n"

TEMPLATES: dict[str, str] = {
    "mse": """\
# Mean squared error, MSE = (1/n) Σ_i (y_i − ŷ_i)²  (handout section 1).
# Worked key for the numbers below:
#   errors y − ŷ: 1.0 − 1.5 = −0.5, 2.0 − 1.8 = 0.2, 3.0 − 3.4 = −0.4, 4.0 − 3.9 = 0.1
#   squares: 0.25, 0.04, 0.16, 0.01; sum 0.46; mean 0.46 / 4 = 0.115
{common}kind: mse
title: Four-step time-series forecast
source: written for my course (replace me)
# y: the true values (a list, or a list of equal-length rows).
y: [1.0, 2.0, 3.0, 4.0]
# yhat: the predictions, same shape as y.
yhat: [1.5, 1.8, 3.4, 3.9]
# reduction: mean (default, the handout's 1/n) or sum.
reduction: mean
# Replace with the key you worked by hand for your numbers.
answer: 0.115
""",
    "bce": """\
# Binary cross-entropy, BCE = −(1/n) Σ_i [y_i ln ŷ_i + (1 − y_i) ln(1 − ŷ_i)]  (section 2).
# Worked key for the numbers below:
#   y=1, ŷ=0.9: −ln 0.9 = 0.105361      y=0, ŷ=0.2: −ln 0.8 = 0.223144
#   y=1, ŷ=0.6: −ln 0.6 = 0.510826      y=0, ŷ=0.1: −ln 0.9 = 0.105361
#   sum 0.944691; mean 0.944691 / 4 = 0.236173
{common}kind: bce
title: Binary cross-entropy over four predictions
source: written for my course (replace me)
# y: targets in [0, 1]: 0/1 labels (or soft targets).
y: [1, 0, 1, 0]
# yhat: predicted probabilities in [0, 1] (after the sigmoid, not logits).
yhat: [0.9, 0.2, 0.6, 0.1]
# reduction: mean (default, as the handout's 1/n and PyTorch's BCELoss) or sum.
reduction: mean
# Replace with the key you worked by hand for your numbers.
answer: 0.2362
""",
    "nll": """\
# Negative log-likelihood, NLL = −Σ_i ln ŷ_i[true class of i]  (section 3).
# Worked key for the numbers below:
#   observation 1, true class 1: −ln 0.7 = 0.356675
#   observation 2, true class 0: −ln 0.5 = 0.693147
#   sum 0.356675 + 0.693147 = 1.049822 (the handout's formula has no 1/n)
{common}kind: nll
title: Next-word prediction, two steps
source: written for my course (replace me)
# y: the true classes, as indices from 0 ([1, 0]) or as one-hot rows ([[0, 1, 0], ...]).
y: [1, 0]
# yhat: one row of class probabilities per observation, each row summing to 1.
#   Instead of yhat you may give logits (softmax applied) or log_probs (as PyTorch's NLLLoss).
#   With logits you may also give weight (one per class) and label_smoothing, as PyTorch.
yhat:
  - [0.2, 0.7, 0.1]
  - [0.5, 0.3, 0.2]
# reduction: sum (default, the handout's formula) or mean (PyTorch's default).
reduction: sum
# Replace with the key you worked by hand for your numbers.
answer: 1.0498
""",
    "cce": """\
# Categorical cross-entropy, CCE = −Σ_i Σ_c y_ic ln ŷ_ic  (section 4).
# Worked key for the numbers below (only the true class of each row counts):
#   row 1, class 0: −ln 0.7 = 0.356675
#   row 2, class 2: −ln 0.6 = 0.510826
#   row 3, class 1: −ln 0.5 = 0.693147
#   sum 1.560648
{common}kind: cce
title: Three observations, three classes
source: written for my course (replace me)
# y: one-hot (or soft) target rows, or class indices from 0.
y:
  - [1, 0, 0]
  - [0, 0, 1]
  - [0, 1, 0]
# yhat: predicted probability rows (each sums to 1); or logits / log_probs instead.
#   With logits you may also give weight (one per class) and label_smoothing, as PyTorch.
yhat:
  - [0.7, 0.2, 0.1]
  - [0.1, 0.3, 0.6]
  - [0.25, 0.5, 0.25]
# reduction: sum (default, the handout's formula) or mean.
reduction: sum
# Replace with the key you worked by hand for your numbers.
answer: 1.5606
""",
    "hinge": """\
# Hinge loss, max(0, 1 − y·ŷ) per step (sections 5 and "Hinge Loss for Sequences").
# Worked key for the numbers below:
#   t=1: 1 − (1)(0.8) = 0.2    t=2: 1 − (−1)(−0.5) = 0.5    t=3: 1 − (1)(0.3) = 0.7
#   mean (1.4) / 3 = 0.4667 — the handout's worked example; its formula sums: 1.4
{common}kind: hinge
title: Hinge loss for a 3-step sequence
source: written for my course (replace me)
# y: labels −1 or +1 (not 0/1: map a 0/1 label l to 2l − 1).
y: [1, -1, 1]
# yhat: the real-valued scores the model gives (not probabilities).
yhat: [0.8, -0.5, 0.3]
# reduction: mean (default, as the worked example) or sum (as the handout's formula).
reduction: mean
# Both figures are available: loss (the reduction above), sum and mean.
# Replace with the keys you worked by hand for your numbers.
answer:
  loss: 0.467
  sum: 1.4
""",
    "ctc": """\
# Connectionist temporal classification: loss = −ln p(target | x), where p sums, over every
# frame-by-frame path that collapses to the target (merge repeats, then drop blanks), the
# product of the frames' probabilities.
# Worked key for the numbers below (target AB, T = 3 frames, each frame A 0.5, B 0.3, - 0.2):
#   A A B 0.075   A B B 0.045   A B - 0.030   A - B 0.030   - A B 0.030
#   exact:  p = 0.21;  −ln 0.21 = 1.560648
#   listed (only A-B and AB-): p = 0.06;  −ln 0.06 = 2.813411
{common}kind: ctc
title: Listed alignments against exact CTC for "AB"
source: written for my course (replace me)
# target: the label sequence: text (one symbol per character), a number (its digits) or a
#   list of symbols. Repeated symbols (LL) need a blank between them in every path.
target: AB
# blank: the blank symbol (default "-").
blank: "-"
# Per-frame probabilities, one of:
#   probs:     {{symbol: probability}} used for every frame (give frames: T for exact CTC);
#   emissions: a T x K matrix of probabilities (rows sum to 1) with symbols: [...] naming the
#              K columns, blank included;
#   logits:    a T x K matrix, softmax applied per frame, with symbols: [...].
probs: {{A: 0.5, B: 0.3, "-": 0.2}}
# frames: the number of input frames T (needed for exact CTC with probs).
frames: 3
# alignments: the paths the exercise lists, e.g. [A-B, AB-]; each may also be a mapping
#   {{path: A-B, factors: [...]}} holding the factors a handout printed, to be audited.
alignments: [A-B, AB-]
# method: listed (sum over the listed alignments, the default when they are given) or exact
#   (the forward algorithm over every path). Both figures are computed when possible.
# Replace with the keys you worked by hand for your numbers.
answer:
  listed: 2.813
  exact: 1.561
""",
    "sequence": """\
# Sequence loss: cross-entropy at every step, summed, L = −Σ_t Σ_c y_tc ln ŷ_tc.
# Worked key for the numbers below (the true word's probability at each step):
#   t=1 the: −ln 0.7 = 0.356675   t=2 cat: −ln 0.5 = 0.693147   t=3 <eos>: −ln 0.6 = 0.510826
#   sum 1.560648; mean over the 3 tokens 0.520216
{common}kind: sequence
title: Translation decoder, 3 steps
source: written for my course (replace me)
# vocabulary: names of the classes, in the column order of yhat.
vocabulary: [the, cat, sat, <eos>]
# yhat: one row of predicted probabilities per time step (each row sums to 1).
yhat:
  - [0.7, 0.1, 0.1, 0.1]
  - [0.2, 0.5, 0.2, 0.1]
  - [0.1, 0.1, 0.2, 0.6]
# targets: the true token at each step (vocabulary words, or class indices from 0).
targets: [the, cat, <eos>]
# Optional: logits (T rows of scores, softmax applied per step) instead of yhat.
# Optional: reduction: sum (default, the handout's), mean_tokens (divided by the number of
#   unpadded steps) or mean_sequences (divided by the number of sequences).
# Optional, a padded batch: yhat as N matrices of T rows, targets as N rows of T, and either
#   lengths: [3, 2] (steps per sequence; the later steps are padding) or mask (0/1 per step,
#   1 = a real step). Padded steps add nothing to the loss.
# Figures: loss (the default reduction, the handout's sum), sum and mean_tokens.
# Replace with the keys you worked by hand for your numbers.
answer:
  loss: 1.5606
  mean_tokens: 0.5202
""",
    "sequence_hinge": """\
# Hinge loss for sequences, max(0, 1 − y_t·ŷ_t) at every step t.
# Worked key for the numbers below:
#   t=1: 1 − (1)(0.8) = 0.2    t=2: 1 − (−1)(−0.5) = 0.5    t=3: 1 − (1)(0.3) = 0.7
#   mean (the handout's worked example) 1.4 / 3 = 0.4667; sum (its formula) 1.4
{common}kind: sequence_hinge
title: Hinge loss for a 3-step sequence
source: written for my course (replace me)
# y: the label at each step, −1 or +1 (not 0/1).
y: [1, -1, 1]
# yhat: the raw score at each step (not a probability).
yhat: [0.8, -0.5, 0.3]
# Optional: reduction: mean (default, over the unpadded steps), sum or mean_sequences.
# Optional, a padded batch: y and yhat as N rows of T steps, and either lengths: [3, 2]
#   (steps per sequence; the later steps are padding) or mask (0/1 per step, 1 = real).
# Figures: loss (mean over steps by default), mean and sum.
# Replace with the keys you worked by hand for your numbers.
answer:
  loss: 0.467
  sum: 1.4
""",
    "reinforce": """\
# REINFORCE (Williams 1992): loss L = −Σ_t A_t ln π(y_t|s_t), the negative of the handout's
# objective J = Σ_t A_t ln π (maximised); gradient descent on L ascends J.
# Worked key for the numbers below:
#   returns with γ = 0.9: R_3 = 1, R_2 = 0 + 0.9 × 1 = 0.9, R_1 = 1 + 0.9 × 0 + 0.81 × 1 = 1.81
#   mean baseline b = (1.81 + 0.9 + 1) / 3 = 1.236667; A_t = R_t − b: 0.573333, −0.336667,
#   −0.236667; ln π: −0.105361, −0.510826, −0.356675
#   J = 0.573333 × −0.105361 + −0.336667 × −0.510826 + −0.236667 × −0.356675
#     = −0.060407 + 0.171978 + 0.084413 = 0.195984;  L = −J = −0.195984
{common}kind: reinforce
title: One episode with discounting and a mean baseline
source: written for my course (replace me)
# probs: π(y_t|s_t), the probability the policy gave the action it took at each step.
#   Instead, give policy (one distribution per step) or logits, with actions (indices).
probs: [0.9, 0.6, 0.7]
# rewards: r_t at each step.
rewards: [1, 0, 1]
# gamma: discount in [0, 1]; R_t = Σ_(k ≥ t) γ^(k−t) r_k. Or give returns: [...] directly.
gamma: 0.9
# baseline: optional; a number b, or mean (the mean of the episode's returns); A_t = R_t − b.
baseline: mean
# Optional: reduction: sum (default), mean (over the unpadded steps) or mean_sequences (over
#   the episodes). A batch of episodes: each per-step field as N rows of T, with lengths:
#   [3, 2] (steps per episode; the later steps are padding) or mask (0/1 per step).
# Figures: loss, objective (= −loss) and, with a baseline, objective_no_baseline.
# Replace with the keys you worked by hand for your numbers.
answer:
  loss: -0.1960
  objective: 0.1960
""",
    "custom": """\
# Custom loss: a weighted sum L = Σ_i w_i L_i of other problems, each solved in full.
# Worked key for the numbers below:
#   term 1, mse of y [1, 2] vs ŷ [1.5, 2.0]: (0.25 + 0) / 2 = 0.125
#   term 2, hinge of y [1, −1] vs ŷ [0.5, −2.0]: (0.5 + 0) / 2 = 0.25
#   L = 0.5 × 0.125 + 2 × 0.25 = 0.0625 + 0.5 = 0.5625
{common}kind: custom
title: Squared error plus a margin penalty
source: written for my course (replace me)
# terms: the parts of the loss. Each has a weight and either an inline problem (any kind,
#   nested custom included) or file: other.yaml (relative to this file). name is optional.
terms:
  - name: squared error
    weight: 0.5
    problem:
      kind: mse
      y: [1, 2]
      yhat: [1.5, 2.0]
  - name: margin
    weight: 2
    problem:
      kind: hinge
      y: [1, -1]
      yhat: [0.5, -2.0]
# Replace with the key you worked by hand for your numbers.
answer: 0.5625
""",
    "ctc_align": """\
# CTC forced alignment: the single most probable alignment π* of a known target (Viterbi:
# the CTC forward recursion with max in place of sum), against p(l|x), the sum over all.
# Worked key for the numbers below (target AB, symbols -, A, B, three frames):
#   the five alignments: A A B .7*.3*.7 = .147, A B B .7*.4*.7 = .196, A B - .7*.4*.2 = .056,
#   A - B .7*.3*.7 = .147, - A B .2*.3*.7 = .042
#   best: A B B (.196);  p(AB|x) = .147 + .196 + .056 + .147 + .042 = .588
#   loss = −ln .588 = 0.531028;  the best path holds .196 / .588 = 1/3 of p(l|x)
{common}kind: ctc_align
title: Forced alignment of "AB" over three frames
source: written for my course (replace me)
# target: the labels to align: text (one symbol per character) or a list of symbols.
target: AB
# symbols: the names of the columns of emissions (or logits), the blank among them.
symbols: ["-", A, B]
# blank: the blank symbol (default: the first of symbols).
blank: "-"
# emissions: T rows of per-symbol probabilities (each row sums to 1); or give
#   logits: T rows of scores, softmax applied per frame.
emissions:
  - [0.2, 0.7, 0.1]
  - [0.3, 0.3, 0.4]
  - [0.2, 0.1, 0.7]
# Replace with the keys you worked by hand: path (the best alignment, one symbol per frame),
# best (its probability), total (p(l|x)), loss (−ln total).
answer:
  path: ABB
  best: 0.196
  total: 0.588
  loss: 0.531
""",
    "ctc_decode": """\
# CTC decoding: greedy (the most probable symbol per frame, then collapse) against prefix
# beam search (labellings scored over all their alignments).
# Worked key for the numbers below (symbols -, a; both frames y = (.6, .4)):
#   greedy: - - (.6 * .6 = .36), which collapses to the empty labelling; p("") = .36
#   p(a) = a a .16 + a - .24 + - a .24 = .64 > .36: beam search says a
{common}kind: ctc_decode
title: Greedy decoding against prefix beam search over two frames
source: written for my course (replace me)
# symbols: the names of the columns of emissions (or logits), the blank among them.
symbols: ["-", a]
# blank: the blank symbol (default: the first of symbols).
blank: "-"
# beam: how many prefixes the beam keeps after each frame (default 4).
beam: 4
# Optional: lexicon: [a, aa] (the beam spells only these words; separator: a symbol between
# words), and lm: {{a: -0.5}} (n-gram: natural-log probability of its last symbol given the
# others) with lm_weight: 1, ranking prefixes by ln p(l|x) + lm_weight * ln P_LM(l).
# emissions: T rows of per-symbol probabilities (each row sums to 1); or give
#   logits: T rows of scores, softmax applied per frame.
emissions:
  - [0.6, 0.4]
  - [0.6, 0.4]
# Replace with the keys you worked by hand: greedy (the best path's collapse, "" if empty),
# greedy_prob (that labelling's probability over all its alignments), beam (the beam's
# best labelling) and beam_prob (its probability).
answer:
  greedy: ""
  greedy_prob: 0.36
  beam: a
  beam_prob: 0.64
""",
    "rnnt": """\
# RNN-Transducer loss: −ln p(y|x), p summed over every path through the T × (U+1) lattice
# (a blank reads the next frame, a label is emitted in the same frame; the last move is a
# blank out of node (T−1, U)).
# Worked key for the numbers below (target a, T = 2, all logits 0, so every move is 1/2):
#   paths: a - - (label at (0,0), blank at (0,1), blank at (1,1)) = 1/8
#          - a - (blank at (0,0), label at (1,0), blank at (1,1)) = 1/8
#   p(a|x) = 1/4;  loss = ln 4 = 1.386294
{common}kind: rnnt
title: RNN-T loss of "a" over two frames
source: written for my course (replace me)
# symbols: the joiner's output classes, the blank among them.
symbols: ["-", a]
# blank: the blank symbol (default: the first of symbols; torchaudio's default is the last).
blank: "-"
# target: the U labels: text (one symbol per character) or a list of symbols.
target: a
# logits: T frames, each U+1 nodes (u = labels emitted so far), each one score per symbol
#   (log-softmax per node); or give probs: the same shape of distributions (no zeros).
logits:
  - [[0, 0], [0, 0]]
  - [[0, 0], [0, 0]]
# Replace with the keys you worked by hand: probability (p(y|x)) and loss.
answer:
  probability: 0.25
  loss: 1.386
""",
    "bptt": """\
# Back-propagation through time in a one-unit Elman RNN with two outputs (row vectors):
#   h_t = tanh(x_t W_xh + h_{{t−1}} W_hh + b_h),  o_t = h_t W_hy + b_y
#   L = Σ_t −ln softmax(o_t)[c_t]
# Worked key for the numbers below (tanh and exp by calculator):
#   h1 = tanh(.5) = .462117; o1 = (.462117, −.462117); p1(0) = 1/(1 + e^(−.924234)) = .715904
#   L1 = −ln .715904 = .334209
#   h2 = tanh(.5 * .462117) = .227033; p2(1) = 1/(1 + e^(.454065)) = .388395; L2 = .945733
#   L = .334209 + .945733 = 1.279942
#   g1 = p1 − onehot(0) = (−.284096, .284096);  g2 = (.611605, −.611605)
#   δ2 = (g2 W_hyᵀ) (1 − h2²) = 1.223211 * .948456 = 1.160162
#   δ1 = (g1 W_hyᵀ + δ2 W_hh) (1 − h1²) = (−.568192 + .580081) * .786448 = .009350
#   dW_hh = h0 δ1 + h1 δ2 = .462117 * 1.160162 = .536131;  db_h = δ1 + δ2 = 1.169512
#   dW_hy = h1 g1 + h2 g2 = (.007569, −.007569);  db_y = g1 + g2 = (.327509, −.327509)
{common}kind: bptt
title: BPTT through two steps with a cross-entropy loss
source: written for my course (replace me)
# loss: cross_entropy (targets: one class index per step) or squared_error (targets: T rows
#   of K numbers, L_t = ||o_t − y_t||², no 1/2).
loss: cross_entropy
# reduction: sum (over steps, default) or mean (divide by T).
reduction: sum
# x: T rows of D inputs.
x: [[0.5], [0.0]]
# targets: the class of each step (0-based), or the target vectors for squared_error.
targets: [0, 1]
# W_xh: D x H input weights.
W_xh: [[1.0]]
# W_hh: H x H recurrent weights.
W_hh: [[0.5]]
# b_h: H hidden biases (default zeros).
b_h: [0.0]
# W_hy: H x K output weights.
W_hy: [[1.0, -1.0]]
# b_y: K output biases (default zeros).
b_y: [0.0, 0.0]
# h0: the initial state, H numbers (default zeros).
h0: [0.0]
# Replace with the keys you worked by hand: loss, and grads (any parameters, each shaped
# like it).
answer:
  loss: 1.2799
  grads:
    W_hh: [[0.5361]]
    b_h: [1.1695]
    W_hy: [[0.0076, -0.0076]]
    b_y: [0.3275, -0.3275]
""",
}


#: Other spellings of a kind, accepted by ``new``, ``explain``, ``train --loss`` and the
#: commands: the canonical name is the kind (``sequence_hinge``; ``sequence-hinge`` on the
#: command line, where hyphens and underscores are the same name).
KIND_ALIASES = {
    "hinge_seq": "sequence_hinge",
    "seq_hinge": "sequence_hinge",
    "hinge_sequence": "sequence_hinge",
    "log_loss": "bce",  # the handout's and scikit-learn's name for binary cross-entropy
    "binary_cross_entropy": "bce",
    "cross_entropy": "cce",
    "ce": "cce",
    "rl": "reinforce",
    "alignment": "ctc_align",
    "forced_align": "ctc_align",
    "beam_search": "ctc_decode",
    "beam": "ctc_decode",
    "rnn_t": "rnnt",
    "transducer": "rnnt",
}


def canonical_kind(name: str) -> str:
    """The canonical kind for any accepted spelling: case, '-' or '_', and the aliases."""
    norm = name.strip().lower().replace("-", "_")
    return KIND_ALIASES.get(norm, norm)


def template_kinds() -> list[str]:
    """The kinds ``rnnloss new`` has a template for."""
    return list(TEMPLATES)


def render_template(kind: str) -> str:
    """The commented template for ``kind``; KeyError names the kinds that have one."""
    if kind not in TEMPLATES:
        raise KeyError(kind)
    uses_log = kind in ("bce", "nll", "cce", "ctc", "sequence", "reinforce")
    common = _COMMON.format(log_base=_LOG_BASE if uses_log else "") + "\n"
    return TEMPLATES[kind].format(common=common)
