"""The one error type for bad input, whatever its source: a file, an option or a value."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: a file (scenario, estimates, sweep, posterior), a command-line
    option or a value given to the library.  ``str()`` is a one-line message naming the source
    (the file, or the option), the field and the rule, with the line when it is known.

    The other input errors are subclasses (:class:`sim.folders.OutputError`,
    :class:`sim.posterior.PosteriorError`, :class:`sim.calibration.CalibrationError`), so
    catching this one class catches them all.
    """

    def __init__(self, source: str, field: str, rule: str, line: int | None = None):
        self.source, self.field, self.rule, self.line = source, field, rule, line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {field}: {rule}" if field else f"{where}: {rule}")


#: The former name of :class:`InputError`, kept so that code written against it still works.
ScenarioError = InputError
