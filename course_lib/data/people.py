"""Synthetic people: a census-like population, hospital patients drawn from it, and a voter list.

Everything is seeded and vectorised; nothing is downloaded and nobody here is real.

* :func:`population` builds a census-like table (``person_id, zip, birth_date, sex, race``) whose
  residents are spread over ZIP codes of log-normal size (median ``5,000``, log-sd ``0.6``: from about
  1,000 to 26,000 residents) with an age pyramid shaped like the US 2000 census (5-year groups,
  Census 2000 Brief C2KBR/01-12). With these sizes, about 87 % of people are unique on
  ``(zip, birth_date, sex)``, the figure Sweeney (2000, "Simple demographics often identify people
  uniquely") reported for the US population. ZIP sizes are set by quantiles of the log-normal, so a
  small population (``POPULATION_SIZE_FAST``) has the same mix of ZIP sizes, and the same
  uniqueness, as a large one.
* :func:`uniqueness_model` predicts that fraction from the ZIP sizes and the birth-date distribution
  alone: a person whose ``(birth_date, sex)`` cell has probability ``p`` is alone in a ZIP of ``n``
  residents with probability ``(1 - p) ** (n - 1)``.
* :func:`patients` draws adult patients (with names, SSNs, e-mails, phone numbers and a diagnosis)
  from a population; :func:`voter_list` is the public table an attacker links them with: it holds a
  given fraction of the patients, under the same name, plus other adults of the same population.

ZIP codes are 5-character strings (New England codes start with ``0``; an integer column would
silently drop that zero). Columns named ``person_id`` are the ground truth that links the three tables;
a release must drop them (they exist so that an attack can be scored).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validate import check_int, check_positive, check_probability
from .bundled import rng as _rng

CENSUS_DAY = np.datetime64("2000-04-01")
"""The reference day of :func:`population`: ages are counted up to it."""
VOTER_LIST_DAY = np.datetime64("2001-04-01")
"""The day the voter list is printed; every voter is 18 or older on :data:`CENSUS_DAY`."""

POPULATION_SIZE = 1_000_000
POPULATION_SIZE_FAST = 100_000
"""Population sizes for full and FAST mode; both give the same people-per-ZIP mix."""

ZIP_MEDIAN = 5_000.0
ZIP_LOG_SD = 0.6
P_FEMALE = 0.51

# US 2000 census, per cent of the population in 5-year age groups 0-4, 5-9, ..., 80-84, 85+.
AGE_GROUP_PERCENT = (6.8, 7.3, 7.3, 7.2, 6.7, 6.9, 7.3, 8.1, 8.0, 7.1,
                     6.2, 4.8, 3.8, 3.4, 3.1, 2.6, 1.7, 1.5)
MAX_AGE = 99
RACES = ("White", "Black", "Hispanic", "Asian", "Other")
RACE_SHARES = (0.69, 0.12, 0.13, 0.04, 0.02)

DIAGNOSES: dict[str, float] = {  # share among patients aged 50; see _AGE_TILT for the age effect
    "flu": 0.20, "hypertension": 0.15, "diabetes": 0.12, "asthma": 0.08, "back pain": 0.08,
    "depression": 0.08, "anxiety": 0.06, "fracture": 0.06, "heart disease": 0.05, "cancer": 0.05,
    "pneumonia": 0.03, "HIV": 0.02, "hepatitis C": 0.02,
}
DIAGNOSIS_CATEGORY: dict[str, str] = {
    "flu": "infectious", "pneumonia": "infectious", "HIV": "infectious", "hepatitis C": "infectious",
    "hypertension": "chronic", "diabetes": "chronic", "asthma": "chronic", "heart disease": "chronic",
    "depression": "mental health", "anxiety": "mental health",
    "back pain": "musculoskeletal", "fracture": "musculoskeletal",
    "cancer": "oncology",
}
"""The diagnosis -> category level of a generalisation hierarchy (diagnosis -> category -> *)."""
SENSITIVE_DIAGNOSES = ("HIV", "hepatitis C", "depression", "anxiety", "cancer")
# Log-odds change per 30 years of age above 50: chronic illness and cancer rise with age.
_AGE_TILT = {"flu": -0.3, "hypertension": 0.8, "diabetes": 0.5, "asthma": -0.3, "back pain": 0.0,
             "depression": -0.2, "anxiety": -0.5, "fracture": -0.2, "heart disease": 1.0, "cancer": 0.8,
             "pneumonia": 0.4, "HIV": -0.6, "hepatitis C": -0.3}
_MEAN_EXTRA_VISITS = {"flu": 0.3, "hypertension": 2.0, "diabetes": 3.0, "asthma": 1.5, "back pain": 1.0,
                      "depression": 4.0, "anxiety": 3.0, "fracture": 1.5, "heart disease": 3.0,
                      "cancer": 6.0, "pneumonia": 1.0, "HIV": 5.0, "hepatitis C": 3.0}

FIRST_NAMES_F = ("Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
                 "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly",
                 "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie",
                 "Rebecca", "Laura", "Sharon", "Cynthia", "Kathleen", "Amy", "Angela", "Anna", "Brenda",
                 "Pamela", "Nicole", "Emma", "Helen", "Samantha", "Katherine", "Christine", "Debra",
                 "Rachel", "Carolyn", "Janet", "Maria", "Catherine", "Heather", "Diane", "Julie")
FIRST_NAMES_M = ("James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
                 "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
                 "Paul", "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald",
                 "Edward", "Jason", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan",
                 "Stephen", "Larry", "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory",
                 "Alexander", "Frank", "Patrick", "Raymond", "Jack", "Dennis", "Jerry")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
              "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
              "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
              "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
              "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
              "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
              "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
              "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
              "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
              "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
              "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
              "Jimenez", "O'Brien", "Sullivan", "Murray", "Kennedy", "Walsh", "Chen", "Wang", "Silva")
STREETS = ("Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Walnut",
           "Church", "School", "Spring", "Highland", "Prospect", "Union", "Chestnut", "Central", "Summer",
           "Pleasant", "Water", "Franklin", "Winter", "Harvard", "Broadway", "Mill", "River", "Center")
STREET_TYPES = ("St", "Ave", "Rd", "Ln", "Dr", "Ct", "Pl", "Way")
AREA_CODES = ("617", "857", "508", "774", "781", "339", "978", "351", "413", "401", "603", "207", "802",
              "860", "203")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")  # reserved for documentation (RFC 2606)
PARTIES = ("Democrat", "Republican", "Unenrolled", "Green", "Libertarian")
PARTY_SHARES = (0.36, 0.12, 0.49, 0.02, 0.01)


# ----------------------------------------------------------------------------------- checks
def _check_people(df, name: str, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}; it needs {list(columns)}")
    return df


# ------------------------------------------------------------------------------- population
def age_distribution() -> np.ndarray:
    """P(age = a) for a = 0..99 years: each 5-year census group spread evenly over its years, and the
    85+ group over 85..99 with weights falling by a factor 0.8 per year."""
    groups = np.asarray(AGE_GROUP_PERCENT)
    young = np.repeat(groups[:-1] / 5.0, 5)
    tail = 0.8 ** np.arange(MAX_AGE - 85 + 1)
    p = np.concatenate([young, tail / tail.sum() * groups[-1]])
    return p / p.sum()


def _age_probabilities(age_probabilities) -> np.ndarray:
    """``age_probabilities`` checked (100 non-negative values summing to 1), or the census pyramid."""
    if age_probabilities is None:
        return age_distribution()
    p = np.asarray(age_probabilities, dtype=np.float64)
    if p.shape != (MAX_AGE + 1,) or not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > 1e-6:
        raise ValueError(f"age_probabilities must be {MAX_AGE + 1} non-negative probabilities (ages "
                         f"0..{MAX_AGE}) summing to 1")
    return p / p.sum()


def birth_date_distribution(age_probabilities=None) -> pd.Series:
    """P(birth_date = d) under :func:`population`'s model, indexed by date (newest first).

    Age in days is ``floor((A + U) * 365.2425)`` with ``A ~`` :func:`age_distribution` (or
    ``age_probabilities``, as passed to :func:`population`) and ``U`` uniform on [0, 1), so
    ``P(days = j) = F(j + 1) - F(j)`` with ``F(x) = sum_a P(A = a) clip(x / 365.2425 - a, 0, 1)``.
    """
    p_age = _age_probabilities(age_probabilities)
    edges = np.arange(math.ceil((MAX_AGE + 1) * 365.2425) + 1, dtype=np.float64)
    cdf = (p_age[None, :] * np.clip(edges[:, None] / 365.2425 - np.arange(MAX_AGE + 1)[None, :], 0, 1)).sum(1)
    probs = np.diff(cdf)
    days = CENSUS_DAY - np.arange(probs.size).astype("timedelta64[D]")
    dates = pd.to_datetime(days).astype("datetime64[ns]")
    return pd.Series(probs / probs.sum(), index=dates, name="probability")


def zip_sizes(n: int, *, median: float = ZIP_MEDIAN, log_sd: float = ZIP_LOG_SD,
              seed: int | None = None) -> np.ndarray:
    """Residents per ZIP code, summing to ``n``: quantiles of LogNormal(log(median), log_sd).

    The number of ZIPs is ``round(n / mean)`` with ``mean = median * exp(log_sd**2 / 2)``; ZIP ``i`` of
    ``m`` gets a share proportional to the ``(i + 1/2) / m`` quantile (largest remainders make the
    total exact). Quantiles rather than random draws keep the size mix, and hence uniqueness, the same
    for 17 ZIPs as for 170. Sizes come back in increasing order, or shuffled with ``seed`` if given.
    """
    from scipy.stats import norm

    n = check_int(n, "n", 1)
    median = check_positive(median, "median")
    log_sd = check_positive(log_sd, "log_sd")
    m = max(1, round(n / (median * math.exp(log_sd**2 / 2))))
    weights = np.exp(log_sd * norm.ppf((np.arange(m) + 0.5) / m))
    share = weights / weights.sum() * n
    sizes = np.floor(share).astype(np.int64)
    sizes[np.argsort(sizes - share, kind="stable")[: n - int(sizes.sum())]] += 1  # largest remainders
    if seed is not None:
        _rng(seed).shuffle(sizes)
    return sizes


def _zip_codes(n_zips: int, rng: np.random.Generator) -> np.ndarray:
    """``n_zips`` distinct New-England-like ZIP codes, about ten per 3-digit prefix in 010-069."""
    n_prefixes = min(60, max(1, math.ceil(n_zips / 10)))
    prefixes = 10 + rng.choice(60, size=n_prefixes, replace=False)
    pool = (prefixes[:, None] * 100 + np.arange(100)[None, :]).ravel()
    if n_zips > pool.size:  # more than 6,000 ZIPs: use the whole 010xx-069xx block
        pool = np.arange(1000, 7000)
    codes = np.sort(rng.choice(pool, size=n_zips, replace=False))
    return np.array([f"{c:05d}" for c in codes], dtype=object)


def population(n: int = POPULATION_SIZE, seed: int = 0, *, median_zip_size: float = ZIP_MEDIAN,
               zip_log_sd: float = ZIP_LOG_SD, age_probabilities=None) -> pd.DataFrame:
    """A census-like table of ``n`` residents: ``person_id, zip, birth_date, sex, race``.

    * ``zip``: 5-character strings; residents per ZIP from :func:`zip_sizes`;
    * ``birth_date``: age in whole years from :func:`age_distribution`, then a uniform day within that
      year of life, counted back from :data:`CENSUS_DAY`;
    * ``sex``: ``"F"`` with probability 0.51, else ``"M"``; ``race``: per-ZIP shares drawn around
      :data:`RACE_SHARES` (Dirichlet, concentration 20), so neighbourhoods differ.

    ``median_zip_size``, ``zip_log_sd`` and ``age_probabilities`` (P(age = a) for a = 0..99; default the
    census pyramid) change the calibration, to see how the share of unique people depends on it.
    ZIP, birth date and sex are drawn independently, which is what :func:`uniqueness_model` assumes.
    About 1 s for the full ``n = 1,000,000`` on one core.
    """
    n = check_int(n, "n", 1)
    p_age = _age_probabilities(age_probabilities)
    rng = _rng(seed)
    sizes = zip_sizes(n, median=median_zip_size, log_sd=zip_log_sd)
    rng.shuffle(sizes)
    codes = _zip_codes(len(sizes), rng)
    zip_index = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(zip_index)

    ages = rng.choice(MAX_AGE + 1, size=n, p=p_age)
    days_old = np.floor((ages + rng.random(n)) * 365.2425).astype(np.int64)
    birth = CENSUS_DAY - days_old.astype("timedelta64[D]")
    sex = np.where(rng.random(n) < P_FEMALE, "F", "M").astype(object)

    shares = rng.dirichlet(20 * np.asarray(RACE_SHARES), size=len(sizes))
    cumulative = np.cumsum(shares, axis=1)
    race_index = (rng.random(n)[:, None] > cumulative[zip_index]).sum(axis=1)
    race = np.asarray(RACES, dtype=object)[np.minimum(race_index, len(RACES) - 1)]

    return pd.DataFrame({
        "person_id": np.arange(n, dtype=np.int64),
        "zip": codes[zip_index],
        "birth_date": pd.to_datetime(birth).astype("datetime64[ns]"),
        "sex": sex,
        "race": race,
    })


_population = population  # patients() and voter_list() take an argument of that name


def uniqueness_model(zip_sizes, birth_date_probabilities,
                     sex_probabilities=(P_FEMALE, 1 - P_FEMALE)) -> float:
    """Expected fraction of people unique on ``(zip, birth_date, sex)`` when the three are independent.

    A person whose cell ``c = (birth_date, sex)`` has probability ``p_c = P(date) P(sex)`` shares it
    with none of the other ``n_z - 1`` residents of their ZIP with probability ``(1 - p_c)**(n_z - 1)``,
    so the expected unique fraction is::

        sum_z n_z * sum_c p_c (1 - p_c)**(n_z - 1)  /  sum_z n_z

    ``zip_sizes``: residents per ZIP (e.g. ``df.zip.value_counts()``); ``birth_date_probabilities``:
    the probability of each birth date, summing to 1 (:func:`birth_date_distribution` for
    :func:`population`); ``sex_probabilities`` likewise. Frequencies estimated from the table itself
    (``df.birth_date.value_counts(normalize=True)``) also work for a large table, but understate
    uniqueness for a small one: with ~3 people per date, dates that happen to be crowded get the most
    weight.
    """
    sizes = np.asarray(zip_sizes, dtype=np.float64).ravel()
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes < 1) or np.any(sizes % 1):
        raise ValueError("zip_sizes must be a non-empty list of whole numbers >= 1")
    cells = []
    for name, probs in (("birth_date_probabilities", birth_date_probabilities),
                        ("sex_probabilities", sex_probabilities)):
        p = np.asarray(probs, dtype=np.float64).ravel()
        if p.size == 0 or not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > 1e-6:
            raise ValueError(f"{name} must be non-negative probabilities summing to 1 (got sum "
                             f"{p.sum() if p.size else 0:.6g})")
        cells.append(p[p > 0])
    p_cell = np.outer(cells[0], cells[1]).ravel()
    log_miss = np.log1p(-p_cell)
    values, counts = np.unique(sizes, return_counts=True)
    expected_unique = sum(c * n * float(np.sum(p_cell * np.exp((n - 1) * log_miss)))
                          for n, c in zip(values, counts))
    return expected_unique / float(sizes.sum())


# ---------------------------------------------------------------------------------- people
def _names(sex: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    female = sex == "F"
    first = np.where(female, np.asarray(FIRST_NAMES_F, dtype=object)[rng.integers(len(FIRST_NAMES_F),
                                                                                   size=sex.size)],
                     np.asarray(FIRST_NAMES_M, dtype=object)[rng.integers(len(FIRST_NAMES_M), size=sex.size)])
    last = np.asarray(LAST_NAMES, dtype=object)[rng.integers(len(LAST_NAMES), size=sex.size)]
    return first, last


def _distinct_integers(low: int, high: int, size: int, rng: np.random.Generator,
                       exclude=None) -> np.ndarray:
    """``size`` distinct integers drawn uniformly from ``[low, high)`` minus the ``exclude`` mask."""
    out = np.empty(0, dtype=np.int64)
    while out.size < size:
        draw = rng.integers(low, high, size=2 * (size - out.size) + 16)
        if exclude is not None:
            draw = draw[~exclude(draw)]
        out = np.concatenate([out, draw])
        _, first = np.unique(out, return_index=True)
        out = out[np.sort(first)]
    return out[:size]


def _ssns(size: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct SSNs of valid format ``AAA-GG-SSSS``: area 001-899 except 666, group 01-99, serial
    0001-9999 (the SSA's rules; 000, 666, 9xx, group 00 and serial 0000 are never issued)."""
    def bad(x):
        area, rest = x // 990_000, x % 990_000
        return (area == 665) | (rest % 10_000 == 9_999)  # area 666 (index 665); serial index 9999
    raw = _distinct_integers(0, 899 * 990_000, size, rng, exclude=bad)
    area, rest = raw // 990_000 + 1, raw % 990_000
    group, serial = rest // 10_000 + 1, rest % 10_000 + 1
    return np.array([f"{a:03d}-{g:02d}-{s:04d}" for a, g, s in zip(area, group, serial)], dtype=object)


def _phones(size: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct North-American numbers ``(AAA) EEE-LLLL`` with New England area codes; the exchange
    ``EEE`` is 200-999 but never ``N11`` or ``555``."""
    def bad(x):
        exchange = x // 10_000 % 1_000
        return (exchange < 200) | (exchange % 100 == 11) | (exchange == 555)
    raw = _distinct_integers(0, len(AREA_CODES) * 10_000_000, size, rng, exclude=bad)
    area = np.asarray(AREA_CODES)[raw // 10_000_000]
    exchange, line = raw // 10_000 % 1_000, raw % 10_000
    return np.array([f"({a}) {e:03d}-{ln:04d}" for a, e, ln in zip(area, exchange, line)], dtype=object)


def _emails(first: np.ndarray, last: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    numbers = rng.integers(1, 100, size=first.size)
    domains = np.asarray(EMAIL_DOMAINS)[rng.integers(len(EMAIL_DOMAINS), size=first.size)]
    emails = [f"{f.lower()}.{la.lower().replace(chr(39), '')}{n}@{d}"
              for f, la, n, d in zip(first, last, numbers, domains)]
    seen: dict[str, int] = {}
    for i, e in enumerate(emails):  # a repeated address gets a suffix, so every patient has their own
        if e in seen:
            seen[e] += 1
            local, domain = e.split("@")
            emails[i] = f"{local}.{seen[e]}@{domain}"
        else:
            seen[e] = 0
    return np.asarray(emails, dtype=object)


def _age_on(birth: pd.Series, day) -> np.ndarray:
    """Completed years of age on ``day`` (one day, or a Series of days aligned with ``birth``)."""
    b = pd.DatetimeIndex(birth)
    if isinstance(day, pd.Series):
        d = pd.DatetimeIndex(day)
        year, month, dom = d.year.to_numpy(), d.month.to_numpy(), d.day.to_numpy()
    else:
        t = pd.Timestamp(day)
        year, month, dom = t.year, t.month, t.day
    bm, bd = b.month.to_numpy(), b.day.to_numpy()
    before_birthday = (month < bm) | ((month == bm) & (dom < bd))
    return np.asarray(year - b.year.to_numpy() - before_birthday, dtype=np.int64)


def _adults(people: pd.DataFrame) -> pd.DataFrame:
    return people[_age_on(people["birth_date"], CENSUS_DAY) >= 18]


def patients(n: int = 2000, seed: int = 0, *, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """``n`` hospital patients drawn from ``population`` (default: ``population(POPULATION_SIZE_FAST,
    seed)``), one row each.

    Columns: ``patient_id`` (``"P000001"``...), ``person_id`` (the ground-truth link to the
    population; drop it before release), ``name``, ``ssn``, ``email``, ``phone``, ``birth_date``,
    ``age`` (completed years at admission), ``zip``, ``sex``, ``diagnosis``, ``visits``,
    ``admission_date``.

    Patients are residents aged 18 or more on :data:`CENSUS_DAY`, drawn without replacement with
    weight ``0.5 + age / 40`` (hospitals see older people more often). ``diagnosis`` follows
    :data:`DIAGNOSES`, tilted by age (chronic illness and cancer rise with age); ``visits`` is
    ``1 + Poisson(mean)`` with a mean that depends on the diagnosis; ``admission_date`` falls in the
    year after :data:`CENSUS_DAY`. SSNs, phone numbers and e-mail addresses are distinct, of valid
    format, and the e-mail domains are the reserved ``example.*`` ones.
    """
    n = check_int(n, "n", 1)
    if population is None:
        population = _population(POPULATION_SIZE_FAST, seed)
    people = _check_people(population, "population", ("person_id", "zip", "birth_date", "sex"))
    rng = _rng(seed)
    adults = _adults(people)
    if n > len(adults):
        raise ValueError(f"n must be at most the number of adults in population ({len(adults)}), got {n}")
    age_census = _age_on(adults["birth_date"], CENSUS_DAY)
    weight = 0.5 + age_census / 40.0
    chosen = rng.choice(len(adults), size=n, replace=False, p=weight / weight.sum())
    sample = adults.iloc[chosen].reset_index(drop=True)

    admission = pd.Series(CENSUS_DAY + rng.integers(0, 365, size=n).astype("timedelta64[D]"))
    admission = admission.astype("datetime64[ns]")
    age = _age_on(sample["birth_date"], admission)

    names = list(DIAGNOSES)
    logits = (np.log(np.array([DIAGNOSES[d] for d in names]))[None, :]
              + np.array([_AGE_TILT[d] for d in names])[None, :] * ((age[:, None] - 50) / 30))
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    diagnosis_index = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    diagnosis = np.asarray(names, dtype=object)[np.minimum(diagnosis_index, len(names) - 1)]
    visits = 1 + rng.poisson(np.array([_MEAN_EXTRA_VISITS[d] for d in diagnosis]))

    sex = sample["sex"].to_numpy()
    first, last = _names(sex, rng)
    return pd.DataFrame({
        "patient_id": [f"P{i:06d}" for i in range(1, n + 1)],
        "person_id": sample["person_id"].to_numpy(),
        "name": first + " " + last,
        "ssn": _ssns(n, rng),
        "email": _emails(first, last, rng),
        "phone": _phones(n, rng),
        "birth_date": sample["birth_date"].to_numpy(),
        "age": age,
        "zip": sample["zip"].to_numpy(),
        "sex": sex,
        "diagnosis": diagnosis,
        "visits": visits.astype(np.int64),
        "admission_date": admission.to_numpy(),
    })


def voter_list(patients: pd.DataFrame, population: pd.DataFrame | None = None, seed: int = 0, *,
               overlap: float = 0.8, n_extra: int | None = None) -> pd.DataFrame:
    """A public voter list that holds ``overlap`` of the ``patients`` plus ``n_extra`` other adults.

    Columns: ``voter_id``, ``person_id`` (ground truth; an attacker does not need it), ``name``,
    ``address``, ``zip``, ``birth_date``, ``sex``, ``party``, ``registration_date``. The
    ``round(overlap * len(patients))`` patients on the list appear under their own name, ZIP, birth
    date and sex, so joining on ``(zip, birth_date, sex)`` puts a name on a medical record (Sweeney's
    Massachusetts linkage). The other voters are adults of ``population`` who are not patients:
    all of them when ``n_extra`` is ``None`` (a full electoral roll), else ``n_extra`` drawn at random.

    ``population`` must be the table the patients were drawn from (default:
    ``population(POPULATION_SIZE_FAST, seed)``, which is what ``patients(n, seed)`` used); a
    patient missing from it, or listed there with another ZIP, birth date or sex, is a ``ValueError``.
    """
    _check_people(patients, "patients", ("person_id", "name", "zip", "birth_date", "sex"))
    overlap = check_probability(overlap, "overlap")
    if population is None:
        population = _population(POPULATION_SIZE_FAST, seed)
    people = _check_people(population, "population", ("person_id", "zip", "birth_date", "sex"))
    rng = _rng(seed)

    keys = ["person_id", "zip", "birth_date", "sex"]
    found = patients[keys].merge(people[keys], on=keys, how="left", indicator=True)
    if (found["_merge"] != "both").any():
        raise ValueError("patients were not drawn from this population: "
                         f"{int((found['_merge'] != 'both').sum())} patient(s) are missing from it or differ "
                         "in zip/birth_date/sex; pass the population that patients() used")

    n_overlap = round(overlap * len(patients))
    on_list = patients.iloc[np.sort(rng.choice(len(patients), size=n_overlap, replace=False))]
    others = _adults(people)
    others = others[~others["person_id"].isin(patients["person_id"])]
    if n_extra is None:
        extra = others
    else:
        n_extra = check_int(n_extra, "n_extra", 0)
        if n_extra > len(others):
            raise ValueError(f"n_extra must be at most the {len(others)} adults of population who are "
                             f"not patients, got {n_extra}")
        extra = others.iloc[np.sort(rng.choice(len(others), size=n_extra, replace=False))]
    first, last = _names(extra["sex"].to_numpy(), rng)

    voters = pd.DataFrame({
        "person_id": np.concatenate([on_list["person_id"].to_numpy(), extra["person_id"].to_numpy()]),
        "name": np.concatenate([on_list["name"].to_numpy(), first + " " + last]),
        "zip": np.concatenate([on_list["zip"].to_numpy(), extra["zip"].to_numpy()]),
        "birth_date": np.concatenate([on_list["birth_date"].to_numpy(), extra["birth_date"].to_numpy()]),
        "sex": np.concatenate([on_list["sex"].to_numpy(), extra["sex"].to_numpy()]),
    })
    voters = voters.iloc[rng.permutation(len(voters))].reset_index(drop=True)
    m = len(voters)
    street = (rng.integers(1, 400, size=m).astype(str).astype(object) + " "
              + np.asarray(STREETS, dtype=object)[rng.integers(len(STREETS), size=m)] + " "
              + np.asarray(STREET_TYPES, dtype=object)[rng.integers(len(STREET_TYPES), size=m)])
    eighteen = voters["birth_date"] + pd.DateOffset(years=18)
    span_days = (pd.Timestamp(VOTER_LIST_DAY) - eighteen).dt.days.to_numpy()
    registered = eighteen + pd.to_timedelta(np.floor(rng.random(m) * span_days), unit="D")
    voters.insert(0, "voter_id", [f"V{i:07d}" for i in range(1, m + 1)])
    voters.insert(3, "address", street)
    voters["party"] = np.asarray(PARTIES, dtype=object)[rng.choice(len(PARTIES), size=m, p=PARTY_SHARES)]
    voters["registration_date"] = registered.to_numpy()
    return voters
