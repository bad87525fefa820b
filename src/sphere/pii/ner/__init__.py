"""Small statistical NER for German and English social-media text.

An averaged structured perceptron over BIO labels, trained by ``scripts/train_ner.py``
from CC BY 4.0 corpora (see ``docs/data-attribution.md``, ``docs/ner.md``) and shipped
as ``model.bin.gz``. Pure Python at run time: no numpy, no downloads.

    tagger = load_tagger()
    tagger.tag("Talked to John Miller", "en")  # [(10, 21, "PERSON", 0.97)]
"""

from sphere.pii.ner.tagger import Entity, Tagger, load_tagger
from sphere.pii.ner.tokenize import tokenize

__all__ = ["Entity", "Tagger", "load_tagger", "tokenize"]
