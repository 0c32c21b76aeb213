"""How the book cites: author–year in the text and in the reference list, years disambiguated.

Three pieces, registered by `register()` (called from `excolor.book.sphinx_ext`):

- `ExcolorStyle` (pybtex formatting style `excolor`): pybtex's `unsrt` entries, sorted by author,
  year and title, with a `@software` type (author, title, "Software", version, year, address).
  The bib files' `checked` field (how an entry was verified) is not printed.
- `AuthorYearLabelStyle`: each entry's label in the reference list is its author–year citation,
  "Fraser, 2025a", "Fraser and Wielopolski, 2025", "Park et al., 2023" (one author, two, or
  the first and "et al."). Entries whose author part and year coincide get a, b, c, … in list
  order (by title), as in BibTeX's author–year styles; the label is computed over the cited
  entries only, so the letters are those of the works the book actually cites.
- `AuthorYearReferenceStyle` (sphinxcontrib-bibtex referencing style `excolor`): `{cite:t}` gives
  Fraser (2025a), `{cite:p}` (Fraser, 2025a); the year, with its letter, is read from the entry's
  label, so the text and the list cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from string import ascii_lowercase
from typing import Any

from pybtex.plugin import find_plugin
from pybtex.richtext import Text
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.formatting.unsrt import date
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import field as bib_field
from pybtex.style.template import node, optional, sentence, words
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle as _SphinxAuthorYear
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.referencing.extra_year import ExtraYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join, join2, post_text, pre_text, reference

LABEL_SEP = ', '  # between the author part and the year, in a label and in a parenthetical citation


def _surname(person: Any) -> str:  # noqa: ANN401 (pybtex Person)
    """A person's surname as plain text ("von" part included), as sphinxcontrib-bibtex's `last` name style prints it."""
    return find_plugin('pybtex.style.names', 'last')().format(person, True).format().render_as('text')


def author_part(entry: Any) -> str:  # noqa: ANN401 (pybtex Entry)
    """The authors (or editors) as cited, "Fraser", "Fraser and Wielopolski", "Park et al."; the key if there are none."""
    persons = entry.persons.get('author') or entry.persons.get('editor') or []
    names = [_surname(p) for p in persons]
    if not names:
        return entry.key
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f'{names[0]} and {names[1]}'
    return f'{names[0]} et al.'


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Author, Year", with a, b, c … where two entries would otherwise share a label."""

    def format_labels(self, sorted_entries):  # noqa: ANN001, ANN201 (pybtex's plugin protocol)
        labels = [self.format_label(entry) for entry in sorted_entries]
        shared = Counter(labels)
        used: Counter[str] = Counter()
        for label in labels:
            if shared[label] == 1:
                yield label
            else:
                yield label + ascii_lowercase[used[label]]
                used[label] += 1

    def format_label(self, entry: Any) -> str:  # noqa: ANN401 (pybtex Entry)
        return f'{author_part(entry)}{LABEL_SEP}{entry.fields.get("year", "n.d.")}'


class ExcolorStyle(UnsrtStyle):
    """`unsrt` entries with author–year labels, sorted by author, year and title, and a `@software` type."""

    default_sorting_style = 'author_year_title'
    default_label_style = AuthorYearLabelStyle

    def get_software_template(self, e):  # noqa: ANN001, ANN201 (pybtex's template protocol)
        return toplevel[
            sentence[self.format_names('author')],
            self.format_title(e, 'title'),
            sentence[
                'Software',
                optional[words['version', bib_field('version')]],
                date,
            ],
            self.format_web_refs(e),
        ]


@node
def labelled_year(children, data):  # noqa: ANN001, ANN201 (pybtex's template protocol)
    """The year as the reference list's label gives it, with its a/b/c: "2025a"."""
    assert not children
    return Text(data['formatted_entry'].label.rpartition(LABEL_SEP)[2])


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
    """(Fraser, 2025a)."""

    def inner(self, role_name):  # noqa: ANN001, ANN201 (sphinxcontrib-bibtex's style protocol)
        author = self.person.author_or_editor_or_title(full='s' in role_name)
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text, reference[join(sep=self.author_year_sep)[author, labelled_year]], post_text]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):
    """Fraser (2025a)."""

    def inner(self, role_name):  # noqa: ANN001, ANN201
        author = self.person.author_or_editor_or_title(full='s' in role_name)
        year = join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[pre_text, reference[labelled_year], post_text]
        return join(sep=self.text_reference_sep)[author, join[self.bracket.left, year, self.bracket.right]]


@dataclass
class _YearOnly(ExtraYearReferenceStyle):
    """2025a."""

    def inner(self, role_name):  # noqa: ANN001, ANN201
        return reference[labelled_year]


_AS_LABELLED = {BasicAuthorYearParentheticalReferenceStyle: _Parenthetical, BasicAuthorYearTextualReferenceStyle: _Textual,
                ExtraYearReferenceStyle: _YearOnly}


def _round_brackets() -> BracketStyle:
    return BracketStyle(left='(', right=')', sep='; ')


@dataclass
class AuthorYearReferenceStyle(_SphinxAuthorYear):
    """sphinxcontrib-bibtex's author–year, in round brackets, several works separated by semicolons,
    each year with the letter its label gives it."""

    bracket_textual: BracketStyle = field(default_factory=_round_brackets)
    bracket_parenthetical: BracketStyle = field(default_factory=_round_brackets)
    bracket_author: BracketStyle = field(default_factory=_round_brackets)
    bracket_label: BracketStyle = field(default_factory=_round_brackets)
    bracket_year: BracketStyle = field(default_factory=_round_brackets)

    def __post_init__(self) -> None:
        super().__post_init__()  # the stock styles, and the role table built from them
        for i, style in enumerate(self.styles):
            if type(style) in _AS_LABELLED:
                self.styles[i] = _AS_LABELLED[type(style)](**{f.name: getattr(style, f.name) for f in fields(style) if f.init})
        self.role_style.update((role, style) for style in self.styles for role in style.role_names())


def register() -> None:
    """Make `excolor` known to pybtex (formatting) and to sphinxcontrib-bibtex (referencing)."""
    from pybtex.plugin import register_plugin
    from sphinxcontrib.bibtex.plugin import register_plugin as register_referencing

    register_plugin('pybtex.style.formatting', 'excolor', ExcolorStyle, force=True)
    register_referencing('sphinxcontrib.bibtex.style.referencing', 'excolor', AuthorYearReferenceStyle, force=True)
