"""Free text with planted, labelled personal data: a seeded test set for PII detectors.

``pii_corpus(n_docs, seed)`` writes clinic notes, benefit claims and helpdesk tickets from sentence
templates, and plants in them values of the eight entities of ``course_lib.masking`` (people's names,
card numbers, e-mail addresses, phone numbers, IBANs, US SSNs, IP addresses, dates). Every planted
value is valid by its own rules (issuer prefix and Luhn, MOD 97, SSA rules, a real TLD, a real calendar day, a
number ``phonenumbers`` validates), and its exact characters are recorded as a ``Span``: that is the
ground truth.

**Hard negatives** (``decoys``) look like personal data to a naive pattern, but are not, and are
*not* labelled:

* order numbers of 16 digits that pass the Luhn check but start with 1, 7 or 9, prefixes that no card
  network issues (ISO/IEC 7812: 1 and 7 are airlines and petroleum, 9 national use). *Decision:* the
  ground truth calls a number a card only when it has an issuer's prefix and length *and* passes Luhn:
  a detector cannot know more from the digits alone, and a Luhn-only detector flags these;
* card-like numbers with a wrong check digit, IBANs with wrong check digits;
* version strings (``v2.10.4``) and out-of-range addresses (``192.168.1.256``);
* impossible dates (``31/02/2024``, ``April 31, 2024``);
* SSN-shaped numbers the SSA never issues (``000-12-3456``, ``666-...``, ``078-05-1120``);
* e-mail addresses under names that are not top-level domains (``noreply@portal.internal``);
* words that are names, but not of a person in their sentence (``NAME_DECOYS``): eponyms
  (``Parkinson's disease``, a ``Holter monitor``), streets and institutions (``Baker Street``, ``Mayo
  Clinic``), months (``in May``), verbs and nouns at the start of a sentence (``Will the claimant...``,
  ``Mark the form...``). A name detector that reports every capitalised given or family name flags them.

**Names** (``PERSON``) are written as full names (``Amara Okonkwo``, with a middle initial, a second given
name or a double-barrelled family name), or as a family name after a title (``Dr Okafor``, ``Ms Park``).
They are drawn from ``GIVEN_NAMES`` and ``FAMILY_NAMES``, written for this corpus from many languages, and
*not* from the name lists that ``course_lib.masking``'s ``PERSON`` recognizer looks names up in: about one
name in five here is not in those lists, so recall measures names a gazetteer does not know, too. Some of
the names stand after a cue (``Patient``, ``claimant``, ``holder``, ``Emergency contact:``), some in a
sentence that gives none (``Discussed the results with ...``). Names, their extra sentences and the name
decoys come from generators of their own, so the other planted values are the same as without them.

Values also sit next to punctuation (``(SSN 123-45-6789)``, ``<a.b@clinic.org>``, a sentence's dot),
and some are written in forms a detector may not read, yet are personal data all the same: dates
with two-digit years (about one in twenty), national phone numbers of ten regions (Australia,
Japan, Spain and Italy besides the six ``course_lib.masking`` reads nationally), SSNs without
delimiters.

``adversarial=True`` gives the *same* documents with every planted value disguised one of four ways
(recorded per span in ``perturbations``), to measure what each does to recall:

* ``fullwidth`` / ``arabic_indic``: digits from another script (``４``, ``٤``), still read as numbers
  by people and by Python's ``int``;
* ``zero_width``: an invisible U+200B ZERO WIDTH SPACE inside the value;
* ``line_split``: a line break inside the value, as in text wrapped at a fixed width.

The disguised value is still personal data, so its span (now covering the disguised characters)
stays in the ground truth. Names have no digits: they are disguised by ``zero_width`` or ``line_split``.
"""

from __future__ import annotations

import datetime
import ipaddress
import random
from dataclasses import dataclass

import phonenumbers

from course_lib._validate import check_int
from course_lib.masking.spans import Span
from course_lib.masking.validators import (
    bban_parts,
    iban_check_digits,
    luhn_checksum,
    ssn_valid,
)

PERTURBATIONS = ("fullwidth", "arabic_indic", "zero_width", "line_split")
ZERO_WIDTH_SPACE = "\u200b"


@dataclass(frozen=True)
class LabelledDoc:
    """A document, the true spans of its personal data, and what was planted to mislead.

    ``perturbations[i]`` says how ``spans[i]`` was disguised (``"none"`` in the clean corpus);
    ``decoys`` are ``(start, end, kind)`` of the hard negatives, which are not personal data.
    """

    text: str
    spans: tuple[Span, ...]
    perturbations: tuple[str, ...]
    decoys: tuple[tuple[int, int, str], ...] = ()


# --------------------------------------------------------------------------- planted values

CARD_PREFIXES = (("4", 16, "4444"), ("4", 13, "bare"), ("51", 16, "4444"), ("55", 16, "4444"),
                 ("2221", 16, "4444"), ("34", 15, "465"), ("37", 15, "465"), ("6011", 16, "4444"),
                 ("65", 16, "4444"), ("3530", 16, "4444"), ("36", 14, "464"), ("62", 16, "4444"))


def _luhn_complete(payload: str) -> str:
    """``payload`` plus the one check digit that makes it Luhn-valid."""
    return next(payload + d for d in "0123456789" if luhn_checksum(payload + d) == 0)


def _group(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for n in sizes:
        out.append(digits[i:i + n])
        i += n
    return sep.join(out)


def _layout(digits: str, layout: str, sep: str) -> str:
    if layout == "bare" or sep == "":
        return digits
    sizes = [4, 6, len(digits) - 10] if layout in ("465", "464") else [4] * (len(digits) // 4)
    if sum(sizes) < len(digits):
        sizes.append(len(digits) - sum(sizes))
    return _group(digits, sizes, sep)


def card_number(rng: random.Random) -> str:
    prefix, length, layout = rng.choice(CARD_PREFIXES)
    payload = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return _layout(_luhn_complete(payload), layout, rng.choice([" ", " ", "-", ""]))


IBAN_COUNTRIES = ("DE", "GB", "FR", "NL", "ES", "IT", "CH", "BE", "AT", "SE", "NO", "PL", "PT", "IE", "DK")
_CHARS = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}


def iban(rng: random.Random, *, valid: bool = True) -> str:
    country = rng.choice(IBAN_COUNTRIES)
    bban = "".join(rng.choice(_CHARS[kind]) for n, kind in bban_parts(country) for _ in range(n))
    check = iban_check_digits(country, bban)
    if not valid:
        check = f"{(int(check) + rng.randint(1, 90) - 2) % 97 + 2:02d}"  # another value in 02..98
    compact = country + check + bban
    sep = rng.choice([" ", " ", "", "-"])
    return sep.join(compact[i:i + 4] for i in range(0, len(compact), 4)) if sep else compact


FIRST = ("Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Priya", "Tom", "Fatima", "Lukas", "Sofia",
         "Kwame", "Elena", "Hiroshi", "Grace", "Omar", "Nina", "Pedro", "Chloe", "Ravi")
LAST = ("Garcia", "Smith", "Khan", "Chen", "Ivanova", "Silva", "Patel", "Brown", "Haddad", "Weber",
        "Rossi", "Mensah", "Popescu", "Tanaka", "Okafor", "Said", "Novak", "Costa", "Martin", "Iyer")
DOMAINS = ("riverside-clinic.org", "stanne.nhs.uk", "benefits.gov", "county-health.us", "praxis-weber.de",
           "cabinet-martin.fr", "mail.com", "northcare.health", "citizens-advice.org.uk", "gp-surgery.co.uk")
FAKE_EMAIL_DOMAINS = ("portal.internal", "host.localdomain", "ward.invalidtld", "example.invalid",
                      "server.lan", "records.corp")


def email(rng: random.Random, domains=DOMAINS) -> str:
    first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
    local = rng.choice([f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}{rng.randint(1, 99)}",
                        f"{first}_{last}"])
    return f"{local}@{rng.choice(domains)}"


# People's names for PERSON spans: written for this corpus from many languages, not taken from the name
# lists of course_lib.masking.person (see the module docstring). FIRST and LAST above only make e-mail
# addresses.
GIVEN_NAMES = (
    "Maria", "James", "Aisha", "Wei", "Olga", "Carlos", "Priya", "Tom", "Fatima", "Lukas", "Sofia", "Kwame",
    "Elena", "Hiroshi", "Grace", "Omar", "Nina", "Pedro", "Chloe", "Ravi", "Oluwaseun", "Chiamaka", "Tendai",
    "Abdirahman", "Amara", "Thandiwe", "Kofi", "Yaw", "Nkechi", "Siddharth", "Lakshmi", "Anjali", "Arjun",
    "Meera", "Xiaoming", "Mei", "Jun", "Haruka", "Yuki", "Seo-yeon", "Min-jun", "Ji-woo", "Thanh", "Linh",
    "Minh", "Somchai", "Ayşe", "Mehmet", "Emre", "Zeynep", "Dariusz", "Łukasz", "Agnieszka", "Katarzyna",
    "Søren", "Ingrid", "Bjørn", "Astrid", "Sinéad", "Siobhán", "Ciarán", "Aoife", "Eamon", "José", "Zoë",
    "François", "Amélie", "Matthias", "Jürgen", "Anneliese", "Giulia", "Lorenzo", "Chiara", "Joaquín",
    "Ximena", "Guadalupe", "Thiago", "João", "Beatriz", "Dmitri", "Svetlana", "Anastasia", "Aroha", "Tane",
    "Kealoha", "Malia", "Esi", "Ama", "Yohannes", "Tigist", "Alemayehu", "Samira", "Yusuf", "Layla", "Reza",
    "Parisa", "Dov", "Noa", "Ilana", "Rhys", "Bronwen", "Eilidh", "Hamish", "Margaret", "Robert", "Jennifer",
    "Michael", "Patricia", "David", "Linda", "Kevin", "Deborah", "Andrew",
)
FAMILY_NAMES = (
    "Garcia", "Smith", "Khan", "Chen", "Ivanova", "Silva", "Patel", "Brown", "Haddad", "Weber", "Rossi",
    "Mensah", "Popescu", "Tanaka", "Okafor", "Said", "Novak", "Costa", "Martin", "Iyer", "Okonkwo", "Adeyemi",
    "Mwangi", "Osei", "Boateng", "Abubakar", "Nwosu", "Dlamini", "Moyo", "Tesfaye", "Haile", "Abdullahi",
    "Warsame", "Subramanian", "Venkataraman", "Krishnan", "Chatterjee", "Bhattacharya", "Reddy", "Nair",
    "Zhang", "Liu", "Huang", "Wang", "Takahashi", "Watanabe", "Kobayashi", "Kim", "Park", "Choi", "Nguyễn",
    "Tran", "Pham", "Srisuk", "Yılmaz", "Demir", "Kowalski", "Wiśniewska", "Zieliński", "Jensen", "Lindqvist",
    "Hansen", "Virtanen", "O'Brien", "O'Sullivan", "McLaughlin", "MacDonald", "Fitzgerald", "Müller",
    "Schneider", "Fischer", "Becker", "Dubois", "Lefèvre", "Moreau", "Bianchi", "Esposito", "Romano",
    "Fernández", "Hernández", "González", "Rodríguez", "de la Cruz", "dos Santos", "van der Berg", "Al-Masri",
    "Oliveira", "Pereira", "Janssen", "Petrov", "Sokolova", "Kuznetsov", "Horvat", "Kovač", "Nagy",
    "Papadopoulos", "Georgiou", "Cohen", "Levi", "Friedman", "Hosseini", "Rahimi", "Kealamakia", "Ngata",
    "Jones", "Williams", "Johnson", "Davies", "Evans", "Thompson", "Robinson", "Hughes", "Campbell",
    "Stewart", "Anderson", "Kaur", "Singh", "Hussain", "Ahmed",
)


def person_name(rng: random.Random) -> str:
    """A full name: given and family name (about two in three), with a middle initial, with two given
    names, with a double-barrelled family name; or as records and typists write it, ``OKAFOR, Amara``
    and ``amara okafor`` (one in twenty each)."""
    given, family, form = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES), rng.random()
    if form < 0.65:
        return f"{given} {family}"
    if form < 0.75:
        return f"{given} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {family}"
    if form < 0.83:
        return f"{given} {rng.choice(GIVEN_NAMES)} {family}"
    if form < 0.9:
        return f"{given} {family.split()[-1]}-{rng.choice(FAMILY_NAMES).split()[-1]}"
    if form < 0.95:
        return f"{family.upper()}, {given}"
    return f"{given} {family}".lower()


def family_name(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES)


PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "AU", "JP", "ES", "IT")


def phone_number(rng: random.Random) -> str:
    """A number ``phonenumbers`` validates: an example number of a region with its last digits
    redrawn, written nationally or internationally. A detector that reads national numbers of only
    some regions misses the others' national forms (``(02) 1234 5678`` in Australia)."""
    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice([phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE])
    example = phonenumbers.example_number_for_type(region, kind)
    digits = str(example.national_number)
    for _ in range(1000):
        number = phonenumbers.PhoneNumber()
        number.merge_from(example)  # keeps the country code and Italy's leading zero
        number.national_number = int(digits[:-4] + f"{rng.randint(0, 9999):04d}")
        if phonenumbers.is_valid_number(number):
            break
    else:  # pragma: no cover - about one redraw in two is valid for every listed region
        raise RuntimeError(f"no valid {region} number found")
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if rng.random() < 0.5 else rng.choice(
        [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164])
    return phonenumbers.format_number(number, fmt)


def ssn(rng: random.Random) -> str:
    while True:
        area, group, serial = rng.randint(1, 899), rng.randint(1, 99), rng.randint(1, 9999)
        sep = rng.choice(["-", "-", "-", "-", " ", ".", ""])
        value = f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"
        if ssn_valid(value):
            return value


BAD_SSNS = ("000-12-3456", "666-45-1234", "912-34-5678", "123-00-4567", "321-54-0000", "078-05-1120",
            "219-09-9999", "111-11-1111")


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.7:
        address = str(ipaddress.IPv4Address(rng.getrandbits(32)))
        return address + (f"/{rng.choice([8, 16, 24, 28, 32])}" if rng.random() < 0.2 else "")
    network = ipaddress.IPv6Network(f"2001:db8:{rng.getrandbits(16):x}::/48")
    address = network[rng.choice([1, rng.getrandbits(16), rng.getrandbits(64)])]
    return str(address) + ("/64" if rng.random() < 0.2 else "")


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def date_text(rng: random.Random) -> str:
    day = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randint(0, 35000))
    d, m, y, month = day.day, day.month, day.year, MONTH_NAMES[day.month - 1]
    hh, mi = rng.randint(0, 23), rng.randint(0, 59)
    forms = [f"{m:02d}/{d:02d}/{y}", f"{m}/{d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}",
             f"{y}-{m:02d}-{d:02d}", f"{y}-{m:02d}-{d:02d}T{hh:02d}:{mi:02d}:00Z",
             f"{y}-{m:02d}-{d:02d} {hh:02d}:{mi:02d}", f"{d} {month} {y}",
             f"{month[:3]} {d}, {y}", f"{month} {_ordinal(d)} {y}", f"{month} {d}, {y}",
             f"{d:02d}-{month[:3]}-{y}"]
    if rng.random() < 0.05:  # two-digit years: real dates, but ambiguous (12/31/24 is also 12/31/1924)
        return f"{m:02d}/{d:02d}/{y % 100:02d}"
    return rng.choice(forms)


BAD_DATES = ("31/02/2024", "30.02.2023", "2023-02-29", "April 31, 2024", "31 June 2022", "13/13/2021",
             "2024-13-01", "00/10/2020")


# --------------------------------------------------------------------------- decoys


def order_number(rng: random.Random) -> str:
    """16 Luhn-valid digits starting with 1, 7 or 9: no card network issues 16-digit numbers there
    (UATP's cards start with 1 but have 15 digits), so they are decoys that only look like cards."""
    payload = rng.choice("179") + "".join(rng.choice("0123456789") for _ in range(14))
    return _layout(_luhn_complete(payload), "4444", rng.choice([" ", "-", ""]))


def bad_card(rng: random.Random) -> str:
    """An issuer-prefixed card number with its check digit off by one to eight."""
    number = card_number(rng)
    last = int(number[-1])
    return number[:-1] + str((last + rng.randint(1, 8)) % 10)


def version(rng: random.Random) -> str:
    return f"{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}"


def bad_ip(rng: random.Random) -> str:
    octets = [rng.randint(0, 255) for _ in range(4)]
    octets[rng.randrange(4)] = rng.randint(256, 999)
    return ".".join(map(str, octets))


# Names that are not a person's in their sentence (hard negatives for PERSON)
EPONYMS = ("Parkinson's disease", "Alzheimer's disease", "Crohn's disease", "Hodgkin lymphoma",
           "Addison's disease", "Graves' disease", "Cushing's syndrome", "Huntington's disease",
           "Bell's palsy", "Down syndrome", "Hashimoto's thyroiditis", "Wilson's disease",
           "Raynaud's phenomenon")
DEVICES = ("Holter monitor", "Foley catheter", "Guedel airway", "Thomas splint", "Doppler scan")
STREETS = ("Baker Street", "Harley Street", "Abbey Road", "Victoria Road", "George Street", "Lincoln Avenue",
           "Jackson Avenue", "Kingsley Road", "Washington Square", "Elizabeth Street", "Grace Lane")
INSTITUTIONS = ("Mayo Clinic", "St Thomas' Hospital", "Guy's Hospital", "Johns Hopkins Hospital",
                "Addenbrooke's Hospital", "the Wellcome Trust", "Great Ormond Street Hospital",
                "the Royal Victoria Infirmary", "the Florence Nightingale Foundation")
PLACES = ("Jackson", "Florence", "Lincoln", "Chester", "Victoria", "Charlotte", "Adelaide", "Kingston",
          "Madison", "Austin", "Regina", "Sydney")
NAME_MONTHS = ("April", "May", "June", "August")
# places and services whose names are made of given and family names
REGIONS = ("Costa Rica", "Sierra Leone", "Saint Lucia", "San Marino", "Santa Cruz", "New Zealand",
           "Puerto Rico", "Los Angeles", "San Francisco", "Cape Verde", "Sri Lanka", "Hong Kong",
           "Microsoft Teams", "Google Meet")
NAME_DECOYS = {"eponym": EPONYMS, "device": DEVICES, "street": STREETS, "institution": INSTITUTIONS,
               "place": PLACES, "month": NAME_MONTHS, "region": REGIONS}


# --------------------------------------------------------------------------- templates

# {kind} slots: NAME, LAST, CARD, EMAIL, PHONE, IBAN, SSN, IP, DATE are planted personal data; lower-case
# slots are decoys or harmless filler; {=Word} is a decoy written as it stands.
TEMPLATES = (
    "Patient {NAME}, date of birth {DATE}, was seen in the outpatient clinic on {DATE}.",
    "Contact the ward ({PHONE}) or write to {EMAIL}.",
    "The claimant ({NAME}, SSN {SSN}) asked for the housing benefit to be paid into {IBAN}.",
    "Co-payment of $40 was charged to card {CARD}; receipt sent to <{EMAIL}>.",
    "Portal login for {NAME} from {IP} at {DATE}, flagged for review.",
    "Next appointment: {DATE}. If you cannot attend, call {PHONE}.",
    "Refund for claim {claim} goes to account {IBAN}, holder {NAME}.",
    "Referral letter from Dr {LAST} (fax {PHONE}) received {DATE}.",
    "Please update the SSN on file from {SSN} to the corrected number {SSN}.",
    "Card {CARD} was declined at the pharmacy; the patient paid with {CARD} instead.",
    "Helpdesk ticket: user {EMAIL} cannot reach the records server at {IP}.",
    "Emergency contact: {NAME}, {PHONE}, {EMAIL}.",
    "Pension statement dated {DATE} lists SSN {SSN} and IBAN {IBAN}.",
    "Firewall blocked {IP} and {IP} after repeated failed logins.",
    "Order {order} for {drug} was dispatched; it is not a card number.",
    "The records system was upgraded to version {version} overnight.",
    "A misconfigured gateway announced {bad_ip} and was taken offline.",
    "The form dated {bad_date} was returned because that day does not exist.",
    "Training material uses the dummy SSN {bad_ssn}, never a real one.",
    "Auto-replies come from {fake_email} and need no action.",
    "Card {bad_card} was rejected by the terminal as mistyped.",
    "The transfer to {bad_iban} bounced: the account number has a typo.",
    "Prescribed {drug} 500 mg three times daily for 7 days; BP 120/80, temperature 37.5.",
    "Bed 12 in ward 4B was cleaned at 10:30 and handed over at 14:45.",
)
# Sentences that only the names' own generator picks (0-2 of each list a document), so that the other
# values do not move: people named with or without a cue word, and names that are not people.
NAME_TEMPLATES = (
    "{NAME} phoned about the letter and will call back.",
    "Discussed the results with {NAME} by video call.",
    "Copy of this letter to {NAME}, benefits adviser.",
    "Seen together with her son {NAME} and his wife.",
    "Message left for {NAME} on the answering machine.",
    "Reviewed by Dr {NAME}; no further action.",
    "Ms {LAST} asked for a copy of her records.",
    "Mr {LAST} did not attend; a new date will be sent.",
    "{NAME} and {NAME} share the joint account.",
    "{NAME} confirmed the new address by phone.",
    "Thanks to {NAME} for the quick reply.",
    "Letter dictated by {NAME} and typed by {NAME}.",
)
NAME_DECOY_TEMPLATES = (
    "History of {eponym}; no change since the last visit.",
    "A {device} was fitted on the ward.",
    "The clinic has moved to {street}.",
    "Scans were sent to {institution} for a second opinion.",
    "She lives in {place} with her sister.",
    "The follow-up call was moved to {region} at the family's request.",
    "He returned from {region} last week and reports no fever.",
    "The ward closes for repairs in {month} and reopens a month later.",
    "{=Will} the claimant be able to attend the hearing?",
    "{=May} we ask you to confirm your address?",
    "{=Mark} the form as urgent and pass it to the duty officer.",
    "{=Bill} the insurer for the remaining balance.",
    "{=Pat} the wound dry and change the dressing daily.",
    "{=Grace} periods of 14 days apply to late forms.",
)
DRUGS = ("amoxicillin", "metformin", "lisinopril", "atorvastatin", "salbutamol", "ibuprofen")
PLANTED = {"CARD": ("CREDIT_CARD", card_number), "EMAIL": ("EMAIL_ADDRESS", email),
           "PHONE": ("PHONE_NUMBER", phone_number), "IBAN": ("IBAN_CODE", iban), "SSN": ("US_SSN", ssn),
           "IP": ("IP_ADDRESS", ip_address), "DATE": ("DATE_TIME", date_text)}
DECOYS = {
    "order": order_number, "bad_card": bad_card, "version": lambda r: "v" + version(r), "bad_ip": bad_ip,
    "bad_date": lambda r: r.choice(BAD_DATES), "bad_ssn": lambda r: r.choice(BAD_SSNS),
    "fake_email": lambda r: email(r, FAKE_EMAIL_DOMAINS), "bad_iban": lambda r: iban(r, valid=False),
}
PERSON_SLOTS = {"NAME": person_name, "LAST": family_name}
# what the main generator drew for a name before names were planted: still drawn, so that the values
# after a name stay as they were
_LEGACY_DRAWS = {"NAME": lambda r: (r.choice(FIRST), r.choice(LAST)), "LAST": lambda r: r.choice(LAST)}
FILLER = {
    "drug": lambda r: r.choice(DRUGS), "claim": lambda r: f"HB-{r.randint(10000, 99999)}",
}


# --------------------------------------------------------------------------- disguises

def disguise(value: str, kind: str, rng: random.Random) -> str:
    """``value`` written with another script's digits, a zero-width space or a line break inside."""
    if kind == "fullwidth":
        return value.translate({ord(str(d)): 0xFF10 + d for d in range(10)})
    if kind == "arabic_indic":
        return value.translate({ord(str(d)): 0x0660 + d for d in range(10)})
    inner = [i for i in range(1, len(value)) if value[i - 1].isalnum() or value[i].isalnum()]
    if kind == "zero_width":
        i = rng.choice(inner)
        return value[:i] + ZERO_WIDTH_SPACE + value[i:]
    if kind == "line_split":
        spaces = [i for i in range(1, len(value) - 1) if value[i] == " "]
        if spaces:
            i = rng.choice(spaces)
            return value[:i] + "\n" + value[i + 1:]
        i = rng.choice(inner)
        return value[:i] + "\n" + value[i:]
    raise ValueError(f"kind must be one of {PERTURBATIONS}, got {kind!r}")


def _fill(template: str, rng: random.Random, adv: random.Random | None, people: random.Random,
          adv_people: random.Random | None, legacy: bool = True) -> tuple[str, list, list, list]:
    """The sentence with every slot filled; spans, their disguises and decoys relative to its start.

    Names and name decoys are drawn from ``people`` (and disguised with ``adv_people``); with
    ``legacy`` the main generator ``rng`` still makes the draws it made for a name before names were
    planted, so that every other value is the same as it was."""
    parts, spans, kinds, decoys, pos = [], [], [], [], 0
    for literal, slot in _split_template(template):
        parts.append(literal)
        pos += len(literal)
        if slot is None:
            continue
        if slot in PLANTED or slot in PERSON_SLOTS:
            if slot in PERSON_SLOTS:
                if legacy:
                    _LEGACY_DRAWS[slot](rng)
                entity, value, disguiser = "PERSON", PERSON_SLOTS[slot](people), adv_people
            else:
                entity, make = PLANTED[slot]
                value, disguiser = make(rng), adv
            kind = "none"
            if disguiser is not None:
                choices = PERTURBATIONS if any(c.isdigit() for c in value) else PERTURBATIONS[2:]
                kind = disguiser.choice(choices)
                value = disguise(value, kind, disguiser)
            spans.append(Span(pos, pos + len(value), entity))
            kinds.append(kind)
        elif slot in DECOYS or slot in NAME_DECOYS or slot.startswith("="):
            if slot.startswith("="):
                value, slot = slot[1:], "word"
            elif slot in NAME_DECOYS:
                value = people.choice(NAME_DECOYS[slot])
            else:
                value = DECOYS[slot](rng)
            decoys.append((pos, pos + len(value), slot))
        else:
            value = FILLER[slot](rng)
        parts.append(value)
        pos += len(value)
    return "".join(parts), spans, kinds, decoys


def _split_template(template: str) -> list[tuple[str, str | None]]:
    """``"a {X} b"`` -> ``[("a ", "X"), (" b", None)]``."""
    out, rest = [], template
    while "{" in rest:
        literal, rest = rest.split("{", 1)
        slot, rest = rest.split("}", 1)
        out.append((literal, slot))
    out.append((rest, None))
    return out


def pii_corpus(n_docs: int = 200, seed: int = 0, *, adversarial: bool = False) -> list[LabelledDoc]:
    """``n_docs`` documents of 3-10 sentences with planted, labelled personal data and decoys.

    The same ``seed`` gives the same documents; with ``adversarial=True`` every planted value of
    those same documents is disguised (``PERTURBATIONS``), drawn from a second generator so that the
    values themselves do not change.
    """
    check_int(n_docs, "n_docs", 1)
    check_int(seed, "seed", 0)
    if not isinstance(adversarial, bool):
        raise TypeError(f"adversarial must be a bool, got {type(adversarial).__name__}")
    rng, people = random.Random(seed), random.Random(f"people-{seed}")
    adv = random.Random(f"disguise-{seed}") if adversarial else None
    adv_people = random.Random(f"disguise-people-{seed}") if adversarial else None
    docs = []
    for _ in range(n_docs):
        text, spans, kinds, decoys = "", [], [], []
        templates = [(t, True) for t in rng.sample(TEMPLATES, rng.randint(3, 6))]
        for extra in (NAME_TEMPLATES, NAME_DECOY_TEMPLATES):
            for _ in range(people.choice((0, 1, 1, 2))):
                templates.insert(people.randint(0, len(templates)), (people.choice(extra), False))
        for template, legacy in templates:
            sentence, s_spans, s_kinds, s_decoys = _fill(template, people if not legacy else rng, adv,
                                                         people, adv_people, legacy)
            offset = len(text) + (1 if text else 0)
            text = f"{text} {sentence}" if text else sentence
            spans += [Span(s.start + offset, s.end + offset, s.entity) for s in s_spans]
            kinds += s_kinds
            decoys += [(a + offset, b + offset, k) for a, b, k in s_decoys]
        docs.append(LabelledDoc(text, tuple(spans), tuple(kinds), tuple(decoys)))
    return docs

