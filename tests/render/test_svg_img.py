"""A drawing as an ``<img>`` of itself (:func:`render.svg.svg_as_img`), and formulas as their
plain text (:func:`render.mathml.maths_as_text`): what a notebook stores so that JupyterLab's
sanitizer, which drops <svg> and <math> from an untrusted output, leaves them readable."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import rnnloss_cli
from rnnloss_cli.render.html import render_html
from rnnloss_cli.render.mathml import maths_as_text
from rnnloss_cli.render.svg import drawings_as_images, svg_as_img

SVG = "{http://www.w3.org/2000/svg}"


def _decoded(img: str) -> str:
    (source,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', img)
    return base64.b64decode(source).decode("utf-8")


def test_an_inline_drawing_becomes_an_image_of_the_same_svg_document():
    # inline SVG as a page writes it: no namespace (HTML gives it one), a title with an
    # escaped "&" and a non-ASCII α, which must survive base64 of the UTF-8 bytes
    inline = (
        '<svg role="img" class="trellis" style="--w: 120px" width="120" height="80" '
        'viewBox="0 0 120 80"><title>α &amp; β</title><desc>two cells</desc>'
        '<rect width="10" height="10" fill="#440154"/></svg>'
    )
    img = svg_as_img(inline)
    assert img.startswith("<img ") and "<svg" not in img
    assert ' width="120" height="80"' in img
    assert 'alt="α &amp; β: two cells"' in img  # escaped once, as the title was
    root = ET.fromstring(_decoded(img))  # a whole XML document, namespace on its root
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "α & β"
    assert root.find(f"{SVG}rect").get("fill") == "#440154"


def test_every_drawing_of_a_page_becomes_an_image_and_nothing_else_changes():
    # problems/ctc-exact-ab.yaml draws two pictures: the α trellis and the emission matrix
    page = render_html([rnnloss_cli.solve_file("problems/ctc-exact-ab.yaml")])
    drawings = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(drawings) == 2
    out = drawings_as_images(page)
    assert "<svg" not in out and out.count('src="data:image/svg+xml;base64,') == 2
    # the rest of the page is left as it was
    assert re.sub(r"<img [^>]*/>", "", out) == re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S)


def test_maths_become_their_plain_text():
    # a step as html.py writes it (a span whose aria-label is the plain text, around two
    # <math> pieces), and a lone <math> whose alttext is its plain text
    html = (
        '<div class="formula"><span class="cut" role="math" aria-label="x = 1 &gt; 0">'
        '<math alttext="x = 1" aria-hidden="true"><mi>x</mi><mo>=</mo><mn>1</mn></math>'
        '<math alttext="&gt; 0" aria-hidden="true"><mo>&gt;</mo><mn>0</mn></math></span></div>'
        '<p>mean: <math alttext="(0.2 + 0.5 + 0.7) / 3 = 0.467"><mfrac><mrow><mn>0.2</mn>'
        "<mo>+</mo><mn>0.5</mn><mo>+</mo><mn>0.7</mn></mrow><mn>3</mn></mfrac><mo>=</mo>"
        "<mn>0.467</mn></math></p>"
    )
    out = maths_as_text(html)
    assert "<math" not in out and "role=" not in out
    assert '<span class="cut">x = 1 &gt; 0</span>' in out
    # by hand: (0.2 + 0.5 + 0.7) / 3 = 1.4 / 3 = 0.467, as words, not run together ("0.73")
    assert "<span>(0.2 + 0.5 + 0.7) / 3 = 0.467</span>" in out


def test_a_whole_page_keeps_no_maths():
    page = render_html([rnnloss_cli.solve_file("problems/hello.yaml")])
    assert page.count("<math") > 10
    out = maths_as_text(page)
    assert "<math" not in out
    # the handout's given probabilities, read as its plain text
    assert "y_t(H) = 0.6, y_t(E) = 0.5, y_t(L) = 0.7, y_t(O) = 0.8, y_t(-) = 0.2" in out
