"""Every size limit rnnloss enforces, each with its reason.

A limit is refused with a message that names it and its value (and the README lists them), so
that any input of any size gives a result or a one-line error in bounded time, memory and
output. Sections belong to the layer that enforces them.
"""

from __future__ import annotations

# ------------------------------------------------------------------ reading problem files
#: A problem file (or standard input) larger than this is refused before parsing: the whole
#: text and its YAML node tree are held in memory (about 30x the text for a list of numbers).
MAX_FILE_BYTES = 64 * 2**20
#: Problem files found under the folders given to check / sheet / grade (subfolders
#: included): a course keeps hundreds; a folder such as ``/`` or a home directory would take
#: minutes to walk and its YAML files are not problems.
MAX_FOLDER_FILES = 10_000
#: Folder names never descended into (besides hidden ones such as .git and .venv): they hold
#: tools' files, not problems.
SKIPPED_FOLDERS = ("__pycache__", "node_modules", "venv", "site-packages")
#: YAML nested deeper than this is refused: no problem kind nests more than a few levels, and
#: deeper trees cost recursion in the YAML composer and the validators.
MAX_NESTING = 64
#: Values (numbers, texts, lists, mappings) a file may hold once its aliases (``*name``) are
#: expanded: validation visits each and numpy stores each in 8 bytes, so a few lines of
#: aliases to aliases ("billion laughs") cannot take unbounded time or memory. A file of
#: honest numbers reaches this only past about 40 MB.
MAX_YAML_VALUES = 2**24
#: Characters of a problem's title, source or notes: each is printed whole by every page
#: (a 10 MB title made a 43 MB LaTeX sheet in 11 s, and vary copies it into every variant);
#: a worked problem's notes are a paragraph or two.
MAX_META_CHARS = 10_000
#: Terms of a ``custom`` problem counted through every nested custom term and referenced file:
#: a term used twice at each level (by a YAML alias, or two files naming the same file) is
#: solved twice, so a few lines could ask for 2^30 solves. A course's combination has a handful.
MAX_CUSTOM_TERMS = 1_000

# ------------------------------------------------------------------ computing
#: Bytes one engine array may take (float64 trellis, emissions, gradients); an input that
#: would need more is refused before anything is allocated. A quarter of this machine's memory.
MAX_ARRAY_BYTES = 2 * 2**30
#: Cells (frames x extended labels, T x (2S + 1)) the exact CTC forward pass may visit: time
#: grows with their number. Just under the limit, HELLO over 9,090,909 frames from flags
#: (--format json) took 37 s and 1.27 GB on the 2-core reference machine (44-81 s under load).
MAX_TRELLIS_CELLS = 10**8
#: Cells (frames x extended labels) of a CTC trellis computed whole, for the full α and β
#: tables and the gradient. Above it the loss comes from the engine's loss-only pass (one
#: column in memory) and the tables from one log-space pass over every frame that keeps only
#: the first and last frames' columns: memory stays that of the loss, time grows 1.4-2.3x
#: (10^7 frames of S' = 3: 5.5 -> 13 s).
FULL_TRELLIS_MAX_CELLS = 100_000
#: Cells (frames x extended labels) of a CTC trellis above FULL_TRELLIS_MAX_CELLS whose best
#: (Viterbi) path is still drawn at the frames shown: reading it back takes one byte a cell
#: (1 MB at the limit) and a pass of 4-7 µs a frame plus about 0.1 µs a cell, the loss's
#: own pass being ten times faster (333,000 frames of S' = 3: about 2.5 s more on the 2-core
#: reference machine). Above it the page says the path is not drawn and why.
BEST_PATH_MAX_CELLS = 10**6

# ------------------------------------------------------------------ showing
#: Rows and columns a table shows before it is windowed (first and last ones kept, an
#: elision marker between, and a note with the full size).
TABLE_MAX_ROWS = 60
TABLE_MAX_COLUMNS = 16
#: Cells (rows x columns) a ``--window ROWSxCOLS`` may ask a table to show: the solvers hold
#: and the renderers print that many per table, and a CTC result has five tables (three of
#: them trellis-sized), so --window 100000000 asked a 10^7-frame CTC problem for 17 GB and
#: minutes. At 10^6 cells, --window 1000x1000 on a 1,200-frame CTC with S' = 1001 took 18 s,
#: 2 GB and wrote 134 MB as JSON (27 s and 1.7 GB in rich); at 250,000 (500x500) 3.1 s,
#: 0.4 GB and 26 MB (6.6 s, 0.4 GB and 5.6 MB in rich) on the 2-core reference machine.
MAX_WINDOW_CELLS = 250_000
#: Cells (frames held x states) of the α, β and γ columns a CTC trellis too long to store
#: (above FULL_TRELLIS_MAX_CELLS) holds at the frames its window shows: every one of its S'
#: states at each, about 55 bytes a cell in all (the columns of both passes, α, β, γ and the
#: emissions they use). --window 2x100000 on 100,000 frames of S' = 801 held 80 million,
#: 4.5 GB; at this limit 0.6 GB (7 s as JSON).
MAX_HELD_TRELLIS_CELLS = 10_000_000
#: Items a list in a derivation step shows (first ones, an elision saying how many are left
#: out, the last two); a Result holds no more than this of any list.
STEP_MAX_TERMS = 16
#: Bars a per-step chart on an HTML page draws (the first and last steps, a gap between,
#: by the tables' window rule): at 35-45 px a bar (a value label over each), 20 of them and
#: the axis fit the page's 60rem column; the table under the chart shows up to TABLE_MAX_ROWS.
CHART_MAX_BARS = 20
#: Alignments ``rnnloss ctc paths`` enumerates; above this it refuses (after a bounded count).
MAX_LISTED_PATHS = 10_000
#: Symbols ``rnnloss ctc paths`` writes in all (alignments x frames): each alignment is one
#: line of T symbols, so a few alignments over a very long input would still flood the output.
MAX_LISTED_SYMBOLS = 1_000_000
#: Cells (frames x extended labels) of the exact big-integer path count ``ctc paths`` runs
#: before listing (it stops once the count passes MAX_LISTED_PATHS, a few frames past the
#: fewest possible); a longer target would take seconds just to be counted.
MAX_COUNT_CELLS = 10_000_000
#: The engine's own bound for direct callers of ``ctc_path_count``: bits of the exact count
#: it builds (C(T + S - r, 2S) by math.comb, whose time grows with the size of the number,
#: about the square of its bits when T is near 2S: 4 x 10^5 bits took 1.4 s, 10^6 bits 7.7 s,
#: and C(4 x 10^6, 2 x 10^6) over a minute). At 2^18 bits (79,000 digits) the worst case
#: takes about half a second; the size is found first from log-gamma, at once for any T.
ENGINE_MAX_COUNT_BITS = 2**18
#: Listed alignments drawn over a CTC trellis figure (the first ones; the table lists them
#: all): each is a line in its own colour and dash, and past a handful they hide each other.
TRELLIS_MAX_TRACKS = 6
#: States and frames a trellis figure draws at most (the first and last of the table's held
#: window, with a gap): at the smallest cell (10 px) that is 600 px by 800 px, a page wide.
FIGURE_MAX_ROWS = 60
FIGURE_MAX_COLUMNS = 80

# ------------------------------------------------------------------ training (rnnloss train)
#: Hidden units of the demo RNN: W_hh holds H² numbers and every step costs O(N·H²); at 512
#: one epoch of the largest task (ctc) takes about 13 s on the 2-core reference machine.
MAX_HIDDEN = 512
#: Epochs of one run: about 0.013 s each for the default ctc task here (the slowest), so the
#: longest run takes a few minutes; `--epochs 10**20` would otherwise never end.
MAX_EPOCHS = 10_000
#: Work of one run, epochs x the task's cost of an epoch (``Task.epoch_cost``: examples x
#: frames x (H² + 32²), the recurrent products plus a fixed share for the rest of a step).
#: 1 to 2.5 ns a unit on the 2-core reference machine (ctc: 6.3 x 10^6 units, 12.7 ms an
#: epoch), so the longest run takes about half a minute: MAX_EPOCHS alone let
#: ``train --loss ctc --epochs 10000`` run for 5.5 minutes. Every task's default run is far
#: below it (ctc's 25 epochs: 1.6 x 10^8).
MAX_TRAIN_WORK = 10**10
#: Points of the loss curve a training page holds (epoch 0, before training, and the epochs):
#: a longer run keeps this many, evenly spaced with the first and the last, so the page, its
#: SVG (one circle a point) and the JSON stay small for a run of any length.
MAX_CURVE_POINTS = 500

# ------------------------------------------------------------------ teaching (vary, grade)
#: Variants one ``rnnloss vary`` run writes: each is solved by the engine and written as a
#: file, and a class of a few hundred students needs a few hundred; more is a typo.
MAX_VARIANTS = 10_000
#: Numbers one ``rnnloss vary`` run may draw: the variants asked for times the numbers the
#: template gives (its givens, not its key). Every one is redrawn, written by the pure-Python
#: YAML writer (about 15 us a number) and kept until all the variants are checked; measured
#: before this limit, two variants of a 64 MiB template (1.27 million frames of 6 symbols)
#: took 273 s and 4.2 GB. A handout problem gives tens of numbers: MAX_VARIANTS variants of a
#: 100-number problem fit.
MAX_VARY_NUMBERS = 1_000_000
#: Seconds one ``rnnloss vary`` run may take: every variant is solved at least once, so a run
#: of n variants of a template that takes s seconds to solve (timed first) is refused when
#: n x s passes this, before any draw; a run whose redraws take it past twice this stops
#: (nothing written). Measured before: a 99,000-frame CTC template solved in 8 s, 5 variants
#: ran past a minute, and the 10,000 variants allowed would have run for days.
MAX_VARY_SECONDS = 120
#: Draws tried for one variant before giving up: a draw breaking a constraint (the target
#: must fit the frames) or the problem's own validation is drawn again, so a template whose
#: constraints can never hold stops instead of looping.
MAX_VARY_TRIES = 200
#: Longest random target a vary rule may draw: exact CTC over it is O(T x 2L) per variant and
#: a handout problem has a word, not a book.
MAX_VARY_LENGTH = 1_000
#: Steps of a vary ``range`` rule's grid ((high - low) / step): a drawn number is
#: low + k x step rounded to at most 6 decimals, exact in float64 only while it keeps about 15
#: significant digits, and a class needs a handful of values; a typo such as
#: ``{range: [0, 1e300], step: 1e-300}`` would not even fit a float.
MAX_VARY_STEPS = 10**9
#: Points one answer figure may be worth (``{value: 3.673, points: 2}``): a course's marks,
#: not a double's range. ``points: 1e308`` on two problems made grade's possible total inf,
#: its percentages NaN and its summary an internal error; at this limit every figure of
#: MAX_FOLDER_FILES files with MAX_KEY_FIGURES entries each still sums to about 10^16.
MAX_POINTS = 1_000_000
#: Re-solves a search for two slips together may make, a figure (``rnnloss mark``, ``grade``):
#: each slip that is a change of the givens (``Slip.changes``) re-solves the problem once, and
#: every other slip is tried on that changed problem (most re-solve it once more). It bounds
#: the time a wrong answer costs on a large problem; the search is only made when no single
#: slip matches.
MAX_PAIR_SOLVES = 64
#: Seconds the search for one wrong answer's slip may take (``rnnloss mark``, ``grade``): each
#: slip that changes the givens re-solves the problem, so on a large problem the search cost
#: tens of solves (a 99,000-frame CTC file, solved in 8 s: 53 s for one answer). Past it no
#: more re-solves are made and the report says the search stopped.
MAX_MARK_SECONDS = 30

#: Questions one problem file's array entries (BPTT's gradients) may give in a Moodle bank:
#: each repeats the question's givens and the worked solution (~85 kB with a 31-unit network),
#: so a key of MAX_KEY_FIGURES = 1000 entries made an 82 MB bank in 6 s; a worked problem keys
#: a few small matrices. Entries past it are named in a warning and left out.
MAX_ENTRY_QUESTIONS = 100

#: Rows of an answers CSV ``rnnloss grade`` reads after the header, blank ones included (each
#: is a step of the reader, so a file of blank lines stops here instead of being read whole):
#: every answer is marked and kept in the report; a million answers is far beyond any class.
MAX_GRADE_ROWS = 1_000_000
#: Skipped rows of an answers CSV whose warning ``grade`` lists (on stderr and in --json); the
#: rest are counted in one line. A million rows naming a mistyped problem printed a million
#: warnings (272 MB) and held them all (755 MB); nobody reads past the first hundred.
MAX_LISTED_ROW_ISSUES = 100
#: Characters of one cell of a CSV that grade (answers) or vary (a roster) reads: a number, a
#: name or an id is short, and a quote left open would otherwise swallow the rest of the file
#: into one cell. It is also the csv module's own default field limit.
MAX_CSV_FIELD_CHARS = 131_072
#: Cells of one row of such a CSV: a wide answers file has a column per graded figure (a few),
#: a roster a few columns; a row of millions of empty cells (commas) would cost gigabytes
#: in Python lists before anything is graded.
MAX_CSV_COLUMNS = 1_000
#: Rows of a roster CSV ``vary --ids`` reads, blank ones included (a blank row still costs a
#: step of the reader): more than MAX_VARIANTS ids are refused anyway, and the margin lets a
#: full roster keep its blank lines.
MAX_ROSTER_ROWS = 2 * MAX_VARIANTS
# ------------------------------------------------------------------ beyond the handout
#: Cells (frames x extended labels, T x (2S + 1)) of a CTC forced alignment: the Viterbi table
#: and its back-pointers are kept whole (16 bytes a cell, 160 MB at the limit) to read the
#: best path back and print the table.
MAX_VITERBI_CELLS = 10**7
#: The engine's own bound for direct callers of ``ctc_forced_align`` / ``ctc_viterbi_trace``
#: (and ``best_alignment_count``, whose tie-counting frame costs about 12 of these): frames of
#: the Viterbi recursion, a Python step each (about 4.5 µs for the trace on the 2-core
#: reference machine, so about 45 s at the limit). The memory check alone let log-probabilities
#: of shape (6 x 10^7, 1) loop for minutes. Problems under MAX_VITERBI_CELLS stay under it.
ENGINE_MAX_VITERBI_FRAMES = 10**7
#: Prefixes the CTC beam search keeps after each frame (``beam`` / ``--beam``): each is
#: extended by every symbol in Python, and the derivation prints the beam at every frame.
MAX_BEAM_WIDTH = 256
#: The engine's own bound for direct callers of ``ctc_beam_search``: the prefix extensions
#: it may try, sum over frames of (prefixes kept, at most beam_width and at most the
#: labellings reachable so far) x classes. About 3 µs each (1.5 million took 4.8 s at
#: width 1000 on 50 frames of 30 classes), so the limit is about a minute; a beam wider than
#: every reachable labelling (a search that never prunes, on a short input) costs only what
#: it can reach, while beam_width=10**9 on 50 frames is refused at once instead of hanging.
ENGINE_MAX_BEAM_EXTENSIONS = 2 * 10**7
#: Beam width x frames x symbols, the prefix extensions a beam search tries: about 6 µs
#: each (Python loops over prefixes), so 500,000 take about 3 s on the 2-core reference
#: machine, and the trace holds one entry per kept prefix and frame.
MAX_BEAM_EXTENSIONS = 500_000
#: Words of a ctc_decode lexicon (``lexicon`` / ``--lexicon``): the search keeps every prefix
#: of every word in a Python set, and each word is validated symbol by symbol.
MAX_LEXICON_WORDS = 100_000
#: N-grams of a ctc_decode language model (``lm`` / ``--lm FILE``): held in a Python dict.
MAX_LM_NGRAMS = 100_000
#: Float64 numbers of an RNN-T problem's T x (U+1) x V joiner output: the trace holds about
#: four arrays of that size (log-probabilities, occupations, gradient), so four times this in
#: bytes must stay under MAX_ARRAY_BYTES (2 GiB).
MAX_RNNT_VALUES = MAX_ARRAY_BYTES // (4 * 8)
#: The engine's own bound for direct callers of ``rnnt_loss`` / ``rnnt_loss_and_grad`` /
#: ``rnnt_trace``: steps of their Python loops, T_n + U_n + 10 a sequence of the batch (its
#: anti-diagonals, about 4.4 µs each for alpha and beta together, and about 40 µs for the
#: sequence itself, ten steps' worth). About 20 s at the limit on the 2-core reference
#: machine; MAX_RNNT_VALUES alone let logits of shape (1, 3 x 10^7, 1, 2), or 3 x 10^7
#: sequences of one node, loop for minutes. Every problem under MAX_RNNT_NODES is far below.
ENGINE_MAX_RNNT_STEPS = 5 * 10**6
#: The engine's own bounds for direct callers of ``ctc_loss`` / ``ctc_loss_and_grad``: trellis
#: cells a call's recursions visit, sum over sequences of input_length x (2 x target_length + 1).
#: Measured on the 2-core reference machine (T = 4 S, two classes): the loss-only pass visits
#: 145-200 M cells a second, the loss and gradient 40-60 M, so both limits are about a minute.
#: Memory bounds none of this: 200,000 frames of a 50,000-label target (a 3.2 MB input) looped
#: for 106 s, and 10^6 frames would have taken about 40 minutes. Problems stay far below
#: (MAX_TRELLIS_CELLS).
ENGINE_MAX_CTC_CELLS = 10**10
ENGINE_MAX_CTC_GRAD_CELLS = 3 * 10**9
#: The engine's bound on ``elman_bptt`` / ``elman_bptt_trace`` for direct callers, in steps x
#: (H² + 10,000): a step of the forward and backward loops costs about 10 µs in Python plus
#: about 1 ns per H² (measured: H = 1, 9.7 µs a step; H = 64, 20 µs; H = 512, 289 µs), so the
#: limit is about a minute. Memory alone let 10^7 steps of one hidden unit run for 100 s (and
#: MAX_ARRAY_BYTES allows 2.7 x 10^8 of them).
ENGINE_MAX_BPTT_WORK = 5 * 10**10
#: Steps of ``discounted_returns``' backward loop (one numpy step each, about 1.1 µs): about a
#: minute. 10^7 rewards took 11 s; MAX_ARRAY_BYTES allows 2.7 x 10^8 (5 minutes).
ENGINE_MAX_RETURN_STEPS = 5 * 10**7
#: Lattice nodes T x (U+1) of an RNN-T problem: the alpha and beta recursions loop in Python
#: over anti-diagonals or rows, a few microseconds a node.
MAX_RNNT_NODES = 10**6
#: T x H² for kind bptt: the trace splits dW_hh by lag into T matrices of H x H float64
#: (80 MB at the limit).
MAX_BPTT_TRACE = 10**7
#: T² x H² for kind bptt: splitting dW_hh by lag carries every step's delta back through
#: every earlier step (about T²/2 products of a row by W_hh). Measured: 0.1-0.2 s at the
#: limit (T = 447, H = 100; T = 3000, H = 14), 8 s at 5x it (T = 1000, H = 100).
MAX_BPTT_LAG_WORK = 2 * 10**9
#: Numbers an answer key may give element by element (kind bptt's ``grads``, all matrices
#: together): each is a checked figure, a line of the result and a row of ``check``'s table,
#: so a key of a 1000 x 1000 W_hh printed 10^6 lines in minutes. A worked problem keys a
#: few small matrices.
MAX_KEY_FIGURES = 1_000

# ------------------------------------------------------------------ showing, continued
#: Derivation lines (steps) a result lays out before its tables, and again after them: the
#: first and last ones, with one line between saying how many are left out (the steps stay
#: whole in the Result). A solver writes a few dozen (17 in the longest shipped problem); one
#: that writes lines per episode of a batch (reinforce: a return per step and a baseline)
#: printed 3.7 MB for 2,000 episodes and ran for minutes on 10^5.
DERIVATION_MAX_STEPS = 60
