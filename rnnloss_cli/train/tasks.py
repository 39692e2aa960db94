"""Generated tasks, one per loss, and the glue from RNN outputs to the engine's losses.

Every task is seeded (a numpy Generator), returns time-major inputs x (T, N, D), and turns the
RNN outputs y (T, N, O) into (loss, dL/dy) through the engine:

- ``mse``: sine-wave forecasting; x_t = s_t, target s_{t+1}; mean squared error.
- ``cross-entropy``: next-symbol prediction on the repeating pattern 0 1 2 3 2 1 (after 2 the
  next symbol depends on where you came from, so the RNN must remember); cross-entropy of
  logits, mean over steps.
- ``ctc``: spelling 2-3 letter words over {a, b, c, d} from noisy frames (each letter held for
  2-3 frames, silent gaps, always a gap between repeated letters); CTC with blank 0, reduction
  mean (divided by target length, as PyTorch), gradient w.r.t. the logits from the engine.
- ``hinge-seq``: tag each step with the sign of the running sum of the inputs, labels ±1;
  hinge loss per step, mean over steps.
- ``reinforce``: a cue (one of 3) is shown at step 0 only; at every step the policy picks an
  action and earns reward 1 when it matches the cue. REINFORCE with discounted reward-to-go
  (γ = 0.9) and a per-step batch-mean baseline. The curve shown is the regret, 1 − mean
  reward, since the surrogate loss itself is not a progress measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnloss_cli import engine


@dataclass
class Batch:
    x: np.ndarray  # (T, N, D)
    target: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """Held-out predictions: rows (input, predicted, truth) and a one-line score.

    The rows may be a few of the held-out examples while the score covers all of them, so
    the score names what it covers ("RMSE over the 8 held-out examples, all 20 steps each")
    and ``shown`` what the rows are ("the first 4 of the 8 held-out examples").
    """

    columns: tuple[str, str, str]
    rows: list[tuple[str, str, str]]
    score: str
    shown: str = ""


def _shown(n_rows: int, n: int, extra: str = "") -> str:
    """What the rows of a report are: all of the ``n`` held-out examples or the first few."""
    which = f"all {n} held-out examples" if n_rows == n else f"the first {n_rows} of the {n}"
    return which + ("" if n_rows == n else " held-out examples") + extra


def _over(n: int, steps: int, what: str) -> str:
    """ "over the 8 held-out examples, all 20 steps each (160 predictions)" """
    return f"over the {n} held-out examples, all {steps} steps each ({n * steps} {what})"


class Task:
    """Base: data generation, loss glue and the held-out report."""

    name = ""
    metric = "loss"
    n_in = n_out = 1
    hidden = 16
    epochs = 30
    n_train = 128
    batch_size = 32
    lr = {"sgd": 0.05, "adam": 0.01}
    T = 1  #: frames of an example (each task sets its own)

    @classmethod
    def epoch_cost(cls, hidden: int | None = None) -> int:
        """Work units of one epoch: examples x frames x (H² + 32²).

        H² is the recurrent product of a step (forward and back), and 32² a fixed share
        for the rest of a step (input and output layers, the loss, Python's per-step
        overhead), which dominates at the tasks' small default sizes. Bounded by
        ``limits.MAX_TRAIN_WORK`` together with the epochs.
        """
        h = cls.hidden if hidden is None else int(hidden)
        return cls.n_train * cls.T * (h * h + 32 * 32)

    def make(self, n: int, rng: np.random.Generator) -> Batch:
        raise NotImplementedError

    def loss_and_grad(
        self, y: np.ndarray, batch: Batch, rng: np.random.Generator
    ) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def report(self, y: np.ndarray, batch: Batch) -> Report:
        raise NotImplementedError


def subset(batch: Batch, idx: np.ndarray) -> Batch:
    """The examples ``idx`` of a batch (time-major x, batch-first targets)."""
    target = batch.target[:, idx] if batch.extra.get("target_time_major") else batch.target[idx]
    extra = {k: (v[idx] if isinstance(v, np.ndarray) else v) for k, v in batch.extra.items()}
    return Batch(batch.x[:, idx], target, extra)


# ------------------------------------------------------------------------------ mse
class SineForecast(Task):
    name, n_in, n_out, hidden, epochs = "mse", 1, 1, 16, 40
    T = 20

    def make(self, n: int, rng: np.random.Generator) -> Batch:
        phase = rng.uniform(0, 2 * np.pi, n)
        freq = rng.uniform(0.3, 0.6, n)
        t = np.arange(self.T + 1)[:, None]
        s = np.sin(freq[None, :] * t + phase[None, :])  # (T + 1, N)
        return Batch(s[:-1, :, None], s[1:, :, None], {"target_time_major": True})

    def loss_and_grad(self, y, batch, rng):
        return float(engine.mse_loss(y, batch.target)), engine.mse_grad(y, batch.target)

    def report(self, y, batch):
        rows = []
        for n in range(min(4, y.shape[1])):
            rows.append(
                (
                    f"s = … {batch.x[-1, n, 0]:+.2f}",
                    f"{y[-1, n, 0]:+.3f}",
                    f"{batch.target[-1, n, 0]:+.3f}",
                )
            )
        # every step of every held-out example, not only the last steps the rows show
        rmse = float(np.sqrt(np.mean((y - batch.target) ** 2)))
        steps, n = y.shape[:2]
        return Report(
            ("last input", "next (predicted)", "next (true)"),
            rows,
            f"RMSE {_over(n, steps, 'predictions')}: {rmse:.3f}",
            _shown(len(rows), n, ", at their last step"),
        )


# ------------------------------------------------------------------------------ CE
class NextSymbol(Task):
    name, n_in, n_out, hidden, epochs = "cross-entropy", 4, 4, 16, 30
    pattern = np.array([0, 1, 2, 3, 2, 1])
    T = 12

    def make(self, n: int, rng: np.random.Generator) -> Batch:
        start = rng.integers(0, len(self.pattern), n)
        pos = (start[None, :] + np.arange(self.T + 1)[:, None]) % len(self.pattern)
        seq = self.pattern[pos]  # (T + 1, N)
        x = np.eye(4)[seq[:-1]]
        return Batch(x, seq[1:], {"target_time_major": True})

    def _flat(self, y):
        return y.reshape(-1, y.shape[-1])

    def loss_and_grad(self, y, batch, rng):
        flat_t = batch.target.reshape(-1)
        loss = engine.cross_entropy(self._flat(y), flat_t)
        grad = engine.cross_entropy_grad(self._flat(y), flat_t).reshape(y.shape)
        return float(loss), grad

    def report(self, y, batch):
        pred = y.argmax(-1)
        rows = []
        for n in range(min(4, y.shape[1])):
            seq = "".join(str(int(np.argmax(v))) for v in batch.x[:, n])
            rows.append((seq, "".join(map(str, pred[:, n])), "".join(map(str, batch.target[:, n]))))
        acc = float(np.mean(pred[2:] == batch.target[2:]))
        steps, n = y.shape[:2]
        score = (
            f"accuracy over the {n} held-out examples, steps t ≥ 3 of {steps} "
            f"({n * max(steps - 2, 0)} predictions): {acc:.0%}"
        )
        return Report(("input", "predicted next", "true next"), rows, score, _shown(len(rows), n))


# ------------------------------------------------------------------------------ CTC
class SpellWords(Task):
    name, n_in, n_out, hidden, epochs, n_train = "ctc", 5, 5, 32, 25, 256
    letters = "abcd"  # class k + 1 is letters[k]; class 0 is the blank
    T, S = 12, 3
    noise = 0.3
    lr = {"sgd": 0.1, "adam": 0.02}

    def make(self, n: int, rng: np.random.Generator) -> Batch:
        silence = len(self.letters)
        x = np.zeros((self.T, n, self.n_in))
        targets = np.zeros((n, self.S), dtype=np.int64)
        lengths = np.zeros(n, dtype=np.int64)
        for i in range(n):
            word = rng.integers(0, len(self.letters), rng.integers(2, self.S + 1))
            frames: list[int] = []
            for j, letter in enumerate(word):
                if j and (word[j - 1] == letter or rng.random() < 0.4):
                    frames.append(silence)  # a gap: always between repeated letters
                frames += [int(letter)] * int(rng.integers(2, 4))
            frames += [silence] * (self.T - len(frames))
            x[:, i] = np.eye(self.n_in)[frames[: self.T]]
            targets[i, : len(word)] = word + 1
            lengths[i] = len(word)
        x += self.noise * rng.standard_normal(x.shape)
        return Batch(x, targets, {"target_lengths": lengths})

    def loss_and_grad(self, y, batch, rng):
        from rnnloss_cli.engine.ctc import ctc_loss_and_grad

        n = y.shape[1]
        log_probs = engine.log_softmax(y, axis=-1)
        loss, grad = ctc_loss_and_grad(
            log_probs,
            batch.target,
            np.full(n, self.T),
            batch.extra["target_lengths"],
            blank=0,
            reduction="mean",
        )
        return float(loss), grad

    def spell(self, labels) -> str:
        return "".join(self.letters[int(k) - 1] for k in labels if k != 0)

    def report(self, y, batch):
        from rnnloss_cli.engine.alignments import ctc_greedy_decode

        log_probs = engine.log_softmax(y, axis=-1)
        rows, right = [], 0
        for n in range(y.shape[1]):
            path, collapsed = ctc_greedy_decode(log_probs[:, n], blank=0)
            truth = self.spell(batch.target[n, : batch.extra["target_lengths"][n]])
            got = self.spell(collapsed)
            right += got == truth
            raw = "".join("-" if k == 0 else self.letters[k - 1] for k in path)
            rows.append((raw, got, truth + ("" if got == truth else "  ✗")))
        score = f"{right}/{y.shape[1]} held-out words decoded exactly"
        return Report(("best path", "decoded", "truth"), rows, score, _shown(len(rows), len(rows)))


# ------------------------------------------------------------------------------ hinge
class SignOfSum(Task):
    name, n_in, n_out, hidden, epochs = "hinge-seq", 1, 1, 16, 30
    T = 10

    def make(self, n: int, rng: np.random.Generator) -> Batch:
        x = rng.standard_normal((self.T, n, 1))
        labels = np.where(np.cumsum(x[:, :, 0], axis=0) >= 0, 1.0, -1.0).T  # (N, T)
        return Batch(x, labels)

    def loss_and_grad(self, y, batch, rng):
        scores = y[:, :, 0].T  # (N, T)
        loss = engine.sequence_hinge(scores, batch.target, reduction="mean")
        grad = engine.sequence_hinge_grad(scores, batch.target, reduction="mean")
        return float(loss), grad.T[:, :, None]

    def report(self, y, batch):
        sign = np.where(y[:, :, 0].T >= 0, 1, -1)
        rows = []
        for n in range(min(4, y.shape[1])):
            fmt = "".join("+" if v > 0 else "−" for v in batch.target[n])
            rows.append(
                (
                    " ".join(f"{v:+.1f}" for v in batch.x[:4, n, 0]) + " …",
                    "".join("+" if v > 0 else "−" for v in sign[n]),
                    fmt,
                )
            )
        acc = float(np.mean(sign == batch.target))
        n, steps = sign.shape
        return Report(
            ("inputs", "predicted signs", "true signs"),
            rows,
            f"accuracy {_over(n, steps, 'signs')}: {acc:.0%}",
            _shown(len(rows), n),
        )


# ------------------------------------------------------------------------------ REINFORCE
class CueBandit(Task):
    name, n_in, n_out, hidden, epochs = "reinforce", 3, 3, 16, 40
    metric = "regret (1 − mean reward)"
    T, gamma = 4, 0.9
    lr = {"sgd": 0.1, "adam": 0.02}

    def make(self, n: int, rng: np.random.Generator) -> Batch:
        cue = rng.integers(0, self.n_in, n)
        x = np.zeros((self.T, n, self.n_in))
        x[0, np.arange(n), cue] = 1.0  # shown once, to be remembered
        return Batch(x, cue)

    def loss_and_grad(self, y, batch, rng):
        logits = np.transpose(y, (1, 0, 2))  # (N, T, A)
        probs = engine.softmax(logits, axis=-1)
        # Sample an action per step from the policy (inverse-CDF with one uniform each).
        u = rng.random(probs.shape[:2] + (1,))
        actions = np.minimum((probs.cumsum(-1) < u).sum(-1), probs.shape[-1] - 1)
        rewards = (actions == batch.target[:, None]).astype(float)
        returns = engine.discounted_returns(rewards, self.gamma)
        adv = returns - returns.mean(axis=0, keepdims=True)  # per-step batch-mean baseline
        grad = engine.reinforce_policy_logits_grad(logits, actions, adv, reduction="mean")
        return float(1.0 - rewards.mean()), np.transpose(grad, (1, 0, 2))

    def report(self, y, batch):
        greedy = y.argmax(-1).T  # (N, T)
        rows = []
        for n in range(min(4, y.shape[1])):
            rows.append(
                (f"cue {batch.target[n]}", " ".join(map(str, greedy[n])), str(batch.target[n]))
            )
        acc = float(np.mean(greedy == batch.target[:, None]))
        n, steps = greedy.shape
        return Report(
            ("input", "greedy actions", "rewarded action"),
            rows,
            f"reward rate of the greedy actions {_over(n, steps, 'actions')}: {acc:.0%}",
            _shown(len(rows), n),
        )


TASKS: dict[str, type[Task]] = {
    t.name: t for t in (SineForecast, NextSymbol, SpellWords, SignOfSum, CueBandit)
}
