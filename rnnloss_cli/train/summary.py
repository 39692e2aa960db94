"""A training run as a Result, for the page formats of ``rnnloss train`` (html, markdown, json).

The Result (kind ``train``) holds the settings, the loss per epoch (epoch 0 is the loss before
training, then each epoch's mean minibatch loss), the held-out predictions, steps summing the
run up, and warnings. Renderers lay it out like any solved problem; on an HTML page
:mod:`rnnloss_cli.render.charts` draws the loss curve from the "loss per epoch" table.

The table holds every epoch up to :data:`~rnnloss_cli.limits.MAX_CURVE_POINTS` points; a
longer run keeps that many, evenly spaced, the first and the last among them (exact values
of those epochs, nothing averaged), and its title says so. Renderers window it further.
"""

from __future__ import annotations

from typing import Any

from rnnloss_cli.limits import MAX_CURVE_POINTS
from rnnloss_cli.result import Result, Step, Table

#: The title the curve table starts with (render.charts looks for it).
CURVE_TITLE = "loss per epoch"
#: The line dividing the final loss by the loss before training (the summary step's end; the
#: terminal prints it alone), with the step values "final", "initial" and "ratio".
RATIO_TEXT = "final / before training = {final} / {initial} = {ratio}"
#: What each generated task is, in a line.
TASK_TEXT = {
    "mse": "sine-wave forecasting: predict s_{t+1} from s_t (mean squared error)",
    "cross-entropy": "next symbol of the repeating pattern 0 1 2 3 2 1 (cross-entropy)",
    "ctc": "spelling 2-3 letter words from noisy frames (CTC, mean over target length)",
    "hinge-seq": "tag each step with the sign of the running sum (hinge, mean over steps)",
    "reinforce": "remember a cue shown at step 0 (REINFORCE; the curve is the regret)",
}


def curve_epochs(n_epochs: int, limit: int | None = None) -> list[int]:
    """Epochs 0..n_epochs the curve keeps: all of them, or ``limit`` (default
    MAX_CURVE_POINTS) evenly spaced ones with the first and the last (epoch k·n/(limit−1)
    rounded down, k = 0..limit−1)."""
    limit = MAX_CURVE_POINTS if limit is None else limit
    if n_epochs + 1 <= limit:
        return list(range(n_epochs + 1))
    limit = max(limit, 2)
    return sorted({k * n_epochs // (limit - 1) for k in range(limit)})


def train_result(res: Any, *, loss: str, seed: int) -> Result:
    """The Result of a finished run ``res`` (a :class:`rnnloss_cli.train.run.TrainResult`)."""
    task = res.task
    metric = task.metric
    values = [res.initial, *res.history]
    n = len(res.history)
    title = f"Training a tiny Elman RNN with BPTT: {loss}"
    final = res.history[-1] if res.history else res.initial
    r = Result(
        "train",
        title,
        final if metric == "loss" else None,
        unit="",
        source="rnnloss train (a generated task, a seeded numpy run)",
    )
    clip = "off" if res.clip is None else res.clip
    r.tables.append(
        Table(
            "settings",
            ["setting", "value"],
            [
                ["loss", loss],
                ["task", TASK_TEXT.get(loss, loss)],
                ["model", f"Elman RNN, hidden size {task.hidden}"],
                ["optimizer", res.optimizer],
                ["learning rate", res.lr],
                ["gradient clipping (max global norm)", clip],
                ["seed", seed],
                ["epochs", n],
                ["training examples", task.n_train],
                ["minibatch size", task.batch_size],
                ["time", f"{res.seconds:.1f} s"],
            ],
        )
    )
    kept = curve_epochs(n)
    curve_title = CURVE_TITLE + (
        f" ({len(kept):,} of the {n + 1:,} epochs, evenly spaced, first and last kept)"
        if len(kept) < n + 1
        else ""
    )
    r.tables.append(
        Table(
            curve_title,
            ["epoch", metric],
            [[e, float(values[e])] for e in kept],
            caption="epoch 0: before training; then the mean minibatch value of each epoch",
        )
    )
    rep = res.report
    rows = [list(x) for x in rep.rows]
    r.tables.append(Table("held-out examples", list(rep.columns), rows, caption=rep.shown or None))
    ratio = final / res.initial if res.initial else float("nan")
    r.steps.append(
        Step(
            f"{metric}, before training and after epoch {n}",
            "{initial} → {final};  " + RATIO_TEXT,
            {"initial": res.initial, "final": final, "ratio": ratio},
        )
    )
    r.steps.append(
        Step(
            "largest global gradient norm (before clipping)",
            "{norm}",
            {"norm": res.max_grad_norm},
        )
    )
    r.notes.append(f"Held-out score: {rep.score}")
    r.figures = {"initial": res.initial, "final": final, "max_grad_norm": res.max_grad_norm}
    if n and final >= res.initial:
        r.warnings.append(
            f"the {metric} did not fall: {final:.4g} after {n} epochs, {res.initial:.4g} "
            "before training; try more epochs or another --lr"
        )
    if res.clip is not None and res.max_grad_norm > res.clip:
        r.notes.append(
            f"Gradients were clipped: the largest global norm was {res.max_grad_norm:.3g}, "
            f"scaled down to {res.clip:g} (--clip)."
        )
    return r
