"""What decides a claim: break-even values of each assumption (:mod:`.breakeven`) and the boxes
of assumptions in which a claim holds, found in a sweep (:mod:`.discovery`)."""

from .breakeven import decide
from .discovery import discover

__all__ = ["decide", "discover"]
