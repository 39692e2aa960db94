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
#: YAML nested deeper than this is refused: no problem kind nests more than a few levels, and
#: deeper trees cost recursion in the YAML composer and the validators.
MAX_NESTING = 64

# ------------------------------------------------------------------ computing
#: Bytes one engine array may take (float64 trellis, emissions, gradients); an input that
#: would need more is refused before anything is allocated. A quarter of this machine's memory.
MAX_ARRAY_BYTES = 2 * 2**30

# ------------------------------------------------------------------ showing
#: Rows and columns a table shows before it is windowed (first and last ones kept, an
#: elision marker between, and a note with the full size).
TABLE_MAX_ROWS = 60
TABLE_MAX_COLUMNS = 16
#: Alignments ``rnnloss ctc paths`` enumerates; above this it refuses (after a bounded count).
MAX_LISTED_PATHS = 10_000

# ------------------------------------------------------------------ teaching (vary, grade)
#: Variants one ``rnnloss vary`` run writes: each is solved by the engine and written as a
#: file, and a class of a few hundred students needs a few hundred; more is a typo.
MAX_VARIANTS = 10_000
#: Draws tried for one variant before giving up: a draw breaking a constraint (the target
#: must fit the frames) or the problem's own validation is drawn again, so a template whose
#: constraints can never hold stops instead of looping.
MAX_VARY_TRIES = 200
#: Longest random target a vary rule may draw: exact CTC over it is O(T x 2L) per variant and
#: a handout problem has a word, not a book.
MAX_VARY_LENGTH = 1_000
#: Rows of an answers CSV ``rnnloss grade`` reads: each row solves its problem once (cached)
#: and is kept in the report; a million answers is far beyond any class.
MAX_GRADE_ROWS = 1_000_000
