"""The age below which a child's consent to information-society services needs a holder
of parental responsibility (GDPR Art. 8(1)): 16, unless a member state provides by law
for a lower age, not below 13. Sphere uses it as the age under which a person counts as a
minor for profiling, enrichment and marketing (Recital 38: children merit specific
protection "in particular … for the purposes of marketing or creating personality or
user profiles").

National choices (implementing laws as commonly reported; verify for your case — the
setting ``SPHERE_DIGITAL_CONSENT_AGE`` overrides): 13 — BE, DK, EE, FI, LV, MT, PT, SE;
14 — AT, BG, CY, ES, IT, LT; 15 — CZ, FR, GR, SI; 16 — DE (no national deviation; BDSG
has none), HR, HU, IE, LU, NL, PL, RO, SK and the GDPR default for any other state.
"""

from __future__ import annotations

from sphere.errors import InvalidInput

GDPR_DEFAULT_AGE = 16
MINIMUM_AGE = 13
_NATIONAL: dict[str, int] = {
    **dict.fromkeys(("BE", "DK", "EE", "FI", "LV", "MT", "PT", "SE"), 13),
    **dict.fromkeys(("AT", "BG", "CY", "ES", "IT", "LT"), 14),
    **dict.fromkeys(("CZ", "FR", "GR", "SI"), 15),
}


def digital_consent_age(member_state: str, override: int | None = None) -> int:
    """The Art. 8(1) age for ``member_state`` (ISO 3166-1 alpha-2), or ``override``."""
    if override is not None:
        if not MINIMUM_AGE <= override <= GDPR_DEFAULT_AGE:
            raise InvalidInput("the digital consent age must be between 13 and 16 (Art. 8(1))")
        return override
    code = member_state.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidInput("member state: an ISO 3166-1 alpha-2 code such as DE")
    return _NATIONAL.get(code, GDPR_DEFAULT_AGE)
