"""``rnnloss explain``: what each loss is, when to use it, library conventions and pitfalls.

The content is data (:data:`EXPLANATIONS`, one :class:`Explanation` per problem kind); the
layout is a renderer-agnostic list of :class:`Section` built by :func:`sections`, which the
rich and markdown renderers below only lay out. Formulas come in two spellings: plain Unicode
for the terminal and LaTeX for markdown. Library facts are kept to what their documentation
states (PyTorch ``torch.nn``, Keras 3 ``keras.losses``, ``optax`` losses).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    """One loss: definition, formula (Unicode and LaTeX), use, conventions, pitfalls, handout."""

    key: str
    name: str
    use_for: str
    definition: str
    formula: str
    formula_latex: str
    where: str
    when: str
    conventions: tuple[tuple[str, str], ...]
    pitfalls: tuple[str, ...]
    handout: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A titled block: paragraphs, an optional formula and its note, then bullets."""

    title: str
    paragraphs: tuple[str, ...] = ()
    formula: str | None = None
    note: str | None = None
    bullets: tuple[str, ...] = ()


EXPLANATIONS: dict[str, Explanation] = {
    e.key: e
    for e in (
        Explanation(
            key="mse",
            name="Mean squared error",
            use_for="regression: real-valued targets such as forecasts",
            definition=(
                "The average of the squared differences between the targets and the "
                "predictions. Large errors count quadratically more than small ones."
            ),
            formula="MSE = (1/n) Σᵢ (yᵢ − ŷᵢ)²",
            formula_latex=r"\mathrm{MSE} = \frac{1}{n}\sum_{i=1}^{n} (y_i - \hat y_i)^2",
            where="yᵢ the target, ŷᵢ the prediction, n the number of values.",
            when=(
                "Real-valued outputs at each step: time-series forecasting, signal "
                "reconstruction, regression heads on an RNN."
            ),
            conventions=(
                (
                    "PyTorch",
                    "nn.MSELoss / F.mse_loss(input, target): prediction first; "
                    "reduction='mean' over all elements by default ('sum', 'none').",
                ),
                (
                    "Keras",
                    "keras.losses.MeanSquaredError()(y_true, y_pred): target first; "
                    "mean over the last axis, then the batch mean by default.",
                ),
                (
                    "optax",
                    "optax.squared_error(predictions, targets) returns the element-wise "
                    "squares, unreduced; optax.l2_loss is half of that.",
                ),
            ),
            pitfalls=(
                "Argument order differs: PyTorch (prediction, target), Keras (target, "
                "prediction); MSE is symmetric, but the habit bites with other losses.",
                "Sum and mean differ by a factor n in the loss and in the gradient, so the "
                "learning rate that works for one does not for the other.",
                "Outliers dominate the loss because errors are squared.",
            ),
            handout=(),
        ),
        Explanation(
            key="bce",
            name="Binary cross-entropy (log loss)",
            use_for="two-class or multi-label outputs given as probabilities",
            definition=(
                "The negative log-probability the model gives to the observed 0/1 label, "
                "averaged over the predictions."
            ),
            formula="BCE = −(1/n) Σᵢ [yᵢ ln ŷᵢ + (1 − yᵢ) ln(1 − ŷᵢ)]",
            formula_latex=(
                r"\mathrm{BCE} = -\frac{1}{n}\sum_{i=1}^{n}"
                r"\left[y_i \ln \hat y_i + (1-y_i)\ln(1-\hat y_i)\right]"
            ),
            where="yᵢ ∈ {0, 1} (or a soft target in [0, 1]), ŷᵢ the predicted P(y = 1).",
            when=(
                "A yes/no decision per step or several independent yes/no labels "
                "(multi-label), with a sigmoid output."
            ),
            conventions=(
                (
                    "PyTorch",
                    "nn.BCELoss takes probabilities (after a sigmoid), reduction='mean'; "
                    "nn.BCEWithLogitsLoss takes logits and applies the sigmoid itself, "
                    "stably (it also has pos_weight).",
                ),
                (
                    "Keras",
                    "keras.losses.BinaryCrossentropy(from_logits=False) expects "
                    "probabilities; pass from_logits=True for raw scores.",
                ),
                (
                    "optax",
                    "optax.sigmoid_binary_cross_entropy(logits, labels) takes logits and "
                    "returns element-wise losses, unreduced.",
                ),
            ),
            pitfalls=(
                "Logits into a probability loss (or a sigmoid before a with-logits loss) "
                "gives wrong values without an error.",
                "ŷ = 0 or 1 makes ln 0 = −∞: PyTorch's BCELoss clamps each log at −100, so "
                "a confidently wrong prediction costs 100, not infinity.",
                "Prefer the with-logits form: it is numerically stable for large scores.",
            ),
            handout=(
                "Section 2 is titled 'Cross-Entropy Loss' but its formula is the binary "
                "form; the language-modelling use it names needs the categorical form "
                "(section 4).",
            ),
        ),
        Explanation(
            key="nll",
            name="Negative log-likelihood",
            use_for="multi-class outputs given as (log-)probabilities",
            definition=(
                "Minus the log-probability the model assigns to the true class, summed (or "
                "averaged) over the observations."
            ),
            formula="NLL = −Σ_i ln ŷ_i(y_i) = −Σ_i Σ_c y_ic ln ŷ_ic  (y one-hot)",
            formula_latex=(
                r"\mathrm{NLL} = -\sum_{i} \ln \hat y_i(y_i) = "
                r"-\sum_i\sum_c y_{i,c}\ln \hat y_{i,c}"
            ),
            where="y_i the true class of observation i, ŷ_ic the predicted probability of class c.",
            when=(
                "Multi-class prediction at each step (next word, next character) when the "
                "network ends in log_softmax."
            ),
            conventions=(
                (
                    "PyTorch",
                    "nn.NLLLoss takes log-probabilities (e.g. log_softmax) and class "
                    "indices; reduction='mean'; ignore_index=-100 skips padding; the class "
                    "axis is dim 1: input (N, C) or (N, C, T).",
                ),
                (
                    "Keras",
                    "no separate NLL loss: SparseCategoricalCrossentropy on probabilities "
                    "is the NLL of the true class.",
                ),
                (
                    "optax",
                    "optax.softmax_cross_entropy_with_integer_labels(logits, labels) is the "
                    "NLL of log_softmax(logits), per example.",
                ),
            ),
            pitfalls=(
                "NLLLoss does not take the log for you: probabilities or logits in give "
                "wrong numbers without an error.",
                "An RNN's (N, T, C) output must become (N, C, T) or (N·T, C) for PyTorch.",
            ),
            handout=(
                "The NLL formula is written with probabilities ŷ and one-hot y, i.e. "
                "categorical cross-entropy; PyTorch's NLLLoss takes log-probabilities and "
                "class indices, and averages where the formula sums.",
            ),
        ),
        Explanation(
            key="cce",
            name="Categorical cross-entropy",
            use_for="multi-class classification from a softmax",
            definition=(
                "Cross-entropy between the target distribution (usually one-hot) and the "
                "predicted distribution over C classes."
            ),
            formula="CCE = −Σᵢ Σ_c yᵢc ln ŷᵢc",
            formula_latex=r"\mathrm{CCE} = -\sum_{i=1}^{n}\sum_{c=0}^{C-1} y_{i,c}\ln \hat y_{i,c}",
            where=(
                "yᵢc = 1 if c is the class of observation i (else 0), ŷᵢc its probability; "
                "classes are numbered from 0, as class indices are in the problem files."
            ),
            when="One of C classes per observation or per step, with a softmax output.",
            conventions=(
                (
                    "PyTorch",
                    "nn.CrossEntropyLoss takes logits (log_softmax inside) and class "
                    "indices or class probabilities; reduction='mean'; label_smoothing; "
                    "class axis dim 1.",
                ),
                (
                    "Keras",
                    "CategoricalCrossentropy (one-hot targets) and "
                    "SparseCategoricalCrossentropy (integer targets); from_logits=False "
                    "by default, class axis last.",
                ),
                (
                    "optax",
                    "optax.softmax_cross_entropy(logits, labels) with label distributions, "
                    "or ..._with_integer_labels; per example, unreduced.",
                ),
            ),
            pitfalls=(
                "A softmax before nn.CrossEntropyLoss applies softmax twice: it still "
                "trains, but the loss values and gradients are wrong.",
                "Sum versus mean over observations changes the scale by n.",
            ),
            handout=(
                "The formula sums over observations with no 1/n, while the libraries "
                "average by default.",
            ),
        ),
        Explanation(
            key="hinge",
            name="Hinge loss",
            use_for="margin-based ±1 classification with raw scores",
            definition=(
                "Zero once a score is on the right side with margin 1; otherwise grows "
                "linearly with how far it falls short."
            ),
            formula="hinge = (1/n) Σᵢ max(0, 1 − yᵢ·ŷᵢ)",
            formula_latex=r"\mathrm{hinge} = \frac{1}{n}\sum_{i=1}^{n} \max(0,\ 1 - y_i \hat y_i)",
            where=(
                "yᵢ ∈ {−1, +1} the label, ŷᵢ the raw score (not a probability), n the number "
                "of scores; the mean is rnnloss's default, reduction: sum drops the 1/n."
            ),
            when="Binary decisions where a margin matters more than calibrated probabilities.",
            conventions=(
                (
                    "PyTorch",
                    "no binary hinge module: write clamp(1 - y * score, min=0).mean(); "
                    "nn.HingeEmbeddingLoss is a different loss (for distances), "
                    "nn.MultiMarginLoss is the multi-class hinge.",
                ),
                (
                    "Keras",
                    "keras.losses.Hinge expects −1/1 targets and converts 0/1 labels to "
                    "−1/1; mean over the last axis.",
                ),
                ("optax", "optax.hinge_loss(predictor_outputs, targets), targets in {−1, 1}."),
            ),
            pitfalls=(
                "Labels must be ±1, not 0/1: with y = 0 the term is always 1 and carries "
                "no signal (map a 0/1 label l to 2l − 1).",
                "The gradient is zero once the margin is met: correct, confident examples "
                "stop contributing.",
            ),
            handout=(
                "The hinge formula is a sum but the worked example averages: (0.2 + 0.5 + "
                "0.7)/3 = 0.467, where the formula gives 1.4.",
            ),
        ),
        Explanation(
            key="ctc",
            name="Connectionist temporal classification (CTC)",
            use_for="unsegmented sequence labelling: speech, handwriting",
            definition=(
                "Minus the log-probability of the label sequence, summed over every "
                "frame-by-frame path that collapses to it (merge repeats, then drop "
                "blanks); the forward algorithm does the sum (Graves et al. 2006)."
            ),
            formula="CTC = −ln p(l|x),  p(l|x) = Σ_{π: B(π) = l} Π_t y_t(π_t)",
            formula_latex=(
                r"-\ln p(l\mid x),\quad p(l\mid x) = "
                r"\sum_{\pi:\,\mathcal{B}(\pi)=l}\ \prod_{t=1}^{T} y_t(\pi_t)"
            ),
            where=(
                "l the label sequence, π a path of T symbols (blank included), B the "
                "collapse, y_t(k) the softmax output for symbol k at frame t."
            ),
            when=(
                "The output is shorter than the input and the alignment between frames and "
                "labels is unknown."
            ),
            conventions=(
                (
                    "PyTorch",
                    "nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False) takes "
                    "log_softmax outputs (T, N, C), targets, input and target lengths; "
                    "'mean' divides each loss by its target length, then averages the batch; "
                    "zero_infinity=True zeroes infinite losses and their gradients.",
                ),
                (
                    "Keras",
                    "keras.losses.CTC takes logits (batch, time, classes); index 0 is the "
                    "blank. keras.ops.ctc_loss has mask_index=0 and target/output lengths.",
                ),
                (
                    "optax",
                    "optax.ctc_loss(logits, logit_paddings, labels, label_paddings, "
                    "blank_id=0): logits batch-major, padding masks instead of lengths, "
                    "one loss per sequence, unreduced.",
                ),
            ),
            pitfalls=(
                "Repeated labels need a blank between them (LL is read as one L), so a "
                "target of S labels with r adjacent repeats needs T ≥ S + r frames.",
                "An impossible target gives p = 0 and an infinite loss (hence zero_infinity).",
                "The blank index differs between APIs; check it before reading outputs.",
                "PyTorch wants log-probabilities, time-major; Keras and optax take logits.",
            ),
            handout=(
                "The HELLO factor lists do not match their alignment strings (the factors "
                "are not the probabilities of the path's symbols frame by frame).",
                "'H-E-LL-O' merges LL and collapses to HELO, so it is not an alignment of "
                "HELLO; the three alignments also have different lengths (9, 8, 8).",
                "The per-symbol probabilities 0.6 + 0.5 + 0.7 + 0.8 + 0.2 sum to 2.8: they "
                "are not a distribution, and three listed paths are not the full CTC sum.",
            ),
        ),
        Explanation(
            key="sequence",
            name="Sequence (per-step cross-entropy) loss",
            use_for="a target at every step: language models, seq2seq, tagging",
            definition=(
                "Categorical cross-entropy at every time step, added over the sequence; "
                "padded steps are masked out."
            ),
            formula="L = −Σₜ Σ_c yₜc ln ŷₜc",
            formula_latex=r"L = -\sum_{t=1}^{T}\sum_{c=0}^{C-1} y_{t,c}\ln \hat y_{t,c}",
            where="T the sequence length, yₜc the one-hot target and ŷₜc the prediction at t.",
            when=(
                "Machine translation decoders, language models and taggers trained with "
                "teacher forcing."
            ),
            conventions=(
                (
                    "PyTorch",
                    "nn.CrossEntropyLoss on (N, C, T) or flattened (N·T, C), with "
                    "ignore_index on padded positions; 'mean' averages over the real tokens.",
                ),
                (
                    "Keras",
                    "SparseCategoricalCrossentropy on (batch, time, classes); padding via "
                    "masking or sample_weight.",
                ),
                (
                    "optax",
                    "softmax_cross_entropy_with_integer_labels gives a (B, T) array; "
                    "multiply by a mask and normalise it yourself.",
                ),
            ),
            pitfalls=(
                "Mean over tokens and mean over sequences weigh long sequences differently.",
                "Unmasked padding adds loss for positions that do not exist.",
                "Decoder targets are the inputs shifted by one step.",
            ),
            handout=(
                "The formula sums over the steps with no normalisation; PyTorch's default "
                "averages over the tokens.",
            ),
        ),
        Explanation(
            key="sequence_hinge",
            name="Hinge loss for sequences",
            use_for="±1 decisions at every step with a margin",
            definition=(
                "The hinge loss applied at each time step and averaged (or added) over the "
                "sequence."
            ),
            formula="L = (1/n) Σₜ max(0, 1 − yₜ·ŷₜ)",
            formula_latex=r"L = \frac{1}{n}\sum_{t=1}^{T} \max(0,\ 1 - y_t \hat y_t)",
            where=(
                "yₜ ∈ {−1, +1} the label at step t, ŷₜ the score at step t, n the number of "
                "unpadded steps; the mean is rnnloss's default, reduction: sum drops the 1/n."
            ),
            when="Per-step binary tagging with raw scores, e.g. event / no event per frame.",
            conventions=(
                (
                    "Libraries",
                    "no dedicated sequence hinge in PyTorch, Keras or optax: apply the "
                    "hinge per step and mask padded steps.",
                ),
            ),
            pitfalls=(
                "Labels ±1, not 0/1.",
                "Sum over steps versus mean changes the scale by T.",
                "Padded steps must be masked, or they add margin violations.",
            ),
            handout=(
                "It says the loss 'penalizes incorrect sequences more heavily' and "
                "encourages correct order, but a per-step hinge treats steps independently; "
                "structured hinge losses that score whole sequences are a different loss.",
                "The formula sums over steps; the worked example averages (0.467, not 1.4).",
            ),
        ),
        Explanation(
            key="reinforce",
            name="REINFORCE (policy-gradient) loss",
            use_for="non-differentiable or delayed rewards on sampled outputs",
            definition=(
                "Weights the log-probability of each sampled action by the return that "
                "followed it; minimising the loss maximises the expected return "
                "(Williams 1992)."
            ),
            formula="L = −Σₜ (Rₜ − b) ln π(yₜ|sₜ),  Rₜ = Σ_{k≥t} γ^{k−t} rₖ",
            formula_latex=(
                r"L = -\sum_{t=1}^{T} (R_t - b)\ln \pi(y_t\mid s_t),\quad "
                r"R_t = \sum_{k\ge t}\gamma^{k-t} r_k"
            ),
            where=(
                "yₜ the sampled action in state sₜ (the handout's yₜ), rₖ the reward, Rₜ the "
                "return from step t on, γ the discount, b a "
                "baseline: a constant or a state-value estimate b(sₜ) leaves the expected "
                "gradient unchanged; the mean of the episode's own returns (baseline: mean) "
                "depends on the sampled actions, so it is biased (with one step b = R₁ and "
                "the loss and gradient are 0 whatever the reward)."
            ),
            when=(
                "Rewards such as BLEU or a game outcome that cannot be differentiated, or "
                "that arrive only at the end of a sequence."
            ),
            conventions=(
                (
                    "Libraries",
                    "no built-in REINFORCE loss in PyTorch, Keras or optax: compute "
                    "-(returns * log_probs).sum() with the returns treated as constants "
                    "(detached / stop_gradient).",
                ),
            ),
            pitfalls=(
                "The sign: Σ R ln π is an objective to maximise; the loss to minimise is "
                "its negative.",
                "Gradients must not flow through the returns or the baseline.",
                "High variance: subtract a baseline and use reward-to-go returns.",
            ),
            handout=(
                "The RL formula Σ Rₜ ln π(yₜ|sₜ) lacks the minus sign: it is the objective "
                "to maximise, not a loss to minimise.",
                "It weights each step by its own reward: the handout's Rₜ is the reward at step "
                "t, which rnnloss writes rₜ, keeping Rₜ for the return from step t onward, as "
                "REINFORCE uses. rnnloss shows both: Σₜ rₜ ln π (the handout's per-step "
                "rewards, figure objective_per_step_rewards) and Σₜ Rₜ ln π with the "
                "discounted returns (figure objective_no_baseline).",
            ),
        ),
        Explanation(
            key="custom",
            name="Custom sequence loss",
            use_for="combining losses or adding task-specific terms",
            definition="A weighted sum of other losses, each computed on its own inputs.",
            formula="L = Σᵢ wᵢ Lᵢ",
            formula_latex=r"L = \sum_i w_i L_i",
            where="Lᵢ the component losses, wᵢ their weights.",
            when=(
                "Multi-task heads, auxiliary losses, or domain terms (e.g. cross-entropy "
                "plus a margin term)."
            ),
            conventions=(
                ("PyTorch", "add the loss tensors and call backward() on the sum."),
                ("Keras", "model.compile(loss=[...], loss_weights=[...]) for several outputs."),
                ("optax", "write one function returning the scalar to differentiate."),
            ),
            pitfalls=(
                "Components on different scales (nats, squared units) need weights chosen "
                "with that in mind.",
                "Mix reductions (sum vs mean) and one term silently dominates.",
            ),
            handout=("The handout gives no formula; a weighted sum is the usual reading.",),
        ),
        Explanation(
            key="ctc_align",
            name="CTC forced alignment (Viterbi)",
            use_for="the single best frame-by-frame alignment of a known transcript",
            definition=(
                "Where the CTC loss sums over every alignment that collapses to the target, "
                "forced alignment keeps the most probable one: the CTC forward recursion with "
                "max in place of sum (Viterbi), read back through back-pointers. It gives "
                "each label's span of frames (segmentation, timestamps)."
            ),
            formula=(
                "δ_t(s) = y_t(l'_s) · max(δ_{t−1}(s), δ_{t−1}(s−1), δ_{t−1}(s−2)),  "
                "p(π*) = max(δ_T(S'), δ_T(S'−1)) ≤ p(l|x)"
            ),
            formula_latex=(
                r"\delta_t(s) = y_t(l'_s)\max\big(\delta_{t-1}(s), \delta_{t-1}(s-1), "
                r"\delta_{t-1}(s-2)\big),\quad p(\pi^*) = \max(\delta_T(S'), "
                r"\delta_T(S'-1)) \le p(l|x)"
            ),
            where=(
                "l' the target with blanks between labels and at both ends (S' = 2S + 1 "
                "states); the s−2 move skips a blank, allowed only between different labels."
            ),
            when=(
                "Aligning audio to a known transcript (subtitles, data preparation), "
                "Viterbi training, and seeing how much of p(l|x) one path carries."
            ),
            conventions=(
                (
                    "torchaudio",
                    "functional.forced_align(log_probs, targets, blank=0) returns the path "
                    "and each frame's log-probability on it (batch of one); merge_tokens turns "
                    "them into token spans.",
                ),
                ("rnnloss", "kind ctc_align; rnnloss ctc align TARGET --emissions ..."),
            ),
            pitfalls=(
                "The best alignment is not the loss: p(π*) can be a small share of p(l|x).",
                "T must be at least S + the number of adjacent repeated labels, or no "
                "alignment exists (the CTC loss is infinite).",
                "Ties between moves are broken by a fixed order; equal-scoring paths exist.",
            ),
            handout=(),
        ),
        Explanation(
            key="ctc_decode",
            name="CTC decoding: greedy and prefix beam search",
            use_for="turning per-frame CTC outputs into a label sequence",
            definition=(
                "Greedy (best-path) decoding takes the most probable symbol at every frame "
                "and collapses the path. Prefix beam search keeps the most probable label "
                "prefixes, each with p_b (its alignments ending in blank) and p_nb (ending "
                "in its last label), so a labelling's probability is summed over its "
                "alignments; the best path's collapse need not be the most probable "
                "labelling."
            ),
            formula=(
                "p_b'(l) += (p_b + p_nb)·y_t(∅);  p_nb'(l) += p_nb·y_t(last);  "
                "p_nb'(l+k) += (p_b + p_nb)·y_t(k)  (only p_b when k repeats the last)"
            ),
            formula_latex=(
                r"p_b'(l) \mathrel{+}= (p_b + p_{nb})\,y_t(\varnothing),\ "
                r"p_{nb}'(l) \mathrel{+}= p_{nb}\,y_t(\text{last}),\ "
                r"p_{nb}'(l{+}k) \mathrel{+}= (p_b + p_{nb})\,y_t(k)"
                r"\quad(\text{only } p_b \text{ when } k \text{ repeats the last})"
            ),
            where=(
                "l a prefix in the beam, k a label, ∅ the blank; after the last frame "
                "p_b + p_nb = p(l|x) when nothing was pruned."
            ),
            when=(
                "Inference for CTC models (speech, handwriting); beam search with a "
                "language model or lexicon when greedy output has near-miss spellings."
            ),
            conventions=(
                (
                    "Keras",
                    "keras.ops.ctc_decode(inputs, sequence_lengths, strategy='greedy' or "
                    "'beam_search', beam_width=...).",
                ),
                (
                    "torchaudio",
                    "models.decoder.ctc_decoder: beam search with a lexicon and an n-gram LM.",
                ),
                ("rnnloss", "kind ctc_decode; rnnloss ctc decode --beam N prints every frame."),
            ),
            pitfalls=(
                "A beam of width 1 is not greedy decoding: it sums over alignments.",
                "With pruning, beam totals are lower bounds on p(l|x), not exact.",
                "A repeated label needs a blank between its copies: aa collapses to a.",
            ),
            handout=(),
        ),
        Explanation(
            key="rnnt",
            name="RNN-Transducer loss",
            use_for="streaming sequence transduction (speech) with a label-aware joiner",
            definition=(
                "A transducer's joiner gives, at every lattice node (t frames read, u labels "
                "emitted), a distribution over the labels and a blank. A blank reads the "
                "next frame, a label is emitted without reading one; p(y|x) sums over every "
                "monotone path from (0, 0) ending with a blank from (T−1, U) (Graves 2012)."
            ),
            formula=(
                "α(t, u) = α(t−1, u) y(t−1, u, ∅) + α(t, u−1) y(t, u−1, y_u),  "
                "loss = −ln α(T−1, U) y(T−1, U, ∅)"
            ),
            formula_latex=(
                r"\alpha(t,u) = \alpha(t-1,u)\,y(t-1,u,\varnothing) + \alpha(t,u-1)\,"
                r"y(t,u-1,y_u),\quad \mathcal{L} = -\ln \alpha(T-1,U)\,y(T-1,U,\varnothing)"
            ),
            where="α(0, 0) = 1; the lattice has T × (U+1) nodes and C(T−1+U, U) paths.",
            when=(
                "Speech recognition that must stream, where CTC's independence between "
                "frames' outputs is too weak (the joiner sees the labels emitted so far)."
            ),
            conventions=(
                (
                    "torchaudio",
                    "functional.rnnt_loss(logits, targets, logit_lengths, target_lengths, "
                    "blank=-1, clamp=-1, reduction='mean', fused_log_softmax=True); logits "
                    "(N, T, U+1, V); blank defaults to the last class.",
                ),
                ("rnnloss", "kind rnnt (blank defaults to the first symbol, as in kind ctc)."),
            ),
            pitfalls=(
                "The blank index: torchaudio's default is the last class, CTC's usually 0.",
                "Unlike CTC: no collapse, repeats need no blank, several labels per frame, "
                "and every path ends with a blank.",
                "Memory grows with N·T·(U+1)·V: the joiner output is four-dimensional.",
            ),
            handout=(),
        ),
        Explanation(
            key="bptt",
            name="Back-propagation through time",
            use_for="the gradient of a recurrent network's loss summed over steps",
            definition=(
                "Unroll the RNN over the sequence and apply the chain rule backwards from the "
                "last step: each step's delta gets its own output's error plus the next "
                "step's delta carried back through W_hh and tanh'. Parameter gradients sum "
                "over steps because the weights are shared (Werbos 1990)."
            ),
            formula=(
                "δ_t = (g_t W_hyᵀ + δ_{t+1} W_hhᵀ) ⊙ (1 − h_t²),  ∂L/∂W_hh = Σ_t h_{t−1}ᵀ δ_t"
            ),
            formula_latex=(
                r"\delta_t = (g_t W_{hy}^\top + \delta_{t+1} W_{hh}^\top) \odot (1 - h_t^2),"
                r"\quad \frac{\partial L}{\partial W_{hh}} = \sum_t h_{t-1}^\top \delta_t"
            ),
            where=(
                "h_t = tanh(x_t W_xh + h_{t−1} W_hh + b_h), o_t = h_t W_hy + b_y (row "
                "vectors), g_t = ∂L/∂o_t."
            ),
            when=(
                "Training any RNN; worked by hand to see why gradients vanish or explode: "
                "k steps back multiply k Jacobians W_hhᵀ diag(1 − h²)."
            ),
            conventions=(
                (
                    "PyTorch",
                    "loss.backward() on an nn.RNN runs BPTT; nn.RNN computes with row vectors "
                    "too (x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, two biases) but stores W_ih as "
                    "H × D, the transpose of rnnloss's D × H W_xh (W_hh likewise transposed).",
                ),
                ("Keras", "SimpleRNN; the gradient comes from the framework's autodiff."),
                ("rnnloss", "kind bptt; rnnloss train shows the loss falling."),
            ),
            pitfalls=(
                "Gradients vanish when ‖W_hh‖ and tanh' keep the Jacobians below 1, and "
                "explode above it: clip the norm (clip_grad_norm_) and use gated cells.",
                "Truncated BPTT stops the delta after k steps: a different gradient.",
                "Squared error with or without ½ changes every gradient by a factor 2.",
            ),
            handout=("The handout names BPTT as a key consideration but computes no gradient.",),
        ),
    )
}


def sections(e: Explanation, *, latex: bool = False) -> list[Section]:
    """The explanation of one loss as renderer-agnostic sections."""
    formula = e.formula_latex if latex else e.formula
    out = [
        Section("Definition", (e.definition,), formula, f"where {e.where}"),
        Section("When to use it", (e.when,)),
        Section("Conventions", bullets=tuple(f"{lib}: {text}" for lib, text in e.conventions)),
        Section("Pitfalls", bullets=e.pitfalls),
    ]
    if e.handout:
        out.append(Section("Where the handout departs from the standard", bullets=e.handout))
    return out


#: Names that mean different losses in different places: a line said before the page.
_AMBIGUOUS = {
    "cross_entropy": (
        "“cross-entropy” here is categorical cross-entropy (PyTorch's cross_entropy); the "
        "handout's section 2 “Cross-Entropy Loss” is the binary formula: rnnloss explain bce."
    ),
}
_AMBIGUOUS["ce"] = _AMBIGUOUS["cross_entropy"]


def ambiguity(key: str) -> str | None:
    """What a name that means different losses in different places is taken as, or None."""
    return _AMBIGUOUS.get(key.strip().lower().replace("-", "_"))


def find(key: str) -> Explanation:
    """The explanation for ``key`` (aliases: sequence-hinge, cross-entropy...); KeyError."""
    from rnnloss_cli.templates import canonical_kind

    return EXPLANATIONS[canonical_kind(key)]


# ------------------------------------------------------------------------------ markdown
def explain_markdown(key: str | None = None) -> str:
    """One loss in markdown (LaTeX formulas), or the overview table."""
    if key is None:
        rows = ["# Loss functions", "", "| loss | name | use it for |", "|---|---|---|"]
        rows += [f"| `{e.key}` | {e.name} | {e.use_for} |" for e in EXPLANATIONS.values()]
        return "\n".join([*rows, "", "Run `rnnloss explain LOSS` for one loss.", ""])
    e = find(key)
    out = [f"# {e.name} (`{e.key}`)", ""]
    if ambiguity(key):
        out += [f"*{ambiguity(key)}*", ""]
    for s in sections(e, latex=True):
        out += [f"## {s.title}", ""]
        for p in s.paragraphs:
            out += [p, ""]
        if s.formula:
            out += [f"$${s.formula}$$", ""]
        if s.note:
            out += [s.note, ""]
        if s.bullets:
            out += [*(f"- {b}" for b in s.bullets), ""]
    return "\n".join(out)


# ------------------------------------------------------------------------------ rich
def explain_rich(console, key: str | None = None) -> None:
    """Print one loss (Unicode formulas) or the overview table; wraps to the console width."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    if key is None:
        table = Table("loss", "use it for", title="loss functions", title_justify="left")
        for e in EXPLANATIONS.values():
            table.add_row(e.key, e.use_for)
        console.print(table)
        console.print("rnnloss explain LOSS for one loss; --format markdown for notes.")
        return
    e = find(key)
    console.print(Text(f"{e.name} ({e.key})", style="bold underline"))
    if ambiguity(key):
        console.print(Text(ambiguity(key), style="italic"))
    for s in sections(e):
        console.print()
        console.print(Text(s.title, style="bold"))
        for p in s.paragraphs:
            console.print(Padding(Text(p), (0, 0, 0, 2), expand=False))
        if s.formula:
            console.print(Padding(Text(s.formula, style="cyan"), (0, 0, 0, 4), expand=False))
        if s.note:
            console.print(Padding(Text(s.note, style="dim"), (0, 0, 0, 2), expand=False))
        if s.bullets:
            # A grid keeps the wrapped lines of a bullet indented under its text.
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=1)
            grid.add_column()
            for b in s.bullets:
                grid.add_row("•", b)
            console.print(Padding(grid, (0, 0, 0, 2), expand=False))
