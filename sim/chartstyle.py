"""How every chart looks: one colour-blind-safe palette and the words for each measure.

The colours are Okabe and Ito's eight (2008), told apart by readers with any common colour
vision deficiency, and greys; heatmaps use a perceptually uniform colour map that such readers
see in order too.  Each role on a chart (the projection, the opponent, a threshold, a reporter,
a posture, a verdict, a value past the run's end, a parameter's low and high ends) takes its
colour from here and nowhere else, so that a colour means the same thing on every chart of the
package: the model's projection is blue wherever it is drawn (a run's fan chart, a calibration's
posterior band, a sweep's points), a verdict has its colour on the claims chart and the
break-even chart alike.  ``tests/test_palette.py`` fails on a colour written anywhere else.  A
measure's axis label and title words are here too.
"""

from __future__ import annotations

#: The Okabe-Ito palette.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"
#: White, and greys beyond the palette's own: dark for marks that must stand out without a
#: colour, light for what lies behind (a swept range, a cell with no value).
WHITE = "#FFFFFF"
DARK_GREY = "#333333"
LIGHT_GREY = "#E6E6E6"

#: The projection of the force: its median and bands.
MODEL = BLUE
#: The projection of the opponent.
OPPONENT = ORANGE
#: Single sample runs.
SAMPLE = "#555555"
#: Units arriving and leaving (told apart by their line styles, not by colour).
EVENT = DARK_GREY
#: Reports set apart on a chart (held-out reports scored against the projection).
HELD_OUT = VERMILLION
#: Other reports shown for context.
SEEN = GREY

#: Thresholds, in the order the scenario lists them.
THRESHOLDS = (VERMILLION, REDDISH_PURPLE, BLUISH_GREEN, BLACK, SKY_BLUE, ORANGE)
#: Reporters (a group of reporters, or whoever gave a figure): a colour and a marker each.
REPORTERS = ((ORANGE, "o"), (SKY_BLUE, "s"), (BLACK, "D"), (REDDISH_PURPLE, "P"), (BLUISH_GREEN, "X"), (YELLOW, "h"))
#: The days each posture holds, as a strip along the top of a chart, in the order the postures
#: first appear.
POSTURES = (YELLOW, BLUISH_GREEN, REDDISH_PURPLE, GREY, ORANGE, SKY_BLUE, VERMILLION)
#: The height of that strip, as a share of the chart's.
POSTURE_STRIP = 0.04
#: Stories (alternative scenarios) drawn together, each its own line.
STORIES = (ORANGE, BLUISH_GREEN, REDDISH_PURPLE, VERMILLION, BLACK, SKY_BLUE)
#: Verdicts on claims.
VERDICTS = {"holds": BLUISH_GREEN, "toss-up": GREY, "fails": VERMILLION}
#: A cut-off date (reports after it are held out from a fit).
CUT_OFF = EVENT
#: A hollow marker's face (a report a calibration does not fit), and the edge that sets a marker
#: apart from the bars under it.
HOLLOW = WHITE

#: A calibration's prior (its predictive band) and posterior (its predictive band, the samples
#: of its parameters): the posterior predictive is a projection, so it has the model's colour.
PRIOR = GREY
POSTERIOR = MODEL

#: A value past the run's end (a median crossing day after it, in a sweep): the dotted line at
#: the end and the edge of a hatched heatmap cell, the fill of that cell, and the marker of a
#: point drawn past the end.
CENSORED = GREY
CENSORED_FILL = LIGHT_GREY
CENSORED_MARK = DARK_GREY
#: A parameter's low and high ends (a tornado's bars): light blue and orange, cool and warm.
LOW = SKY_BLUE
HIGH = ORANGE
#: Sobol' indices: one hue, dark for the first-order part within the lighter total.
FIRST_ORDER = BLUE
TOTAL = SKY_BLUE
#: A swept range, behind the part of it that a box of scenario discovery keeps.
RANGE = LIGHT_GREY
#: The colour map of heatmaps: perceptually uniform, and in order for any colour vision.
HEATMAP = "cividis"
#: Numbers written on a heatmap's cells: light on the map's dark end, dark on its light end.
ON_DARK = WHITE
ON_LIGHT = BLACK

#: Line styles of dated marks (a claim's date), told apart without colour.
MARK_STYLES = ("--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 1)))


def threshold_colour(index: int) -> str:
    """The colour of the scenario's ``index``-th threshold (0 for the first)."""
    return THRESHOLDS[index % len(THRESHOLDS)]


def reporter_style(rank: int) -> tuple[str, str]:
    """The colour and marker of a reporter, by its place among an estimates file's reporters."""
    return REPORTERS[rank % len(REPORTERS)]


#: Each built-in measure in words, with its unit, for axes and legends.
MEASURE_WORDS = {
    "arrived": "people arrived so far",
    "deployed": "people deployed (arrived less rotated out)",
    "effective": "soldiers on duty",
    "wounded_in_care": "wounded in care (people)",
    "sick_in_care": "sick in care (people)",
    "killed": "killed (people, cumulative)",
    "wounded": "wounded (people, cumulative)",
    "missing": "missing (people, cumulative)",
    "casualties": "casualties: killed, wounded, missing (people, cumulative)",
    "died_of_wounds": "died of wounds (people, cumulative)",
    "evacuated": "evacuated home (people, cumulative)",
    "permanent_losses": "permanent losses (people, cumulative)",
    "returned_to_duty": "returned to duty (people, cumulative)",
    "rotated_out": "rotated out (people, cumulative)",
    "force_ratio": "force ratio (soldiers on duty per opponent's)",
}


def measure_words(name: str) -> str:
    """A measure in words with its unit (``soldiers on duty``); a scenario's own measure (a sum
    of built-in ones, so a count of people) by its name."""
    return MEASURE_WORDS.get(name, f"{name.replace('_', ' ')} (people)")


def short_words(name: str) -> str:
    """A measure in words without its unit, for titles (``casualties: killed, wounded, missing``)."""
    return measure_words(name).split(" (")[0]
