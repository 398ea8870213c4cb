"""Finding and transforming personal data in text and tables (notebook 01).

Detection (``detect`` and its validators) is kept apart from transformation (operators); a
:class:`Span` is what passes between them. Operators (``operators``, ``date_shift``, ``generalize``)
replace one value; ``anonymize`` applies them to free text, ``mask_table`` to table columns; ``keys``
holds the keys they use, and ``hash_attack`` the unsalted hash they replace and the attack on it.
"""

from .date_shift import date_offset, shift_date, shift_dates, shift_dates_with
from .detect import detect, resolve
from .disguise import INVISIBLE, detect_normalised, undisguise
from .evaluate import Error, Scores, errors, evaluate, micro_average
from .generalize import (
    HIPAA_RESTRICTED_ZIP3,
    bucket,
    bucket_with,
    generalize_date,
    generalize_date_with,
    truncate_zip,
    truncate_zip_with,
)
from .hash_attack import dictionary_attack, naive_hash, phone_candidates, ssn_candidates
from .keys import Key, Keyring, demo_key
from .operators import (
    Operator,
    as_operator,
    decrypt,
    detokenize,
    encrypt,
    encrypt_with,
    mask,
    mask_with,
    normalize,
    pseudonym_matches,
    pseudonymize,
    pseudonymize_with,
    redact,
    replace,
    replace_with,
    tokenize,
    tokenize_with,
)
from .recognizers import RECOGNIZERS
from .spans import ENTITIES, Span, check_entities
from .tables import mask_column, mask_table
from .text import Anonymized, Replacement, anonymize, anonymize_with
from .validators import email_valid, iban_valid, ipv4_valid, ipv6_valid, luhn_valid, ssn_valid

__all__ = [
    "Error", "INVISIBLE", "RECOGNIZERS", "Scores", "detect", "detect_normalised", "undisguise",
    "email_valid", "errors", "evaluate", "iban_valid",
    "ipv4_valid", "ipv6_valid", "luhn_valid", "micro_average", "resolve", "ssn_valid",
    "Anonymized", "ENTITIES", "HIPAA_RESTRICTED_ZIP3", "Key", "Keyring", "Operator", "Replacement", "Span",
    "anonymize", "anonymize_with", "as_operator", "bucket", "bucket_with", "check_entities", "date_offset",
    "decrypt", "demo_key", "detokenize", "dictionary_attack", "encrypt", "encrypt_with", "generalize_date",
    "generalize_date_with", "mask", "mask_column", "mask_table", "mask_with", "naive_hash", "normalize",
    "phone_candidates", "pseudonym_matches", "pseudonymize", "pseudonymize_with", "redact", "replace",
    "replace_with", "shift_date", "shift_dates", "shift_dates_with", "ssn_candidates", "tokenize",
    "tokenize_with", "truncate_zip", "truncate_zip_with",
]
