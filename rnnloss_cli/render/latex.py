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
#: ASCII that TeX's maths reads as itself (everything else in a symbol goes in \text{}).
_MATH_SAFE = re.compile(r"[A-Za-z0-9+\-*/.,:;!?'()\[\]<>=|@ ]*")
#: TeX specials with no meaning in the renderers' maths (an unescaped one ends the line, or
#: the table cell, or the math): escaped wherever they turn up there.
_MATH_SPECIAL = re.compile(r"(?<!\\)([&%#$])")


def latex_text(s: str) -> str:
    """Escape free text for LaTeX's text mode; runs of maths symbols become one ``$...$``."""
    out: list[str] = []
    math: list[str] = []
    for ch in str(s):
        if ch in UNICODE_MATH:
            math.append(UNICODE_MATH[ch])
            continue
        if math:
            out.append("$" + "".join(math).strip() + "$")
            math = []
        if ch == "-" and out and out[-1] == "-":
            out.append("{}")  # "--" would be set as an en dash: --reduction stays as typed
        out.append(UNICODE_TEXT.get(ch, ch))
    if math:
        out.append("$" + "".join(math).strip() + "$")
    return "".join(out)


#: A subscripted name (one or two letters) in a title or label, e.g. ``y_t(k)``, ``α_2(4)``,
#: ``l'_s``, ``dW_hh``, ``Σ_t``; identifiers such as ``greedy_prob`` stay text. Only letters,
#: digits and + − , . ' (one one-character subscript inside the parentheses: y_t(l'_s)) may
#: follow: a title is the problem file's text, and a backslash,
#: brace or TeX special from it must stay escaped text (``y_{\input{…}}``), never maths.
_SUBSCRIPTED = re.compile(
    r"(?<![\w\\])([A-Za-z\u03b1-\u03c9ŷΣΠ]{1,2}'?_(?:\{[A-Za-z0-9+\-−, ]*\}|[A-Za-z0-9]+)"
    r"(?:\((?:[A-Za-z0-9+\-−,.'\u03b1-\u03c9]|_[A-Za-z0-9](?![A-Za-z0-9_]))*\))?)"
)


def latex_title(s: str) -> str:
    r"""Free text (a title, a step's label) whose subscripted names are set as maths:
    ``emissions y_t(k)`` -> ``emissions $y_t(k)$`` (latex_text alone would print ``y\_t(k)``);
    neighbouring maths runs are joined into one."""
    parts, last = [], 0
    for m in _SUBSCRIPTED.finditer(str(s)):
        parts.append(latex_text(s[last : m.start()]))
        name = re.sub(r"_([A-Za-z0-9]{2,})", r"_{\1}", m.group(1))  # W_hy: W_{hy}
        parts.append("$" + latex_math(name) + "$")
        last = m.end()
    parts.append(latex_text(str(s)[last:]))
    return re.sub(r"(?<!\\)\$\$", " ", "".join(parts))


def latex_math(s: str) -> str:
    """A step's maths for LaTeX's math mode: the renderers' Unicode as commands, any
    unescaped ``& % # $`` escaped, any other non-ASCII character in ``\\text{}``."""
    s = _MATH_SPECIAL.sub(r"\\\1", s)
    return "".join(
        UNICODE_MATH.get(ch, ch if ch.isascii() else r"\text{" + latex_text(ch) + "}") for ch in s
    )


def latex_symbol(s: str) -> str:
    """A symbol from a problem file, placed in maths: as it is when TeX's maths reads it as
    itself (``A``, ``-``, ``12``, or one of the renderers' maths characters), otherwise
    ``\\text{...}`` with text-mode escapes (``_`` -> ``\\text{\\_}``)."""
    s = str(s)
    if _MATH_SAFE.fullmatch(s) or (s and all(ch in UNICODE_MATH for ch in s)):
        return s
    text = "".join(
        r"\ensuremath{" + UNICODE_MATH[ch].strip() + "}" if ch in UNICODE_MATH else latex_text(ch)
        for ch in s
    )
    return r"\text{" + re.sub(r"-(?=-)", "-{}", text) + "}"


def fold(s: str) -> str:
    """Whitespace runs (newlines, blank lines) as single spaces: a title or heading is one
    line in every format (a blank line inside ``\\section{}`` is an error)."""
    return " ".join(str(s).split())
