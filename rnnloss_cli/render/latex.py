"""LaTeX escaping shared by every LaTeX output: free text, maths, and symbols from a file.

Three contexts, one function each:

- :func:`latex_text`: free text (titles, sources, notes, labels, table cells) in text mode.
  TeX's specials become their text-mode escapes (``\\&``, ``\\textbackslash{}``, ...), ``--``
  stays two hyphens (not an en dash), and the maths symbols the renderers use become inline
  math (``$\\alpha$``).
- :func:`latex_math`: a step's maths (its LaTeX form, or its plain text read as maths): the
  renderers' Unicode becomes math-mode commands (``ᵀ`` -> ``^{\\top}``, ``∅`` -> ``\\emptyset``).
- :func:`latex_symbol`: a symbol from a problem file (a CTC label, a class name) placed inside
  maths: left as it is when TeX reads it as itself, else ``\\text{...}`` with text-mode
  escapes, so ``y_1(&)`` is set as ``y_1(\\text{\\&})`` and a blank written ``_`` stays visible.

Every non-ASCII character the renderers emit has an entry in :data:`UNICODE_MATH` or
:data:`UNICODE_TEXT`, so a sheet compiles with plain pdflatex (utf8 inputenc, T1 fontenc).
"""

from __future__ import annotations

import re

#: Unicode the renderers use, as LaTeX math.
UNICODE_MATH = {
    "ŷ": r"\hat{y}",
    "−": "-",
    "×": r"\times ",
    "·": r"\cdot ",
    "±": r"\pm ",
    "²": "^{2}",
    "³": "^{3}",
    "¹": "^{1}",
    "ᵀ": r"^{\top}",
    "ₜ": "_t",
    "ᵢ": "_i",
    "ₖ": "_k",
    "₁": "_1",
    "₂": "_2",
    "Σ": r"\sum ",
    "∑": r"\sum ",
    "Π": r"\prod ",
    "∏": r"\prod ",
    "∂": r"\partial ",
    "∇": r"\nabla ",
    "≈": r"\approx ",
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\ne ",
    "∞": r"\infty ",
    "→": r"\to ",
    "←": r"\leftarrow ",
    "∈": r"\in ",
    "∅": r"\emptyset ",
    "⊙": r"\odot ",
    "⊤": r"\top ",
    "‖": r"\| ",
    "∣": r"\mid ",
    "√": r"\surd ",
    "…": r"\dots ",
    "⋯": r"\cdots ",
    "†": r"\dagger ",
    "ℓ": r"\ell ",
    "µ": r"\mu ",
    "α": r"\alpha ",
    "β": r"\beta ",
    "γ": r"\gamma ",
    "δ": r"\delta ",
    "ε": r"\varepsilon ",
    "ϵ": r"\epsilon ",
    "ζ": r"\zeta ",
    "η": r"\eta ",
    "θ": r"\theta ",
    "ϑ": r"\vartheta ",
    "ι": r"\iota ",
    "κ": r"\kappa ",
    "λ": r"\lambda ",
    "μ": r"\mu ",
    "ν": r"\nu ",
    "ξ": r"\xi ",
    "π": r"\pi ",
    "ρ": r"\rho ",
    "σ": r"\sigma ",
    "ς": r"\varsigma ",
    "τ": r"\tau ",
    "υ": r"\upsilon ",
    "φ": r"\varphi ",
    "ϕ": r"\phi ",
    "χ": r"\chi ",
    "ψ": r"\psi ",
    "ω": r"\omega ",
    "Γ": r"\Gamma ",
    "Δ": r"\Delta ",
    "Θ": r"\Theta ",
    "Λ": r"\Lambda ",
    "Ξ": r"\Xi ",
    "Υ": r"\Upsilon ",
    "Φ": r"\Phi ",
    "Ψ": r"\Psi ",
    "Ω": r"\Omega ",
}
#: Text-mode escapes: TeX's specials, typographic punctuation, and marks with no LaTeX form.
UNICODE_TEXT = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "`": r"\textasciigrave{}",
    "—": "---",
    "–": "--",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "\u00a0": "~",
    "⚠": "",
    "✓": "",
    "✗": "",
}
#: ASCII that TeX's maths reads as itself, as a symbol of one character (``-``, ``+``).
_MATH_SAFE = re.compile(r"[A-Za-z0-9+\-*/.,:;!?'()\[\]<>=|@ ]")
#: A longer symbol maths reads as itself: letters and digits (``AB``, ``c1``, ``12``). Any
#: other (``<eos>``, ``a b``, ``x</text><script>``) is text: maths would space its signs as
#: operators ("x < / text >") and drop its spaces.
_MATH_WORD = re.compile(r"[A-Za-z0-9]+")
#: TeX specials with no meaning in the renderers' maths (an unescaped one ends the line, or
#: the table cell, or the math): escaped wherever they turn up there.
_MATH_SPECIAL = re.compile(r"(?<!\\)([&%#$])")


#: Characters of a word (no space) after which TeX may break the line inside it: a title,
#: source or given with no space for 150 characters ran up to 960 pt off the page, and a
#: 30-letter target half a line wide pushed its line 69 pt out. Never between two characters
#: of a number (:data:`NUMBER_CHARS`): a number is never split.
LONG_WORD_CHARS = 16
NUMBER_CHARS = frozenset("0123456789.eE+-")
#: A place a line may break inside a word, the line before it then ragged (the fil glue ends
#: it; unbroken, the two glues cancel): a word has no spaces to stretch, so a plain
#: \allowbreak still left lines overfull. \relax ends the glue before a letter ("fil" + "l").
WORD_BREAK = r"\hskip0pt plus1fil\penalty0\hskip0pt plus-1fil\relax{}"


def latex_text(s: str) -> str:
    """Escape free text for LaTeX's text mode; runs of maths symbols become one ``$...$``;
    a word longer than :data:`LONG_WORD_CHARS` may break every that many characters."""
    out: list[str] = []
    math: list[str] = []
    run = 0  # characters of the current word since its start or its last break
    for i, ch in enumerate(str(s)):
        if ch in UNICODE_MATH:
            math.append(UNICODE_MATH[ch])
            run = 0
            continue
        if math:
            out.append("$" + "".join(math).strip() + "$")
            math = []
        prev = str(s)[i - 1] if i else " "
        run = 0 if ch.isspace() else run + 1
        if run > LONG_WORD_CHARS and not (ch in NUMBER_CHARS and prev in NUMBER_CHARS):
            out.append(WORD_BREAK)
            run = 1
        if ch == "-" and out and out[-1] == "-":
            out.append("{}")  # "--" would be set as an en dash: --reduction stays as typed
        out.append(UNICODE_TEXT.get(ch, ch))
    if math:
        out.append("$" + "".join(math).strip() + "$")
    return "".join(out)


#: A subscripted name (one or two letters) in a title or label, e.g. ``y_t(k)``, ``α_2(4)``,
#: ``l'_s``, ``dW_hh``, ``Σ_t``, ``l_<i`` (a comparison with a letter or number, one
#: subscript); identifiers such as ``greedy_prob`` stay text. Only letters,
#: digits and + − , . ' (one one-character subscript inside the parentheses: y_t(l'_s)) may
#: follow: a title is the problem file's text, and a backslash,
#: brace or TeX special from it must stay escaped text (``y_{\input{…}}``), never maths.
_SUBSCRIPTED = re.compile(
    r"(?<![\w\\])([A-Za-z\u03b1-\u03c9ŷΣΠ]{1,2}'?_(?:\{[A-Za-z0-9+\-−, ]*\}|[A-Za-z0-9]+"
    r"|[<>≤≥][A-Za-z0-9]+)"
    r"(?:\((?:[A-Za-z0-9+\-−,.'\u03b1-\u03c9]|_[A-Za-z0-9](?![A-Za-z0-9_]))*\))?)"
)


#: A lowercase identifier in prose (a field or figure name: ``lm_weight``, ``log_base``,
#: ``zero_infinity``): words joined by "_", one of them 3 characters or more. Set as text
#: with its underscores escaped, as ``greedy_prob`` always was; as a subscripted name
#: ``lm_weight`` came out ``$lm_{weight}$``. Short parts (``p_nb``, ``y_t(k)``, ``b_h``) are
#: maths; so is any name with a capital (``W_hh``, ``P_LM``).
_IDENTIFIER = re.compile(r"(?<![\w\\.'])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w(])")


def _is_identifier(word: str) -> bool:
    return any(len(part) >= 3 for part in word.split("_"))


def latex_title(s: str) -> str:
    r"""Free text (a title, a step's label) whose subscripted names are set as maths:
    ``emissions y_t(k)`` -> ``emissions $y_t(k)$`` (latex_text alone would print ``y\_t(k)``);
    neighbouring maths runs are joined into one. Identifiers (:data:`_IDENTIFIER`) stay text:
    ``λ = lm_weight`` -> ``$\lambda$ = lm\_weight``."""
    text = "".join(latex_text(t) if m is None else f"${m}$" for t, m in name_pieces(str(s)))
    return re.sub(r"(?<!\\)\$\$", " ", text)


def name_pieces(s: str) -> list[tuple[str, str | None]]:
    """``s`` cut into its subscripted names (:data:`_SUBSCRIPTED`) and the text between:
    ``(text, None)`` or ``(name, its maths in LaTeX)``, e.g. ``h_{t−1} W_hh`` ->
    ``[("", None), ("h_{t−1}", "h_{t-1}"), (" ", None), ("W_hh", "W_{hh}"), ("", None)]``.
    Identifiers (:data:`_IDENTIFIER`, ``lm_weight``) are text. Every format that sets
    maths (LaTeX, Markdown's ``$…$``) sets a name from this one list."""
    out: list[tuple[str, str | None]] = []
    last = 0
    for m in _IDENTIFIER.finditer(s):
        if _is_identifier(m.group()):
            out += _name_pieces(s[last : m.start()])
            out.append((m.group(), None))
            last = m.end()
    return out + _name_pieces(s[last:])


def _name_pieces(s: str) -> list[tuple[str, str | None]]:
    """Free text cut at its subscripted names (:data:`_SUBSCRIPTED`), no identifiers in it."""
    out: list[tuple[str, str | None]] = []
    last = 0
    for m in _SUBSCRIPTED.finditer(s):
        out.append((s[last : m.start()], None))
        name = re.sub(r"_([A-Za-z0-9]{2,})", r"_{\1}", m.group(1))  # W_hy: W_{hy}
        name = re.sub(r"_([<>≤≥][A-Za-z0-9]+)", r"_{\1}", name)  # l_<i: l_{<i}
        out.append((m.group(1), latex_math(name)))
        last = m.end()
    out.append((s[last:], None))
    return out


def latex_math(s: str) -> str:
    """A step's maths for LaTeX's math mode: the renderers' Unicode as commands, any
    unescaped ``& % # $`` escaped, any other non-ASCII character in ``\\text{}``."""
    s = _MATH_SPECIAL.sub(r"\\\1", s)
    return "".join(
        UNICODE_MATH.get(ch, ch if ch.isascii() else r"\text{" + latex_text(ch) + "}") for ch in s
    )


#: Function names a plain-text step writes as words ("−ln 0.56", "tanh(0.5)"): set upright,
#: as TeX's operators (maths read "ln p" as the product l·n·p, in italics).
_PLAIN_FUNCTIONS = re.compile(r"(?<![\\A-Za-z])(ln|log|exp|tanh|max|min|argmax)(?![A-Za-z])")
#: A star after a name ("l*", "π*": the best labelling, path): a superscript, not the binary
#: operator TeX's maths makes of a bare "*" ("l ∗ |x").
_POSTFIX_STAR = re.compile(r"(?<=[A-Za-z\u03b1-\u03c9])\*(?![A-Za-z0-9(])")
#: A name's subscript of two characters or more ("p_nb", "W_hh", "β_60", "l'_12"): braced in
#: maths (TeX subscripts one character: \beta _60 is β_6 then 0).
_LONG_SUBSCRIPT = re.compile(r"(?<=[A-Za-z\u03b1-\u03c9ŷΣΠ'])_([A-Za-z0-9]{2,})")


def plain_math(s: str) -> str:
    """A step's plain text (it has no LaTeX form) for math mode: :func:`latex_math`, its
    function names upright (``ln 0.56`` -> ``\\ln 0.56``, ``argmax`` ->
    ``\\operatorname{argmax}``), a starred name starred (``l*`` -> ``l^{*}``) and a subscript
    of two characters or more braced (``p_nb`` -> ``p_{nb}``, as :func:`name_pieces` sets it
    in text; maths reads ``p_nb`` as p_n times b). A text holding ``\\text{`` (a file's
    symbol, :func:`latex_symbol`) is only :func:`latex_math`: its words are the file's, never
    operators."""
    if r"\text{" not in s:
        s = _POSTFIX_STAR.sub("^{*}", s)
        s = _LONG_SUBSCRIPT.sub(r"_{\1}", s)
        s = _PLAIN_FUNCTIONS.sub(
            lambda m: r"\operatorname{argmax}" if m[1] == "argmax" else f"\\{m[1]}", s
        )
    return latex_math(s)


def latex_symbol(s: str) -> str:
    """A symbol from a problem file, placed in maths: as it is when TeX's maths reads it as
    itself (``A``, ``-``, ``12``, ``AB``, or the renderers' maths characters), otherwise
    ``\\text{...}`` with text-mode escapes (``_`` -> ``\\text{\\_}``, ``<eos>`` ->
    ``\\text{<eos>}``: text, not two relations around a word)."""
    s = str(s)
    if _MATH_SAFE.fullmatch(s) or _MATH_WORD.fullmatch(s):
        return s
    if s and all(ch in UNICODE_MATH for ch in s):
        return s
    text = "".join(
        r"\ensuremath{" + UNICODE_MATH[ch].strip() + "}" if ch in UNICODE_MATH else latex_text(ch)
        for ch in s
    )
    return r"\text{" + re.sub(r"-(?=-)", "-{}", text) + "}"


#: A formula's closing words in parentheses, each after a \\quad: "\\quad \\text{(reduction:
#: mean)}". A page sets them as text after the maths and a LaTeX sheet as a line under its
#: display, so the maths keep their length (and a display its width); markdown keeps them in.
_CLOSING = re.compile(r"(?:\s*\\quad\s*\\text\{\([^{}]*\)\})+\s*$")
TEXT_GROUP = re.compile(r"\\text\{([^{}]*)\}")


def closing_words(latex: str) -> tuple[str, str | None]:
    """(``latex`` without its closing words, those words as LaTeX text, or None)."""
    m = _CLOSING.search(latex)
    if m is None:
        return latex, None
    return latex[: m.start()], " ".join(TEXT_GROUP.findall(m.group(0)))


#: A table cell that is a formula with subscripts (BPTT's "W_hh = Σ_t h_{t−1}ᵀ δ_t"): its
#: names are set as maths (:func:`name_pieces`), as in a title; other cells (a file's
#: symbols, words) are text as written.
FORMULA_CELL = re.compile(r"_.*\s=\s|\s=\s.*_")


def fold(s: str) -> str:
    """Whitespace runs (newlines, blank lines) as single spaces: a title or heading is one
    line in every format (a blank line inside ``\\section{}`` is an error)."""
    return " ".join(str(s).split())


#: Non-ASCII characters pdflatex sets with the sheet's preamble (utf8 inputenc, T1 fontenc):
#: those LaTeX's t1enc, ts1enc, ot1enc and omsenc.dfu declare (TeX Live 2022), as code point
#: ranges; a test compiles every one. Any other (😀, 日, Ж) stopped pdflatex: "Unicode
#: character 😀 (U+1F600) not set up for use with LaTeX".
_PDFLATEX_RANGES = (
    "00A0-0125 0128-0137 0139-013E 0141-0148 014A-0165 0168-017E 0192 01C4-01D4 01E2-01E3 "
    "01E6-01EB 01F0 01F4-01F5 0218-021B 0232-0233 0237 02C7 02D8-02D9 02DB 02DD 0E3F "
    "1E02-1E03 1E0D 1E1E-1E21 1E25 1E30-1E31 1E37 1E43 1E45 1E47 1E5B 1E63 1E6D 1E8E-1E91 "
    "1E9E 1EF2-1EF3 200C 2010-2016 2018-201A 201C-201E 2020-2022 2030-2031 2039-203B 203D "
    "2044 204E 2052 20A1 20A4 20A6 20A9 20AB-20AC 20B1 2103 2116-2117 211E 2120 2122 "
    "2126-2127 212E 2190-2193 2329-232A 2422-2423 25E6 25EF 266A 27E8-27E9 3008-3009 "
    "FB00-FB06 FEFF"
)
PDFLATEX_TEXT = frozenset(
    chr(c)
    for r in _PDFLATEX_RANGES.split()
    for lo, _, hi in [r.partition("-")]
    for c in range(int(lo, 16), int(hi or lo, 16) + 1)
)
#: How many of the characters pdflatex lacks the preamble's comment names.
NAMED_LACKING = 5


def pdflatex_lacks(text: str) -> list[str]:
    """The non-ASCII characters of ``text`` pdflatex cannot set (:data:`PDFLATEX_TEXT`), each
    once, in the order they first appear."""
    return [ch for ch in dict.fromkeys(text) if not ch.isascii() and ch not in PDFLATEX_TEXT]


def font_preamble(lacking: list[str]) -> list[str]:
    r"""The preamble's input and font lines: utf8 inputenc and T1 fontenc, which pdflatex,
    lualatex and xelatex all read.

    When the document holds characters pdflatex has no glyph for (``lacking``, from
    :func:`pdflatex_lacks`), a comment names them and pdflatex prints each as its code
    (``\DeclareUnicodeCharacter{1F600}{\textsf{U+1F600}}``, as a control character is
    shown), so the file still compiles; lualatex and xelatex are left the characters
    themselves, for a main font that has them (``fontspec``'s ``\setmainfont``). Loading
    fontspec here would stop lualatex where luaotfload is not installed, and its default
    Latin Modern has no CJK or emoji either."""
    out = [r"\usepackage[utf8]{inputenc}", r"\usepackage[T1]{fontenc}"]
    if not lacking:
        return out
    named = ", ".join(f"{ch} U+{ord(ch):04X}" for ch in lacking[:NAMED_LACKING])
    more = len(lacking) - NAMED_LACKING
    named += f" and {more} more" if more > 0 else ""
    return [
        "% pdflatex has no glyph for these characters and prints their codes:",
        f"% {named}.",
        "% To see them, run lualatex or xelatex with a font that has them: add",
        r"% \usepackage{fontspec} \setmainfont{...} after these lines.",
        *out,
        r"\usepackage{iftex}",
        r"\ifPDFTeX",
        *(
            rf"  \DeclareUnicodeCharacter{{{ord(ch):04X}}}{{\textsf{{U+{ord(ch):04X}}}}}"
            for ch in lacking
        ),
        r"\fi",
    ]
