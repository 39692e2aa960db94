"""LaTeX (the subset our steps use) to presentation MathML, for the HTML pages.

Convention: :func:`to_mathml` returns one ``<math>`` element (MathML namespace, every text
through :func:`html.escape`), or None for anything outside the subset; it never raises, so a
page falls back to the step's plain text. The subset is what :func:`render.text.step_latex`
yields: the steps' own LaTeX (numbers, identifiers, operators, ``= \\approx \\times \\cdot``,
``\\frac``, ``^{}`` ``_{}``, ``\\sqrt``, ``\\ln \\log \\exp \\max``, ``\\sum``/``\\prod`` with
limits, ``\\left( \\right)``, ``\\text{}``, ``\\dots``, Greek letters, ``\\infty``, spacing,
primes) and, for steps with no LaTeX form, their plain text, whose Unicode maths (``α_t``,
``−``, ``·``, ``≥``, ``²``, ``ᵀ``) is read the same way and whose words become ``<mtext>``.

Plain-text reading differs from TeX in two places, both harmless for TeX input: an unbraced
script takes a whole letter or digit run (``W_hy``, ``y_12``), and whitespace between two
operands is kept as a thin space (``states 2 3 4``).
"""

from __future__ import annotations

import re
from html import escape

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
#: A step's LaTeX longer than this is broken before its top-level relations into several
#: ``<math>`` elements, so the browser can wrap it (MathML Core has no line breaking, and
#: Chromium ignores ``<mspace linebreak>``); a shorter one only after its list separators.
WRAP_AT = 70
#: A piece shorter than this is joined to the next one (no line holding a lone "T").
_MIN_PIECE = 20
#: A relation :func:`wrap_points` cuts before; a piece opening with one sets the relation's
#: own space before it, so the page joins it to the piece before with no space of its own.
RELATION = re.compile(r"=|\\approx\b|≈|≥|≤|\\ge\b|\\le\b|\\ne\b|≠")

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
#: Identifiers that are symbols (``<mi>``), by command.
_SYMBOLS = {
    **_GREEK, "infty": "∞", "partial": "∂", "nabla": "∇", "top": "⊤", "varnothing": "∅",
    "emptyset": "∅", "ell": "ℓ", "dots": "…", "ldots": "…", "cdots": "⋯",
}  # fmt: skip
#: Operators (``<mo>``), by command.
_OPERATORS = {
    "times": "×", "cdot": "⋅", "approx": "≈", "ne": "≠", "neq": "≠", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "to": "→", "rightarrow": "→", "leftarrow": "←", "in": "∈",
    "odot": "⊙", "pm": "±", "mid": "∣", "colon": ":", "lt": "<", "gt": ">", "sim": "∼",
    "propto": "∝", "{": "{", "}": "}", "|": "‖", "%": "%",
}  # fmt: skip
#: Large operators whose scripts are limits (``<munderover>``).
_LARGE = {"sum": "∑", "prod": "∏"}
#: Operator names set upright (``<mi>``), as TeX's ``\\ln`` and friends.
_FUNCTIONS = frozenset(
    "ln log exp max min arg argmax argmin tanh sinh cosh sin cos tan sigmoid softmax det".split()
)
#: Spacing commands, as widths.
_SPACES = {",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em", " ": "0.25em",
           "quad": "1em", "qquad": "2em"}  # fmt: skip
_ACCENTS = {"hat": "ˆ", "bar": "¯", "tilde": "~", "vec": "→", "dot": "˙"}
#: Text commands: their argument is shown as words.
_TEXT = frozenset({"text", "textrm", "mbox", "textit", "mathrm", "operatorname"})
#: \mathcal capitals as Unicode script letters (some sit in the Letterlike Symbols block).
_SCRIPT_HOLES = {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}
#: Unicode maths in plain-text steps.
_UNICODE_MI = set("αβγδεϵζηθικλμνξπρσςτυφϕχψωΓΔΘΛΞΦΨΩ∞∂∇∅ℓ…⊤")
_UNICODE_MO = {
    "−": "−", "·": "⋅", "×": "×", "≥": "≥", "≤": "≤", "≠": "≠", "≈": "≈", "⊙": "⊙",
    "→": "→", "∈": "∈", "‖": "‖", "±": "±", "∣": "∣",
}  # fmt: skip
_UNICODE_LARGE = {"Σ": "∑", "Π": "∏", "∑": "∑", "∏": "∏"}
_SUPERSCRIPTS = {"²": ("mn", "2"), "³": ("mn", "3"), "ᵀ": ("mi", "T"), "¹": ("mn", "1")}
_SUBSCRIPTS = {"ₜ": ("mi", "t"), "ᵢ": ("mi", "i"), "ₖ": ("mi", "k")}
_ASCII_MO = set("+=<>()[]|,;:/!?.")
_OPENING = ('<mo stretchy="false">(<', '<mo stretchy="false">[<')
_CLOSING = (">)</mo>", ">]</mo>")
_FENCES = set("()[]|‖{}")
#: A number, with its exponent when it has one ("5.49e-121" is one <mn>, not 5.49 e − 121).
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+(?![A-Za-z]))?")
_LETTERS = re.compile(r"[A-Za-z]+")
_QUOTED = re.compile(r"'[^' ]{1,3}'")
#: A word of prose (two or more lowercase letters not followed by a script or a call), and
#: the words after it: one ``<mtext>``.
_WORD = r"[a-z]{2,}(?![A-Za-z_^'(])"
#: A hyphenated word ("n-gram") is one word of the phrase, its hyphen no minus sign.
_PHRASE = re.compile(rf"{_WORD}(?:(?:[ ]+|-)[a-z]+(?![A-Za-z_^'(]))*")
#: Where an ASCII "-" is the CTC blank of a label string, not a minus sign: a "word" made of
#: capitals, digits, blanks and "…" only ("A-BB", "--", "AAAA--BB"), or a "-" standing alone
#: between such symbols, relations or the ends ("l' = - A - B -"). Before a digit it is a
#: minus ("-0.3", "T - 1"); next to a lowercase operand too ("(1-x)", "a - b").
_LABEL_WORD = re.compile(r"[A-Z0-9…-]*-[A-Z0-9…-]*")
_LABEL_BEFORE = set("=:,;([") | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ…-")
_LABEL_AFTER = set(",;()]") | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ…-")


_WORD_START = " \t,;:=()[]{}|_^"
#: A run of CTC labels in a plain-text step, whatever its symbols ("- A - B -",
#: "- s37 - gamma-ray - … s1 -", "- 1 - 2 -"): lone "-" alternating with symbols, after "=" or
#: ":" (checked by the parser), and ending in a lone "-" followed by nothing but the end, two
#: spaces or a closing mark. A "-" with no right operand is no minus, so every "-" of the run
#: is the blank and each symbol is one identifier.
_LABEL_RUN = re.compile(r"-(?:(?: +[^\s-]\S*)+ +-)+(?=$|  |[),;])")
#: A LaTeX command other than \\times (which plain-text steps' numbers bring: 8.61 \\times 10^{-9}).
_LATEX_COMMAND = re.compile(r"\\(?!times\b)[A-Za-z]+")
#: A command-line option in prose ("--show beta"): text, not two minus signs.
_OPTION = re.compile(r"--[a-z][a-z-]*")
#: A symbol spelt in angle brackets ("<b>", "<blank>", "<eps>"), standing alone between
#: parentheses, spaces or commas: one identifier, not "<", b, ">".
_ANGLED = re.compile(r"<[^\s<>(){}]+>(?=$|[\s),;])")


def _is_blank(s: str, i: int) -> bool:
    """Whether the ASCII "-" at ``s[i]`` spells the blank symbol (see ``_LABEL_WORD``)."""
    start = i
    while start and s[start - 1] not in _WORD_START:
        start -= 1
    word = _LABEL_WORD.match(s, start)
    end = word.end() if word else i
    if word and end > i and (end == len(s) or s[end] in " \t,;:=()]}|"):
        if start == i and end == i + 1:  # a lone "-": look at its neighbours
            before = s[:i].rstrip()[-1:] or "="
            after = s[i + 1 :].lstrip()[:1] or ")"
            return before in _LABEL_BEFORE and after in _LABEL_AFTER
        return not s[i + 1 : i + 2].isdigit()
    return False


#: A script that is a comparison with one letter or a number: "<i" of "l_<i".
_COMPARED = re.compile(r"([<>≤≥])([A-Za-z](?![A-Za-z])|\d+)")


class _Unsupported(Exception):
    """Raised inside the translator; :func:`to_mathml` turns it into None."""


def _tok(tag: str, text: str, attrs: str = "") -> str:
    return f"<{tag}{attrs}>{escape(text, quote=False)}</{tag}>"


def _mo(text: str, attrs: str = "") -> str:
    if text in _FENCES and "stretchy" not in attrs:
        attrs += ' stretchy="false"'  # TeX's plain ( ) do not grow; \left( does
    return _tok("mo", text, attrs)


def _mi(text: str) -> str:
    # one Greek capital is upright in TeX; MathML Core would italicise it
    if len(text) == 1 and text in "ΓΔΘΛΞΠΣΥΦΨΩ":
        return _tok("mi", text, ' mathvariant="normal"')
    return _tok("mi", text)


def _row(atoms: list[str]) -> str:
    return atoms[0] if len(atoms) == 1 else "<mrow>" + "".join(atoms) + "</mrow>"


def _space(width: str) -> str:
    return f'<mspace width="{width}"/>'


_OPERAND = ("mn", "mi", "ord", "mtext")


def _gap(prev_kind: str, prev: str, kind: str, atom: str, *, spaced: bool) -> str | None:
    """The space to put between two atoms, or None. TeX ignores source spaces; plain-text
    steps need them: between operands ("states 2 3 4"), around words, and before an opening
    parenthesis that follows an operand or a closing one ("= 2 (one frame ...)"). An
    operator name gets a thin space before its argument, as in TeX (``\\ln x``)."""
    if prev_kind == "space" or atom.startswith("<mtext>\u00a0") or prev.endswith("\u00a0</mtext>"):
        return None
    prose = "mtext" in (kind, prev_kind)
    if kind == "fn" and prev_kind in _OPERAND:  # y_i \\ln ...: TeX's space before an operator
        return "0.1667em"
    if kind in _OPERAND or prose:
        if prev_kind == "fn" and not prose:
            return "0.1667em"
        if spaced and (prev_kind in _OPERAND or prose):
            return "0.25em" if prose or kind == prev_kind == "mn" else "0.1667em"
    if spaced and atom.startswith(_OPENING) and (prev_kind in _OPERAND or prev.endswith(_CLOSING)):
        return "0.25em"
    return None


#: Text-mode escapes inside \\text{} (a file's symbol, as render.latex.latex_symbol writes it),
#: and the empty group that keeps "--" from becoming a dash.
_TEXT_ESCAPE = re.compile(
    r"\\(textbackslash|textasciitilde|textasciicircum|textasciigrave)\{\}|\\([&%#$_{} ])|\{\}"
)
_TEXT_ESCAPED = {
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textasciigrave": "`",
}


def _text_escapes(raw: str) -> str:
    """The characters a \\text{} argument stands for; any other markup is unsupported."""
    rest = _TEXT_ESCAPE.sub("", raw)
    if "\\" in rest or "$" in rest or "{" in rest or "}" in rest:
        raise _Unsupported("markup inside \\text")
    return _TEXT_ESCAPE.sub(lambda m: _TEXT_ESCAPED.get(m[1], m[2] or ""), raw)


_MINUS = "<mo>−</mo>"
#: A minus with nothing before it to subtract from ("= −0.196", "(−0.105)"): a sign, set
#: tight against its operand (an infix "−" gets the spaces of a subtraction: "( − 0.105)").
_PREFIX_MINUS = '<mo form="prefix">−</mo>'
_CLOSERS = tuple(f">{c}</mo>" for c in ")]|‖}")


def _prefix_position(atoms: list[str], kinds: list[str]) -> bool:
    """Whether a "−" after these atoms is a sign: first, or after an operator, a relation,
    an opening fence or a function name (spaces looked through), not after a closing one."""
    for atom, kind in zip(reversed(atoms), reversed(kinds), strict=True):
        if kind == "space":
            continue
        return kind in ("mo", "large", "fn") and not atom.endswith(_CLOSERS)
    return True


class _Parser:
    """Recursive descent over the LaTeX string; each method returns MathML strings."""

    def __init__(self, src: str, labels: bool | None = None) -> None:
        self.s = src
        self.i = 0
        self.scripts = 0  # how deep inside a script: no prose there (W_{hh} is two letters)
        # real LaTeX (a command besides the \\times a plain-text step's numbers bring) writes
        # a CTC symbol as \\text{}: its "-J" is a minus and J, not a label string
        self.labels = is_plain(src) if labels is None else labels
        self.runs = {  # label runs ("- A - B -"): start -> end
            m.start(): m.end()
            for m in _LABEL_RUN.finditer(src)
            if self.labels and src[: m.start()].rstrip()[-1:] in ("", "=", ":")
        }

    # ---------------------------------------------------------------- scanning
    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def skip_space(self) -> bool:
        start = self.i
        while self.i < len(self.s) and self.s[self.i] in " \t\n":
            self.i += 1
        return self.i > start

    def command_name(self) -> str:
        """The command after a backslash (letters, or one other character)."""
        self.i += 1  # the backslash
        m = _LETTERS.match(self.s, self.i)
        if m:
            self.i = m.end()
            return m.group(0)
        if self.i >= len(self.s):
            raise _Unsupported("a lone backslash")
        ch = self.s[self.i]
        self.i += 1
        return ch

    def braced_raw(self) -> str:
        """The raw text of a ``{...}`` argument (braces balanced), for \\text and friends."""
        self.skip_space()
        if self.peek() != "{":
            raise _Unsupported("expected {")
        depth, start = 0, self.i
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\":
                self.i += 2
                continue
            depth += ch == "{"
            depth -= ch == "}"
            self.i += 1
            if depth == 0:
                return self.s[start + 1 : self.i - 1]
        raise _Unsupported("unbalanced braces")

    # ---------------------------------------------------------------- grammar
    def sequence(self, stop: str = "") -> list[str]:
        """Atoms up to ``stop`` ("}" or a \\right), or the end; whitespace between two
        operands becomes a thin space (plain-text steps rely on it)."""
        atoms: list[str] = []
        kinds: list[str] = []
        while True:
            spaced = self.skip_space()
            ch = self.peek()
            if not ch:
                if stop:
                    raise _Unsupported(f"missing {stop}")
                break
            if stop == "}" and ch == "}":
                self.i += 1
                break
            if stop == "right" and self.s.startswith("\\right", self.i):
                break
            if ch == "}":
                raise _Unsupported("unbalanced }")
            atom, kind = self.scripted()
            if atom is None:
                continue
            if atom == _MINUS and _prefix_position(atoms, kinds):
                atom = _PREFIX_MINUS
            if kinds:
                gap = _gap(kinds[-1], atoms[-1], kind, atom, spaced=spaced)
                if gap:
                    atoms.append(_space(gap))
            atoms.append(atom)
            kinds.append(kind)
        return atoms

    def scripted(self) -> tuple[str | None, str]:
        """An atom with its scripts and primes: msub, msup, msubsup, munder(over)."""
        base, kind = self.atom()
        if base is None:
            return None, kind
        sub = sup = None
        primes = ""
        while True:
            ch = self.peek()
            if ch in ("_", "^"):
                self.i += 1
                arg = self.script_arg()
                if ch == "_":
                    if sub is not None:
                        raise _Unsupported("double subscript")
                    sub = arg
                else:
                    if sup is not None:
                        raise _Unsupported("double superscript")
                    sup = arg
            elif ch == "'":
                self.i += 1
                primes += "′"
            elif ch == "*" and kind != "mo":
                self.i += 1
                sup = _mo("∗")
            elif ch in _SUPERSCRIPTS and sup is None:
                self.i += 1
                sup = _tok(*_SUPERSCRIPTS[ch])
            elif ch in _SUBSCRIPTS and sub is None:
                self.i += 1
                sub = _tok(*_SUBSCRIPTS[ch])
            else:
                break
        if primes and sup is None:
            # the ′ glyph is already raised: as a superscript Chromium shrinks it to 70 % and
            # raises it again, a speck above the letter; written after the letter it sits as
            # TeX sets l' (a subscript then follows the prime: l′ₛ)
            base = _row([base, _mo(primes)])
        elif primes:
            sup = _row([_mo(primes), sup])
        if sub is None and sup is None:
            return base, kind
        large = kind == "large"
        if sub is not None and sup is not None:
            tag = "munderover" if large else "msubsup"
            return f"<{tag}>{base}{sub}{sup}</{tag}>", "mo" if large else "ord"
        tag = (
            ("munder" if sub is not None else "mover")
            if large
            else ("msub" if sub is not None else "msup")
        )
        return f"<{tag}>{base}{sub if sub is not None else sup}</{tag}>", ("mo" if large else "ord")

    def script_arg(self) -> str:
        """A script: a group, a command, a letter or digit run (plain-text steps), a char."""
        ch = self.peek()
        if not ch:
            raise _Unsupported("a script with nothing after it")
        if ch == "{":
            self.i += 1
            self.scripts += 1
            try:
                return _row(self.sequence("}") or ["<mrow/>"])
            finally:
                self.scripts -= 1
        if ch == "\\":
            atom, _ = self.atom()
            if atom is None:
                raise _Unsupported("empty script")
            return atom
        m = _COMPARED.match(self.s, self.i)
        if m:  # l_<i, l_≤t: the comparison and its operand, one subscript
            self.i = m.end()
            run = m.group(2)
            tag = "mn" if run.isdigit() else "mi"
            return _row([_mo(m.group(1)), _tok(tag, run) if tag == "mn" else _mi(run)])
        for pattern, tag in ((_LETTERS, "mi"), (re.compile(r"\d+"), "mn")):
            m = pattern.match(self.s, self.i)
            if m:
                self.i = m.end()
                text = m.group(0)
                if tag == "mi" and len(text) > 1 and text not in _FUNCTIONS:
                    return _row([_mi(c) for c in text])
                return _tok(tag, text)
        atom, _ = self.atom()
        if atom is None:
            raise _Unsupported("empty script")
        return atom

    def atom(self) -> tuple[str | None, str]:
        """One base: a token, a group, or a command with its arguments."""
        s, i = self.s, self.i
        ch = s[i]
        if ch == "{":
            self.i += 1
            return _row(self.sequence("}") or ["<mrow/>"]), "ord"
        if ch == "\\":
            return self.command()
        if i in self.runs and not self.scripts:  # "- s37 - gamma-ray -": blanks and symbols
            self.i = self.runs[i]
            names = [_tok("mi", name) for name in s[i : self.i].split()]
            return _row([x for name in names for x in (name, _space("0.25em"))][:-1]), "mi"
        m = _OPTION.match(s, i) if (i == 0 or s[i - 1] == " ") else None
        if m:  # --show beta: an option's name
            self.i = m.end()
            return _tok("mtext", m.group(0)), "mtext"
        m = _ANGLED.match(s, i) if (i == 0 or s[i - 1] in " (,") else None
        if m:  # y_1(<b>): a symbol's name
            self.i = m.end()
            return _tok("mi", m.group(0)), "mi"
        m = _NUMBER.match(s, i)
        if m:
            self.i = m.end()
            return _tok("mn", m.group(0)), "mn"
        m = None if self.scripts else _PHRASE.match(s, i)
        if m and m.group(0) not in _FUNCTIONS:
            self.i = m.end()
            return _tok("mtext", re.sub(" +", " ", m.group(0))), "mtext"
        m = _QUOTED.match(s, i)
        if m:  # a symbol quoted in prose: blank ∅ = '-'
            self.i = m.end()
            return _tok("mtext", m.group(0)), "mtext"
        m = _LETTERS.match(s, i)
        if m and m.group(0) in _FUNCTIONS:
            self.i = m.end()
            return _tok("mi", m.group(0)), "fn"
        m = _LABEL_WORD.match(s, i) if ch.isupper() and self.labels and not self.scripts else None
        if m and (i == 0 or s[i - 1] in _WORD_START) and _is_blank(s, s.index("-", i)):
            self.i = m.end()  # an alignment "A-BB": one identifier, as the tables write it
            return _tok("mi", m.group(0)), "mi"
        if ch.isascii() and ch.isalpha():
            self.i += 1
            return _mi(ch), "mi"
        blank = re.compile(r"-+(?=\))").match(s, i) if i and s[i - 1] == "(" else None
        if blank:  # y_1(-), B(--): the blank symbol, not a minus sign
            self.i = blank.end()
            return _tok("mi", blank.group(0)), "mi"
        if ch == "-" and self.labels and _is_blank(s, i):
            word = _LABEL_WORD.match(s, i)
            self.i = word.end() if word else i + 1
            return _tok("mi", s[i : self.i]), "mi"
        self.i += 1
        if ch == "-" or ch == "−":
            return _mo("−"), "mo"
        if ch == "|" and s[self.i : self.i + 1] == "|":  # ||o_t - y_t||: a norm
            self.i += 1
            return _mo("‖"), "mo"
        if ch == "+" and s[self.i : self.i + 1] == "=":  # p_b'(l) += ...
            self.i += 1
            return _mo(ch + "="), "mo"
        if ch in _ASCII_MO:
            return _mo(ch), "mo"
        if ch == "*":
            return _mo("∗"), "mo"
        if ch == "~":
            return _space("0.25em"), "space"
        if ch in _UNICODE_MI:
            return _mi(ch), "mi"
        if ch in _UNICODE_MO:
            return _mo(_UNICODE_MO[ch]), "mo"
        if ch in _UNICODE_LARGE:
            return _mo(_UNICODE_LARGE[ch]), "large"
        raise _Unsupported(f"character {ch!r}")

    def command(self) -> tuple[str | None, str]:
        name = self.command_name()
        if name in _SPACES:
            return _space(_SPACES[name]), "space"
        if name in ("!", "displaystyle", "textstyle", "limits", "nolimits"):
            return None, "space"  # negative or style-only: nothing to draw
        if name in _SYMBOLS:
            return _mi(_SYMBOLS[name]), "mi"
        if name in _OPERATORS:
            return _mo(_OPERATORS[name]), "mo"
        if name in _LARGE:
            return _mo(_LARGE[name]), "large"
        if name in _FUNCTIONS:
            return _tok("mi", name), "fn"
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self.argument(), self.argument()
            return f"<mfrac>{num}{den}</mfrac>", "ord"
        if name == "sqrt":
            self.skip_space()
            if self.peek() == "[":
                close = self.s.find("]", self.i)
                if close < 0:
                    raise _Unsupported("unclosed [")
                index = _row(_Parser(self.s[self.i + 1 : close]).sequence() or ["<mrow/>"])
                self.i = close + 1
                return f"<mroot>{self.argument()}{index}</mroot>", "ord"
            return f"<msqrt>{self.argument()}</msqrt>", "ord"
        if name in _ACCENTS:
            base = self.argument()
            accent = _mo(_ACCENTS[name], ' stretchy="false"')
            return f'<mover accent="true">{base}{accent}</mover>', "ord"
        if name in _TEXT:
            raw = _text_escapes(self.braced_raw())
            text = raw.replace(" ", "\u00a0") if raw.strip() != raw else raw
            if name in ("mathrm", "operatorname"):
                return _tok("mi", raw, ' mathvariant="normal"' if len(raw) == 1 else ""), "fn"
            return _tok("mtext", text), "mtext"
        if name == "mathcal":
            raw = self.braced_raw()
            if len(raw) != 1 or not ("A" <= raw <= "Z"):
                raise _Unsupported("\\mathcal of a non-capital")
            letter = _SCRIPT_HOLES.get(raw) or chr(0x1D49C + ord(raw) - ord("A"))
            return _tok("mi", letter), "mi"
        if name == "left":
            return self.fenced(), "ord"
        if name in ("bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl", "biggr"):
            delim = self.delimiter()
            return (_mo(delim, ' stretchy="false"') if delim else None), "mo"
        raise _Unsupported(f"command \\{name}")

    def argument(self) -> str:
        """A command's argument: a group or one token."""
        self.skip_space()
        if not self.peek():
            raise _Unsupported("missing argument")
        if self.peek() == "{":
            self.i += 1
            return _row(self.sequence("}") or ["<mrow/>"])
        atom, _ = self.atom()
        if atom is None:
            raise _Unsupported("empty argument")
        return atom

    def delimiter(self) -> str:
        """The delimiter after \\left, \\right or \\bigl ("" for the invisible ".")."""
        self.skip_space()
        ch = self.peek()
        if ch == "\\":
            name = self.command_name()
            table = {"{": "{", "}": "}", "|": "‖", "langle": "⟨", "rangle": "⟩"}
            if name not in table:
                raise _Unsupported(f"delimiter \\{name}")
            return table[name]
        if ch and ch in "()[]|.":
            self.i += 1
            return "" if ch == "." else ch
        raise _Unsupported("expected a delimiter")

    def fenced(self) -> str:
        """\\left( ... \\right): stretchy fences around an mrow."""
        opening = self.delimiter()
        inner = self.sequence("right")
        self.i += len("\\right")
        closing = self.delimiter()
        parts = [_mo(opening, ' fence="true" stretchy="true"')] if opening else []
        parts += inner
        parts += [_mo(closing, ' fence="true" stretchy="true"')] if closing else []
        return "<mrow>" + "".join(parts) + "</mrow>"


def is_plain(text: str) -> bool:
    """Whether ``text`` is a step's plain text (its LaTeX commands at most the \\times of its
    numbers), read with CTC label strings ("A-BB", "- A - B -"), not LaTeX."""
    return not _LATEX_COMMAND.search(text)


def to_mathml(
    latex: str, *, display: bool = False, namespace: bool = True, labels: bool | None = None
) -> str | None:
    """``<math>`` markup for ``latex``, or None when it uses something outside the subset.

    Args:
        latex: a step's LaTeX (or its plain text with Unicode maths).
        display: display style (``displaystyle="true"``: sums with limits above and below,
            full-size fractions) in an inline box, so the formula stays left-aligned.
        namespace: put ``xmlns`` on ``<math>`` (a standalone XML fragment); an HTML page
            leaves it out, as its SVG does, since the HTML parser sets it.
        labels: read CTC label strings ("-A", "- A - B -") as symbols; None: when ``latex``
            is plain text (:func:`is_plain`). A piece of a cut step passes its whole step's.

    Returns:
        The MathML, well-formed XML; None (never an exception) for unknown input.

    Example:
        >>> to_mathml(r"\\frac{a}{b}", namespace=False)
        '<math><mfrac><mi>a</mi><mi>b</mi></mfrac></math>'
    """
    try:
        atoms = _Parser(latex, labels).sequence()
    except (_Unsupported, RecursionError, IndexError):
        return None
    if not atoms:
        return None
    attrs = f' xmlns="{MATHML_NS}"' if namespace else ""
    attrs += ' displaystyle="true"' if display else ""
    return f"<math{attrs}>{''.join(atoms)}</math>"


def wrap_points(latex: str, limit: int = WRAP_AT) -> list[str]:
    """``latex`` cut into pieces, each its own ``<math>``, so that a narrow page wraps the
    line between them and a wide one keeps it whole.

    Longer than ``limit``: cut before each top-level relation (= \\approx ≈ ≥ ≤) and after
    each top-level ";", "," or ":" and a space; pieces shorter than ``_MIN_PIECE`` join the
    next one. At most ``limit``: cut only after a top-level ", " or "; ", so a list of items
    ("P(H) = 0.6, P(E) = 0.5, …") or of clauses ("P = …;  −ln P = …", ";\\quad" in LaTeX)
    wraps between its items, each item whole. Cuts only outside braces, brackets and
    parentheses.
    """
    short = len(latex) <= limit
    if short and not re.search(r"[;,] |[;,]\\", latex):
        return [latex]
    # pieces as spans of ``latex`` (start, end); what lies between two of them is the space
    # the separate <math> elements replace, and stays when they are joined again
    spans: list[tuple[int, int]] = []
    start, depth, i = 0, 0, 0
    # an item's end in LaTeX: "," or ";" then a space command ("P = …;\\quad −\\ln P = …")
    clause = re.compile(r"[;,]\\(?:(?:qquad|quad)(?![A-Za-z])|[;,: ])\s*")
    while i < len(latex):
        ch = latex[i]
        if ch == "\\" and latex.startswith(("\\left", "\\bigl", "\\Bigl"), i):
            depth += 1
        elif ch == "\\" and latex.startswith(("\\right", "\\bigr", "\\Bigr"), i):
            depth -= 1
        elif ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "\\" and i + 1 < len(latex) and latex[i + 1] in "{}":
            i += 2
            continue
        if depth == 0:
            m = RELATION.match(latex, i)
            prev = latex[i - 1] if i else ""
            if m and i > start and prev not in "<>!+" and not short:
                spans.append((start, i))
                start = i
                i = m.end()
                continue
            if ch in (";," if short else ";,:") and latex[i + 1 : i + 2] == " ":
                spans.append((start, i + 1))
                start = i + 1
            elif c := clause.match(latex, i):
                spans.append((start, i + 1))
                start = i = c.end()
                continue
        i += 2 if ch == "\\" else 1
    spans.append((start, len(latex)))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and len(latex[slice(*merged[-1])].strip()) < _MIN_PIECE and not short:
            merged[-1] = (merged[-1][0], b)
        elif latex[a:b].strip():
            merged.append((a, b))
    return [latex[a:b].strip() for a, b in merged]


#: A step's maths as html.py writes it: a ``<span role="math">`` whose ``aria-label`` is the
#: step's plain text, around its ``<math>`` pieces; and a lone ``<math>`` whose ``alttext`` is.
_MATH_SPAN = re.compile(
    r'<span([^>]*?) role="math" aria-label="([^"]*)"([^>]*)>((?:\s*<math\b.*?</math>)+)\s*</span>',
    re.S,
)
_LONE_MATH = re.compile(r'<math\b[^>]*?\balttext="([^"]*)"[^>]*>.*?</math>', re.S)


def maths_as_text(html: str) -> str:
    """``html`` with its MathML written as the plain text it stands for.

    JupyterLab's sanitizer (a notebook it does not trust) drops ``<math>`` and its children's
    tags but keeps their text, run together: (1/n) Σ_i max(0, 1 − y_i ŷ_i) read "1n∑imax(0,1−yiyˆi)"
    and (0.2 + 0.5 + 0.7) / 3 read "0.2+0.5+0.73". Each maths span becomes its ``aria-label``
    (the step's plain text) and each lone ``<math>`` its ``alttext``, both already escaped."""
    html = _MATH_SPAN.sub(lambda m: f"<span{m[1]}{m[3]}>{m[2]}</span>", html)
    return _LONE_MATH.sub(lambda m: f"<span>{m[1]}</span>", html)
