"""The reference list's style: pybtex's `unsrt`, sorted by author and year, with a `@software` type.

Software is cited as software (the earlier codebase): author, title, "Software", version, year
and its address. The bib files' `checked` field (how an entry was verified) is not printed.
"""

from __future__ import annotations

from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.formatting.unsrt import date
from pybtex.style.formatting import toplevel
from pybtex.style.template import field, optional, sentence, words


class ExcolorStyle(UnsrtStyle):
    default_sorting_style = 'author_year_title'

    def get_software_template(self, e):  # noqa: ANN001, ANN201 (pybtex's template protocol)
        return toplevel[
            sentence[self.format_names('author')],
            self.format_title(e, 'title'),
            sentence[
                'Software',
                optional[words['version', field('version')]],
                date,
            ],
            self.format_web_refs(e),
        ]
