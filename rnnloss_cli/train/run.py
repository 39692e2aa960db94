"""The training loop (pure numpy) and its terminal display (rich).

One epoch = one pass over the training set in shuffled minibatches; each step runs the RNN
forward, the task's loss through the engine, BPTT, gradient-norm clipping, then the optimiser.
Everything draws from one seeded Generator, so a run is reproducible.

Settings are checked before anything is built: a learning rate or clipping norm that is not a
finite number > 0, fewer than 1 epoch, a hidden size outside 1..MAX_HIDDEN, a negative seed,
an unknown loss or optimizer is a ProblemError naming the flag (the CLI exits 2). Training
that diverges stops at once with a TrainingDiverged error (also a ProblemError) naming the
epoch, what became non-finite (the outputs, the loss, a gradient, a parameter) or how far the
loss grew (more than DIVERGENCE_FACTOR x its value before training), and a smaller --lr to try.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnloss_cli.errors import ProblemError
from rnnloss_cli.flags import FLAGS_FILE, flag_error, shown_number
from rnnloss_cli.limits import MAX_EPOCHS, MAX_HIDDEN, MAX_TRAIN_WORK
from rnnloss_cli.train import optim, rnn
from rnnloss_cli.train.tasks import TASKS, Report, Task, subset

SPARKS = "▁▂▃▄▅▆▇█"
#: An epoch whose mean loss is more than this many times the loss before training has
#: diverged. A run that learns can spike in its first epoch and recover (Adam at its default
#: rate with --hidden 512 on mse: about 130 x, then below the start); a step far too large
#: throws the loss up by many orders of magnitude (Adam at --lr 1e6 on mse: about 4e13 x).
DIVERGENCE_FACTOR = 1e4


class TrainingDiverged(ProblemError):
    """Training stopped: ``what`` became non-finite (or the loss exploded) at ``epoch``."""

    def __init__(self, message: str, *, epoch: int, what: str) -> None:
        super().__init__(message, file=FLAGS_FILE, field="--lr")
        self.flag = "--lr"  # the setting to change: "error: --lr: training diverged ..."
        self.epoch = epoch
        self.what = what


@dataclass
class TrainResult:
    task: Task
    initial: float  # the loss on the training set before any update
    history: list[float]  # mean minibatch loss per epoch
    report: Report
    seconds: float
    optimizer: str
    clip: float | None
    max_grad_norm: float
    lr: float = math.nan  # the learning rate used (the task's default when none was given)


def evaluate(task: Task, params: rnn.Params, batch, rng: np.random.Generator) -> float:
    y, _ = rnn.forward(params, batch.x)
    return task.loss_and_grad(y, batch, rng)[0]


def _positive_finite(value: float, flag: str, extra: str = "") -> None:
    """``value`` must be a finite number > 0 (a bad one is a usage error naming ``flag``)."""
    try:
        ok = math.isfinite(value) and value > 0
    except OverflowError:  # an int too large for a float
        ok = False
    if not ok:
        raise flag_error(f"expected a finite number > 0{extra}, got {value!r}", flag)


def _whole(value: int, flag: str, low: int, high: int | None = None) -> None:
    """``value`` must be an integer in [low, high] (a bad one is a usage error naming ``flag``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise flag_error(f"expected a whole number, got {value!r}", flag)
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"from {low} to {high}"
        # a long number cut (shown_number): --epochs 999...9 echoed its 400 digits whole
        raise flag_error(f"expected a whole number {bound}, got {shown_number(str(value))}", flag)


def check_settings(
    loss: str,
    *,
    epochs: int | None,
    seed: int,
    optimizer: str,
    clip: float | None,
    lr: float | None,
    hidden: int | None,
) -> None:
    """Refuse an unknown name or an out-of-range value before anything is built."""
    if loss not in TASKS:
        raise flag_error(f"expected one of {', '.join(TASKS)}, got {loss!r}", "--loss")
    if optimizer not in optim.OPTIMIZERS:
        got = f"expected one of {', '.join(optim.OPTIMIZERS)}, got {optimizer!r}"
        raise flag_error(got, "--optimizer")
    if lr is not None:
        _positive_finite(lr, "--lr")
    if clip is not None:
        _positive_finite(clip, "--clip", " (0 turns clipping off)")
    if epochs is not None:
        _whole(epochs, "--epochs", 1, MAX_EPOCHS)
    if hidden is not None:
        _whole(hidden, "--hidden", 1, MAX_HIDDEN)
    _whole(seed, "--seed", 0)
    _check_work(loss, epochs, hidden)


def _check_work(loss: str, epochs: int | None, hidden: int | None) -> None:
    """Epochs x the task's cost of an epoch must stay within ``MAX_TRAIN_WORK`` (a usage
    error naming --epochs, or --hidden when the epochs are the task's own)."""
    task = TASKS[loss]
    n_epochs = task.epochs if epochs is None else int(epochs)
    cost = task.epoch_cost(hidden)
    if n_epochs * cost <= MAX_TRAIN_WORK:
        return
    size = "" if hidden is None else f" with hidden {hidden}"
    raise flag_error(
        f"{n_epochs} epochs of {loss}{size} cost {n_epochs * cost:.3g} work units "
        f"({cost:,} an epoch), more than the limit MAX_TRAIN_WORK = {MAX_TRAIN_WORK:,}; "
        f"at most {MAX_TRAIN_WORK // cost} epochs at this size",
        "--epochs" if epochs is not None else "--hidden",
    )


def _smaller_lr(task: Task, optimizer: str, lr: float) -> float:
    """A learning rate to suggest after divergence: the task's default, or a tenth of ``lr``."""
    default = task.lr[optimizer]
    return default if lr > default else lr / 10


def _diverged(what: str, epoch: int, n_epochs: int, task: Task, settings: dict) -> TrainingDiverged:
    optimizer, lr, clip = settings["optimizer"], settings["lr"], settings["clip"]
    hint = f"try a smaller --lr, e.g. {_smaller_lr(task, optimizer, lr):g}"
    if clip is None:
        hint += ", or clip the gradients (--clip 1)"
    message = (
        f"training diverged at epoch {epoch} of {n_epochs} ({optimizer}, --lr {lr:g}): "
        f"{what}; {hint}"
    )
    return TrainingDiverged(message, epoch=epoch, what=what)


def _first_nonfinite(arrays: dict[str, np.ndarray]) -> str | None:
    return next((name for name, a in arrays.items() if not np.isfinite(a).all()), None)


def train(
    loss: str,
    *,
    epochs: int | None = None,
    seed: int = 0,
    optimizer: str = "adam",
    clip: float | None = 1.0,
    lr: float | None = None,
    hidden: int | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train the task for ``loss`` (mse, cross-entropy, ctc, hinge-seq, reinforce).

    ``epochs``, ``lr`` and ``hidden`` default to the task's own; ``clip`` None (or 0) turns
    gradient clipping off. Raises ProblemError for a bad setting and TrainingDiverged when
    training diverges.
    """
    clip = clip or None
    check_settings(
        loss, epochs=epochs, seed=seed, optimizer=optimizer, clip=clip, lr=lr, hidden=hidden
    )
    task = TASKS[loss]()
    if hidden is not None:
        task.hidden = int(hidden)
    n_epochs = task.epochs if epochs is None else int(epochs)
    lr = task.lr[optimizer] if lr is None else float(lr)
    settings = {"optimizer": optimizer, "lr": lr, "clip": clip}
    rng = np.random.default_rng(seed)
    params = rnn.init_params(task.n_in, task.hidden, task.n_out, rng)
    data = task.make(task.n_train, rng)
    heldout = task.make(8, rng)
    opt = optim.make_optimizer(optimizer, lr)
    start = time.perf_counter()
    initial = evaluate(task, params, data, rng)
    history: list[float] = []
    max_norm = 0.0
    # Overflow is looked for after every step (below), so numpy's warnings would only repeat it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, n_epochs + 1):

            def stop(what: str, epoch: int = epoch) -> TrainingDiverged:
                return _diverged(what, epoch, n_epochs, task, settings)

            order = rng.permutation(task.n_train)
            losses = []
            for i in range(0, task.n_train, task.batch_size):
                batch = subset(data, order[i : i + task.batch_size])
                y, cache = rnn.forward(params, batch.x)
                if not np.isfinite(y).all():
                    raise stop("the RNN's outputs became non-finite (inf or NaN)")
                value, dy = task.loss_and_grad(y, batch, rng)
                if not math.isfinite(value):
                    raise stop(f"the loss became non-finite ({value})")
                raw = rnn.backward(params, cache, dy)
                bad = _first_nonfinite({"dL/dy": dy, **raw})
                if bad is not None:
                    raise stop(f"the gradient {bad} became non-finite (inf or NaN)")
                grads, norm = optim.clip_grad_norm(raw, clip)
                if not math.isfinite(norm):
                    raise stop(f"the gradient norm overflowed ({norm})")
                max_norm = max(max_norm, norm)
                opt.step(params, grads)
                bad = _first_nonfinite(params)
                if bad is not None:
                    raise stop(f"the parameter {bad} became non-finite (inf or NaN)")
                losses.append(value)
            history.append(float(np.mean(losses)))
            if history[-1] > DIVERGENCE_FACTOR * initial:
                raise stop(
                    f"the loss grew to {history[-1]:.3g}, more than {DIVERGENCE_FACTOR:g} x "
                    f"its value before training ({initial:.3g})"
                )
            if on_epoch is not None:
                on_epoch(epoch - 1, history[-1])
        y, _ = rnn.forward(params, heldout.x)
    report = task.report(y, heldout)
    seconds = time.perf_counter() - start
    return TrainResult(task, initial, history, report, seconds, optimizer, clip, max_norm, lr)


def sparkline(values: list[float], width: int = 60) -> str:
    """Values as a row of block characters (binned to at most ``width`` by averaging)."""
    if not values:
        return ""
    v = np.asarray(values, dtype=float)
    if len(v) > width:
        v = np.array([chunk.mean() for chunk in np.array_split(v, width)])
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-12:
        return SPARKS[0] * len(v)
    idx = np.round((v - lo) / (hi - lo) * (len(SPARKS) - 1)).astype(int)
    return "".join(SPARKS[i] for i in idx)


def run_with_progress(
    loss: str,
    *,
    epochs: int | None,
    seed: int,
    optimizer: str,
    clip: float | None,
    lr: float | None = None,
    hidden: int | None = None,
    console=None,
) -> TrainResult:
    """Train with a transient rich progress bar on ``console`` (nothing is left printed).

    Raises ProblemError (a bad setting, or TrainingDiverged).
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    clip = clip or None
    check_settings(
        loss, epochs=epochs, seed=seed, optimizer=optimizer, clip=clip, lr=lr, hidden=hidden
    )
    console = console or Console()
    n_epochs = TASKS[loss].epochs if epochs is None else epochs
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} {task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a pipe or a log gets no bar (nor its blank line)
    ) as progress:
        bar = progress.add_task(f"train {loss}", total=n_epochs, last="")

        def tick(epoch: int, value: float) -> None:
            progress.update(bar, advance=1, last=f"loss {value:.4f}")

        return train(
            loss,
            epochs=epochs,
            seed=seed,
            optimizer=optimizer,
            clip=clip,
            lr=lr,
            hidden=hidden,
            on_epoch=tick,
        )


def run_and_show(
    loss: str,
    *,
    console=None,
    precision: int = 4,
    max_rows: int | None = None,
    **settings: Any,
) -> TrainResult:
    """Train (``settings`` as :func:`run_with_progress`: epochs, seed, optimizer, clip, lr,
    hidden) with a rich progress bar, then print the loss chart and held-out predictions.

    Losses are printed as the page formats print them (``precision`` and the derivation's
    guard digits, so the ratio line redoes from the screen); ``max_rows`` (at least 2)
    keeps the first and last held-out rows of a longer table (``result.window_indices``), with
    a row saying how many were left out. Raises ProblemError (a bad setting, or
    TrainingDiverged) before printing the results.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rnnloss_cli.render.text import cell_text, digits_plan, step_text
    from rnnloss_cli.result import Step, window_indices
    from rnnloss_cli.train.summary import RATIO_TEXT, train_result

    console = console or Console()
    res = run_with_progress(loss, console=console, **settings)
    t = res.task
    p = precision
    clip = settings.get("clip") or None
    clip_text = "off" if clip is None else f"{clip:g}"
    console.print(
        f"[bold]{loss}[/]: Elman RNN (hidden {t.hidden}), {settings['optimizer']}, clip "
        f"{clip_text}, seed {settings['seed']}, {len(res.history)} epochs in {res.seconds:.1f} s"
    )
    if res.history:
        n = len(res.history)
        # the numbers as the page formats print them (train_result's plan of digits), so the
        # ratio redoes from the screen and reads as on the html / markdown page
        page = train_result(res, loss=loss, seed=settings["seed"])
        plan = digits_plan(page, p)
        first, final, before = (
            cell_text(float(v), p, plan) for v in (res.history[0], res.history[-1], res.initial)
        )
        console.print(f"{t.metric} per epoch: {first} → {final}")
        console.print(f"  [cyan]{sparkline(res.history, max(10, min(60, console.width - 2)))}[/]")
        # the curve starts at epoch 1 (its mean minibatch value), the ratio divides by epoch 0
        console.print(f"  before training {before}; the curve: epochs 1 to {n}")
        ratio = Step("", RATIO_TEXT, page.steps[0].values)
        console.print(f"  {escape(step_text(ratio, p, plan))}")
        console.print(f"  largest gradient norm (before clipping) {res.max_grad_norm:.2f}")
    table = Table(
        *res.report.columns,
        title="held-out examples",
        title_justify="left",
        caption=res.report.shown or None,
        caption_justify="left",
    )
    for column in table.columns:  # a narrow terminal folds cells, never cuts them with "…"
        column.overflow = "fold"
    rows = res.report.rows
    kept, split = window_indices(len(rows), max_rows or len(rows))
    for i, k in enumerate(kept):
        if i == split:
            left_out = len(rows) - len(kept)
            gap = f"… {left_out} more row{'s' if left_out > 1 else ''} …"
            table.add_row(gap, *[""] * (len(res.report.columns) - 1))
        table.add_row(*rows[k])
    console.print(table)
    console.print(res.report.score)
    return res
