"""The training loop (pure numpy) and its terminal display (rich).

One epoch = one pass over the training set in shuffled minibatches; each step runs the RNN
forward, the task's loss through the engine, BPTT, gradient-norm clipping, then the optimiser.
Everything draws from one seeded Generator, so a run is reproducible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnloss_cli.train import optim, rnn
from rnnloss_cli.train.tasks import TASKS, Report, Task, subset

SPARKS = "▁▂▃▄▅▆▇█"


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


def evaluate(task: Task, params: rnn.Params, batch, rng: np.random.Generator) -> float:
    y, _ = rnn.forward(params, batch.x)
    return task.loss_and_grad(y, batch, rng)[0]


def train(
    loss: str,
    *,
    epochs: int | None = None,
    seed: int = 0,
    optimizer: str = "adam",
    clip: float | None = 1.0,
    lr: float | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Train the task for ``loss`` (mse, cross-entropy, ctc, hinge-seq, reinforce)."""
    if loss not in TASKS:
        raise ValueError(f"loss: expected one of {', '.join(TASKS)}, got {loss!r}")
    task = TASKS[loss]()
    rng = np.random.default_rng(seed)
    params = rnn.init_params(task.n_in, task.hidden, task.n_out, rng)
    data = task.make(task.n_train, rng)
    heldout = task.make(8, rng)
    opt = optim.make_optimizer(optimizer, task.lr[optimizer] if lr is None else lr)
    start = time.perf_counter()
    initial = evaluate(task, params, data, rng)
    history: list[float] = []
    max_norm = 0.0
    for epoch in range(task.epochs if epochs is None else epochs):
        order = rng.permutation(task.n_train)
        losses = []
        for i in range(0, task.n_train, task.batch_size):
            batch = subset(data, order[i : i + task.batch_size])
            y, cache = rnn.forward(params, batch.x)
            value, dy = task.loss_and_grad(y, batch, rng)
            grads, norm = optim.clip_grad_norm(rnn.backward(params, cache, dy), clip)
            max_norm = max(max_norm, norm)
            opt.step(params, grads)
            losses.append(value)
        history.append(float(np.mean(losses)))
        if on_epoch is not None:
            on_epoch(epoch, history[-1])
    y, _ = rnn.forward(params, heldout.x)
    report = task.report(y, heldout)
    seconds = time.perf_counter() - start
    return TrainResult(task, initial, history, report, seconds, optimizer, clip, max_norm)


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


def run_and_show(
    loss: str,
    *,
    epochs: int | None,
    seed: int,
    optimizer: str,
    clip: float | None,
    lr: float | None = None,
    console=None,
) -> TrainResult:
    """Train with a rich progress bar, then print the loss chart and held-out predictions."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = console or Console()
    n_epochs = TASKS[loss].epochs if epochs is None else epochs
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} {task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        bar = progress.add_task(f"train {loss}", total=n_epochs, last="")

        def tick(epoch: int, value: float) -> None:
            progress.update(bar, advance=1, last=f"loss {value:.4f}")

        res = train(
            loss, epochs=epochs, seed=seed, optimizer=optimizer, clip=clip, lr=lr, on_epoch=tick
        )
    t = res.task
    clip_text = "off" if clip is None else f"{clip:g}"
    console.print(
        f"[bold]{loss}[/]: Elman RNN (hidden {t.hidden}), {optimizer}, clip {clip_text}, "
        f"seed {seed}, {len(res.history)} epochs in {res.seconds:.1f} s"
    )
    if res.history:
        console.print(f"{t.metric} per epoch: {res.history[0]:.4f} → {res.history[-1]:.4f}")
        console.print(f"  [cyan]{sparkline(res.history, 60)}[/]")
        ratio = res.history[-1] / res.initial if res.initial else float("nan")
        console.print(
            f"  before training {res.initial:.4f}; final/initial = {ratio:.2f}; "
            f"largest gradient norm {res.max_grad_norm:.2f}"
        )
    table = Table(*res.report.columns, title="held-out examples", title_justify="left")
    for row in res.report.rows:
        table.add_row(*row)
    console.print(table)
    console.print(res.report.score)
    return res
