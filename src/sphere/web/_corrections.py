"""The correction form's fields (Art. 16), read the same way by the portal and the
cockpit; ``rights.rectification`` checks them (the limits here only bound the input)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form

Field = Annotated[str, Form(max_length=1000)]


def correction_form(
    fix_email: Field = "",
    fix_phone: Field = "",
    fix_given_name: Field = "",
    fix_family_name: Field = "",
    fix_street: Field = "",
    fix_postcode: Field = "",
    fix_city: Field = "",
) -> dict[str, str]:
    """What was typed per field (``rights.rectification.FIELDS``), empty ones left out."""
    typed = {
        "email": fix_email,
        "phone": fix_phone,
        "given_name": fix_given_name,
        "family_name": fix_family_name,
        "street": fix_street,
        "postcode": fix_postcode,
        "city": fix_city,
    }
    return {k: v for k, v in typed.items() if v.strip()}


CorrectionValues = Annotated[dict[str, str], Depends(correction_form)]
