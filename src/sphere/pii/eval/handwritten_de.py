# ruff: noqa: E501  (a data table: one post per line reads better than wrapped strings)
"""Hand-written German posts with inline labels (``[[surface|TYPE]]``, see ``markup``).

Written for this set; every person, handle and number is fictional (e-mail at
example.*, IBANs and tax IDs with valid check digits but made-up digits). Tags:
``negative`` = contains no PII at all, ``tricky`` = contains something that looks like
PII but is not (or is of another type), ``special-category`` = GDPR Art. 9 disclosure.
"""

from __future__ import annotations

POSTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Mein Kollege [[Jonas Weber|PERSON]] meinte, ihr seid die Besten. Stimmt leider nicht 😒",
        ("third-party",),
    ),
    ("Bitte an [[Lindenstraße 12, 50667 Köln|LOCATION]] liefern, nicht an die alte Adresse!", ()),
    ("Ruft mich bitte zurück: [[0171 2345678|PHONE_NUMBER]] (ab 17 Uhr)", ()),
    ("Festnetz [[+49 30 1234567|PHONE_NUMBER]], mobil [[0157 99887766|PHONE_NUMBER]]", ()),
    (
        "Büro: [[(030) 123 45 67|PHONE_NUMBER]] – fragt nach Frau [[Brandt|PERSON]]",
        ("third-party",),
    ),
    (
        "Bestellnummer [[0301 2345678|ORDER_NUMBER]] – ja das ist ne Bestellnummer, keine Telefonnummer 😅",
        ("tricky",),
    ),
    ("Firmware 4.2.1.10 ist raus, endlich wieder stabil. #update", ("tricky", "negative")),
    ("Update auf 10.0.19045.3803 hat meinen Drucker zerschossen 🙄", ("tricky", "negative")),
    ("Die Sonne scheint, der Kaffee ist gut, nur eure App nicht 🙃", ("negative",)),
    (
        "Diabetes-freundliche Rezepte jetzt im Shop! Jetzt entdecken 🥗 #gesundheit",
        ("tricky", "negative"),
    ),
    ("Neu: Tele 70-200 f/2.8 wieder lieferbar – schnell sein! 📸", ("tricky", "negative")),
    ("Bauer sucht Frau läuft wieder und ich schau's mit Chips 🍿", ("tricky", "negative")),
    ("Der Müller hat die Milch vergessen und der Koch ist sauer 😂", ("tricky", "negative")),
    (
        "Ich bin Diabetiker Typ 1 und eure Insulin-Kühltasche ist kaputt gegangen. [[Markus Albrecht|PERSON]]",
        ("special-category",),
    ),
    (
        "Meine Tochter [[Lea|PERSON]] hat Epilepsie, gibt es das Armband auch in Kindergröße?",
        ("special-category", "third-party", "minor"),
    ),
    (
        "Seit meiner Chemo vertrage ich euer Shampoo nicht mehr. Habt ihr was Mildes?",
        ("special-category",),
    ),
    (
        "Ich bin HIV-positiv und wurde in eurer Filiale in [[Dortmund|LOCATION]] blöd angemacht. Geht gar nicht.",
        ("special-category",),
    ),
    (
        "Als evangelische Pfarrerin finde ich eure Werbung zu Ostern geschmacklos.",
        ("special-category",),
    ),
    ("Ich bin schwul und fühle mich von eurem Spot angesprochen ❤️ danke!", ("special-category",)),
    (
        "Bin im Betriebsrat bei ver.di aktiv, darf ich euren Newsletter abbestellen?",
        ("special-category",),
    ),
    ("Meine Steuer-ID [[29314170583|DE_TAX_ID]] steht falsch auf der Bescheinigung", ()),
    ("Steuer-IdNr: [[62984153774|DE_TAX_ID]]. Bitte korrigieren, [[Sabine Roth|PERSON]]", ()),
    ("IBAN [[DE50 5260 1815 9083 0166 13|IBAN_CODE]] bitte für die Erstattung verwenden", ()),
    (
        "Überweist es an [[DE10579754323194875749|IBAN_CODE]], Kontoinhaberin [[Petra Krüger|PERSON]]",
        (),
    ),
    ("Karte [[4000 5164 3883 1700|CREDIT_CARD]] wurde zweimal belastet!!!", ()),
    ("RV-Nummer [[13 120961 W 576|DE_PENSION_NUMBER]] – ist das die richtige für den Antrag?", ()),
    ("Ausweis-Nr. [[PFTRJFLNF|DE_ID_CARD]] läuft im Mai ab, muss ich den Vertrag ändern?", ()),
    ("Reisepassnummer [[CLF8Y0YGW8|DE_PASSPORT]] – Online-Check-in schlägt fehl", ()),
    (
        "Euer Lieferwagen [[K-LM 2045|DE_LICENSE_PLATE]] parkt schon wieder in der Feuerwehrzufahrt 😡",
        (),
    ),
    ("Ich hab ein Foto vom Kennzeichen: [[GL-XY 77|DE_LICENSE_PLATE]]", ()),
    ("Schreibt mir auf Mastodon [[@lena_k@social.example.org|SOCIAL_HANDLE]] statt hier", ()),
    ("[[@tobi_rennt|SOCIAL_HANDLE]] hat dasselbe Problem, oder [[Tobi|PERSON]]?", ("third-party",)),
    ("Danke [[@kundenservice_example|SOCIAL_HANDLE]] für die schnelle Hilfe 👍", ()),
    ("Geburtsdatum [[14.02.1987|DATE_OF_BIRTH]], Kundennummer [[KD-448812|CUSTOMER_NUMBER]]", ()),
    (
        "Ich bin am [[3. Mai 1992|DATE_OF_BIRTH]] geboren und trotzdem sagt die App ich bin zu jung",
        (),
    ),
    ("Am [[12.03.2024|DATE_TIME]] bestellt, heute immer noch nix da.", ()),
    (
        "Termin am [[17.06.|DATE_TIME]] um 9 Uhr passt mir nicht, geht auch der [[19.06.|DATE_TIME]]?",
        (),
    ),
    ("Mail an [[m.hoffmann@example.com|EMAIL_ADDRESS]] kommt zurück, Postfach voll?", ()),
    ("Meine neue E-Mail ist [[anna.schulz84@example.org|EMAIL_ADDRESS]] – bitte ändern", ()),
    ("Hier das Video vom Schaden: [[https://video.example.net/v/8812|URL]]", ()),
    ("Siehe [[www.example.org/agb|URL]] Punkt 7 – da steht was anderes!", ()),
    ("Mein Router hat [[192.168.178.1|IP_ADDRESS]] und ich komm nicht ins Menü", ()),
    ("Verdächtiger Login von [[203.0.113.42|IP_ADDRESS]], war nicht ich!", ()),
    ("Kundenkonto [[K102938475|CUSTOMER_NUMBER]] bitte löschen. Art. 17 DSGVO.", ()),
    (
        "Bitte löscht alle meine Daten. [[Jan Fischer|PERSON]], [[Am Hang 3, 53111 Bonn|LOCATION]]",
        (),
    ),
    ("Auskunft nach Art. 15 DSGVO bitte an [[j.fischer@example.net|EMAIL_ADDRESS]]", ()),
    ("Der Paketbote hat geklingelt, ich war da, Zettel trotzdem im Briefkasten 🙄", ("negative",)),
    ("Die Hotline [[0800 123 456|PHONE_NUMBER]] ist nie erreichbar!! #servicewüste", ("tricky",)),
    ("Euer Angebot: 3 für 2 bis [[31.12.|DATE_TIME]] Gilt das auch online?", ("tricky",)),
    ("Artikelnummer 4006381333931 ist im Shop doppelt gelistet", ("tricky", "negative")),
    ("Preis 1.299,00 € statt 1.499,00 € – ist das ein Fehler?", ("tricky", "negative")),
    ("Paket wiegt 12.5 kg, Versand 4.99 €, Lieferzeit 2-3 Tage. Okay.", ("tricky", "negative")),
    ("Hab Bock auf Sommer ☀️ #köln #rheinufer", ("negative",)),
    ("Herr [[Sommer|PERSON]] von eurer Hotline war sehr hilfsbereit!", ("tricky", "third-party")),
    ("Der Winter kommt und eure Winterreifen sind ausverkauft. Toll.", ("tricky", "negative")),
    ("Frag mal Herrn [[Koch|PERSON]] aus der Buchhaltung, der weiß Bescheid", ("third-party",)),
    (
        "Oma [[Gerda|PERSON]] hat eure Kekse geliebt 🍪 bitte nie aus dem Sortiment nehmen",
        ("third-party",),
    ),
    (
        "mein nachbar [[kevin|PERSON]] hat mein paket geklaut glaub ich",
        ("third-party", "lowercase"),
    ),
    (
        "LOL [[Chantal|PERSON]] hat schon wieder bei euch bestellt 😂 @ mich wenn ihr Rabatt habt",
        ("third-party",),
    ),
    ("Wir wohnen jetzt in [[Leipzig-Gohlis|LOCATION]] – liefert ihr dahin auch?", ()),
    ("Filiale [[Hamburg Altona|LOCATION]] hat sonntags zu? Seit wann?", ()),
    ("Kann man bei euch mit Paypal zahlen? Frage für einen Freund 😉", ("negative",)),
    ("Version 2.3.4.1 der App: Dark Mode fehlt immer noch", ("tricky", "negative")),
    (
        "Meine Bestellung [[123-4567890-1234567|ORDER_NUMBER]] ist verschwunden – bitte helfen",
        ("tricky",),
    ),
    ("Ticket #4711 seit 3 Wochen offen 🙄", ("tricky", "negative")),
    ("Wer hat an der Uhr gedreht? Zeitumstellung killt meinen Wecker", ("negative",)),
    ("Ich (34, alleinerziehend) finde eure Familienangebote super 👍", ()),
    (
        "Ich bin schwanger und das Parfum macht mir Übelkeit – auch ohne Duft lieferbar?",
        ("special-category",),
    ),
    ("Meine Depression ist gerade schlimm, bitte nicht ständig anrufen.", ("special-category",)),
    (
        "Ich wähle seit Jahren die Grünen und finde euren Plastikmüll unmöglich",
        ("special-category",),
    ),
    ("Ich faste gerade im Ramadan, liefert ihr auch nach 21 Uhr?", ("special-category",)),
    (
        "Ruft Dr. [[Yilmaz|PERSON]] an, er hat meine Allergie-Befunde: [[0221 9876543|PHONE_NUMBER]]",
        ("special-category", "third-party"),
    ),
    ("Grüße an [[Mia|PERSON]] und [[Noah|PERSON]] aus der 3b 😊", ("third-party", "minor")),
    (
        "Bei [[Müller|PERSON]] auf dem Klingelschild klingeln, nicht bei [[Schmidt|PERSON]]",
        ("third-party",),
    ),
    (
        "Mein Ex [[Daniel Berger|PERSON]] hat noch Zugriff auf mein Konto!! Sofort sperren",
        ("third-party",),
    ),
    ("Neue Adresse ab [[1.4.|DATE_TIME]]: [[Ringstr. 8a, 04109 Leipzig|LOCATION]] 📦", ()),
    (
        "Kontakt Gewinnspiel: [[Tanja Becker|PERSON]], [[tanja.b@example.com|EMAIL_ADDRESS]], [[0176 55544433|PHONE_NUMBER]]",
        (),
    ),
    ("Ich hab die 0,5l Flasche für 1,29 gekauft, Bon Nr. 2024-0815", ("tricky", "negative")),
    ("Euer Code SOMMER2024 funktioniert nicht 😤", ("tricky", "negative")),
    ("Hab den Kundenservice Di, [[05.03.2024|DATE_TIME]] angerufen – 45 Minuten Warteschleife", ()),
    ("Öffnungszeiten Mo-Fr 8-18 Uhr, steht so auf der Website. Stimmt nicht.", ("negative",)),
)
