"""Data-subject rights as database-backed services (GDPR Art. 12-22).

Each module is one right or one duty: ``requests`` (workflow and Art. 12(3) deadline),
``verification`` (who is asking), ``access`` (Art. 15 and the Art. 20 export),
``controls`` (rectification Art. 16, restriction Art. 18, objection Art. 21),
``erasure`` (Art. 17 cascade with crypto-shredding), ``notices`` (Art. 14 duties),
``retention`` (Art. 5(1)(e) storage limitation) and ``consents`` (the ledger with the
policy's purposes as the allowed vocabulary).

Every function takes the caller's session and never commits. Refusals are raised as
``Refused`` after an audit entry was written: the caller commits the session anyway
(``Refused.commit_anyway``), so the refusal is on record and nothing else changed.
"""
