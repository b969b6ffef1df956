"""Messages of Django REST framework that the API can show and whose Dutch is missing from
DRF's own catalogue, or reads poorly ("Date heeft het verkeerde formaat"). Listed here only so
that ``make messages`` extracts them into our catalogue, which Django consults before the
libraries' (LOCALE_PATHS); the msgids must stay exactly DRF's. tests/test_i18n_errors.py
checks that every message of the fields, validators and exceptions the API uses has Dutch.

simplejwt's messages are not listed: the exception handler answers its errors in our own
words by their code (programs/api/errors.py, JWT_MESSAGES)."""

from django.utils.translation import gettext_noop

DRF_MESSAGES = (
    # missing from DRF's Dutch catalogue
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
    ),
    gettext_noop("Invalid input."),
    # in DRF's Dutch catalogue, but half English or unidiomatic
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Time has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Duration has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Expected a date but got a datetime."),
    gettext_noop("Expected a datetime but got a date."),
    gettext_noop('Expected a dictionary of items but got type "{input_type}".'),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("A valid number is required."),
    gettext_noop("A valid integer is required."),
    gettext_noop("This field may not be null."),
)
