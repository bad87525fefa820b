"""Build the lexicons shipped with ``sphere.pii`` (run at BUILD time, never at run time).

Sources are Faker's bundled providers (MIT licensed, installed as a dependency) plus
hand-written lists kept in this script. Output goes to ``src/sphere/pii/resources/``:

- ``first_names.txt.gz``   lower-cased first names (de_DE + en_US)
- ``surnames.txt.gz``      lower-cased surnames (de_DE + en_US)
- ``common_words.txt.gz``  lower-cased words that must not count as a name on their own:
                           Faker's German/English lorem word lists, hand-written German
                           nouns and English words that double as first names
- ``de_districts.txt``     German licence-plate district codes (Unterscheidungszeichen)
- ``de_cities.txt.gz``     German town names for "PLZ + city" addresses
- ``language_profile.json`` character-trigram log-probabilities for de/en

Usage: ``python scripts/build_pii_lexicons.py``
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from pathlib import Path

from faker.providers.address.de_DE import Provider as AddressDE
from faker.providers.automotive.de_DE import Provider as AutomotiveDE
from faker.providers.lorem.de_DE import Provider as LoremDE
from faker.providers.lorem.en_US import Provider as LoremEN
from faker.providers.person.de_DE import Provider as PersonDE
from faker.providers.person.en_US import Provider as PersonEN

OUT = Path(__file__).resolve().parent.parent / "src" / "sphere" / "pii" / "resources"

# German nouns and words that are also first names or surnames, or are capitalised
# at the start of a post so often that a lexicon hit alone must not make them a name.
GERMAN_WORDS = """
mai august rose ernst frank kai heide wolf engel sommer winter herbst klein lang kurz
braun schwarz weiss weiß roth hahn bauer koch fischer müller schmidt schneider meyer
weber wagner becker schulz hoffmann richter krüger kaiser könig hase fuchs vogel stein
berg busch graf keller jung alt neu gut frei hell licht sonne mond stern blume lilie
nelke
hallo danke bitte liebe lieber leute team support service kundenservice hotline
heute morgen gestern abend nacht tag woche monat jahr zeit uhr stunde minute
mann frau kind kinder eltern mutter vater sohn tochter bruder schwester oma opa
freund freundin kollege kollegin chef chefin nachbar nachbarin arzt ärztin lehrer
lehrerin schüler student studentin kunde kundin mitarbeiter mitarbeiterin leiter
paket lieferung bestellung rechnung vertrag konto karte nummer adresse straße stadt
land dorf haus wohnung zimmer küche bad garten auto bahn zug bus flug fahrrad
handy telefon computer laptop internet app seite post kommentar nachricht mail
problem frage antwort hilfe info infos update termin anruf rückruf kündigung
geld preis euro angebot rabatt aktion gutschein shop laden markt filiale
essen trinken kaffee tee bier wein wasser brot kuchen pizza burger
arbeit schule uni urlaub reise hotel strand meer see fluss wald park
wetter regen schnee wind sturm
gott kirche glaube hoffnung liebe freude glück pech ärger spaß
ja nein doch mal schon noch auch nur sehr ganz immer nie wieder
wie was wer wo wann warum welche welcher welches
super toll klasse prima danke okay
deutschland berlin hamburg münchen köln frankfurt stuttgart düsseldorf
telekom vodafone amazon google apple dhl hermes
montag dienstag mittwoch donnerstag freitag samstag sonntag
januar februar märz april juni juli september oktober november dezember
"""

# English words that double as first names; they need context ("Hi Will").
ENGLISH_WORDS = """
will may june april august mark bill art rich grace hope joy faith summer dawn
crystal amber ruby jade autumn destiny angel christian sunny rob pat sue don guy
jack frank earl king page lane dean chase hunter mason carter parker cooper taylor
brook brooks wade chance miles rusty sandy holly ivy iris daisy lily violet rose
victor victoria major sterling price glen norman gene penny ginger hazel olive pearl
dale ray chip bud buck drew jean gay sky river rain storm star early young white black
green brown gray grey love kind long short hill field ward wood woods bell ford
hi hello hey thanks thank dear team support service everyone all guys folks
today tomorrow yesterday morning evening night monday tuesday wednesday thursday
friday saturday sunday january february march july september october november december
"""


def _words(block: str) -> set[str]:
    return {w.strip().lower() for w in block.split() if w.strip()}


def _write_gz(name: str, words: set[str]) -> None:
    data = "\n".join(sorted(words)) + "\n"
    with gzip.GzipFile(OUT / name, "wb", mtime=0) as fh:
        fh.write(data.encode("utf-8"))


def _trigram_profile(words: list[str], size: int = 400) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for word in words:
        padded = f" {word.lower()} "
        for i in range(len(padded) - 2):
            counts[padded[i : i + 3]] += 1
    top = counts.most_common(size)
    total = sum(c for _, c in top)
    return {gram: round(math.log(c / total), 3) for gram, c in top}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    first = {n.lower() for n in (*PersonDE.first_names, *PersonEN.first_names)}
    last = {n.lower() for n in (*PersonDE.last_names, *PersonEN.last_names)}
    lorem_de = {w.lower() for w in LoremDE.word_list}
    lorem_en = {w.lower() for w in LoremEN.word_list}
    common = lorem_de | lorem_en | _words(GERMAN_WORDS) | _words(ENGLISH_WORDS)
    _write_gz("first_names.txt.gz", first)
    _write_gz("surnames.txt.gz", last)
    _write_gz("common_words.txt.gz", common)
    _write_gz("de_cities.txt.gz", {c.lower() for c in AddressDE.cities})
    districts = sorted({p.upper() for p in AutomotiveDE.license_plate_prefix})
    (OUT / "de_districts.txt").write_text("\n".join(districts) + "\n", encoding="utf-8")
    profile = {
        "de": _trigram_profile(list(LoremDE.word_list) + list(AddressDE.cities)),
        "en": _trigram_profile(list(LoremEN.word_list)),
    }
    (OUT / "language_profile.json").write_text(
        json.dumps(profile, ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    print(f"wrote {len(first)} first names, {len(last)} surnames, {len(common)} common words")


if __name__ == "__main__":
    main()
