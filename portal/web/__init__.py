"""The HTTP side of the shell: request helpers, CSRF, security headers, templates.

Importing it also makes ``{name:int}`` in every route path match only numbers
that fit the database's 32-bit ids (``portal.database.MAX_ID``): a larger one is a
404 like any id that does not exist, never a 500 from an integer the database
cannot compare. (Every route module imports ``portal.web.requests`` before it
builds its routes, so this runs first.)
"""

from starlette.convertors import IntegerConvertor, register_url_convertor

# 0 .. 2147483647, leading zeros allowed
_UP_TO_MAX_ID = (
    "0*(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
    "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])"
)


class IdConvertor(IntegerConvertor):
    regex = _UP_TO_MAX_ID


register_url_convertor("int", IdConvertor())
