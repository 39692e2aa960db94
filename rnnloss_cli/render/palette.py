"""What the SVG figures and the terminal heat map share, in a module cheap to import.

The rich renderer (every terminal command) needs these two constants for ``--show heatmap``;
they live here so that it does not import the SVG module.
"""

#: Viridis (matplotlib's default sequential map, designed to be perceptually uniform and
#: readable with the common colour-vision deficiencies), 9 stops from low to high.
VIRIDIS = (
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
)
#: The title prefix the CTC solver gives its forward trellis table.
ALPHA_TITLE = "forward trellis α"
#: The start of the titles of ``ctc align``'s Viterbi table and its given probabilities.
VITERBI_TITLE = "Viterbi table δ_t(s)"
GIVEN_PROBABILITIES_TITLE = "given: per-frame probabilities y_t(k)"
#: Every drawing's first shape: a white plate under the whole SVG. Its texts are black; on a
#: page a reader's dark theme, Chromium's automatic dark mode or a dark-reader extension has
#: darkened, they would otherwise sit black on near-black (those darken the page's
#: backgrounds but not an SVG's text). The page's own dark theme keeps the plate too.
PLATE = '<rect class="plate" width="100%" height="100%" fill="#fff"/>'
