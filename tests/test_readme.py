"""The README's examples are run exactly as written: the front door must not lie."""

import doctest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run_as_shown():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_package_docstring_example_runs():
    import minichain

    result = doctest.testmod(minichain)
    assert result.attempted > 0 and result.failed == 0
