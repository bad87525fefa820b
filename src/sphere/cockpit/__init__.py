"""DB-backed services of the DPO cockpit (GDPR Art. 30, 35, 5(2) accountability).

Pure functions over a ``Session`` (the caller owns the transaction); the web layer and
the CLI only call them:

* ``record.build_record`` / ``record.record_to_jsonld`` / ``record_pdf.record_to_pdf``
* ``findings.compute_findings`` and ``inventory.build_inventories``
* ``whatif.what_if`` / ``whatif.apply_draft`` (drafts: ``draft_from_yaml``,
  ``draft_without_rule``)
* ``audit_trail.audit_trail``, ``policy_history.policy_versions`` / ``version_diff``
* ``timeline.contact_timeline``
"""
