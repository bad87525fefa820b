"""PII detection and anonymisation for German and English social-media text.

Pure: no I/O except reading the lexicons shipped in ``resources/``. Entry points:

    from sphere.pii.analyzer import build_analyzer
    from sphere.pii.anonymizer import anonymize

    analyzer = build_analyzer()
    spans = analyzer.analyze("Hallo Anna, ruf mich an: 0170 1234567", lang="de")
    anonymize(text, spans).text   # "Hallo <PERSON_1>, ruf mich an: <PHONE_NUMBER_1>"

Nothing is imported or loaded here; import the submodules you need.
"""
