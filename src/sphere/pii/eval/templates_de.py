# ruff: noqa: E501  (a data table: one post per line reads better than wrapped strings)
"""Hand-written German social-post templates for the synthetic evaluation set.

``{slot}`` marks where ``sphere.pii.eval.synthetic`` inserts a fake value and records
its gold span (see ``SLOTS`` there); ``{version}`` inserts an unlabelled decoy. The
typos, emoji, hashtags and English code-switching are deliberate: that is how people
write to a brand. Each template carries tags used to slice the results.
"""

from __future__ import annotations

TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hallo @Kundenservice, ich bin {name} und warte seit dem {date} auf meine Lieferung 😤", ()),
    (
        "Mein Kollege {name} hat das gleiche Problem mit der App. Ruft ihn an: {phone}",
        ("third-party",),
    ),
    ("@support bitte meldet euch unter {phone} oder per Mail an {email} – danke!", ()),
    ("Hab die Rechnung nie bekommen. Kundennummer {customer}, Bestellung {order}. #ärgerlich", ()),
    ("Die Rückerstattung bitte auf DE-Konto {iban} (Kontoinhaber {name}) 🙏", ()),
    ("Meine neue Adresse: {address}. Bitte für die nächste Lieferung ändern!!", ()),
    (
        "Wir sind umgezogen 🎉 ab sofort {address} – sagt es {first} nicht, Überraschung 😂",
        ("third-party",),
    ),
    ("Bestellnummer {order} ist immer noch nicht da, langsam reicht's 🙄 #fail", ("tricky",)),
    (
        "Mein Sohn {first} (geb. {dob}) hat die Kinderkarte verloren, was nun?",
        ("third-party", "minor"),
    ),
    ("Geburtsdatum {dob}, Kundennr {customer} – reicht das zur Verifizierung?", ()),
    ("Frau {last} aus der Filiale {city} war super freundlich, großes Lob! 👍", ("third-party",)),
    ("Schreib mir ne DM oder an {email}, ich hab {version} installiert und nix geht", ("tricky",)),
    (
        "App-Version {version} stürzt beim Login ab. Gerät: Pixel 7, Android 14 #bug",
        ("tricky", "negative"),
    ),
    ("Kann mir jemand sagen warum meine Karte {card} abgelehnt wurde?? 😡", ()),
    ("Zahlung mit Kreditkarte {card} doppelt abgebucht. Bitte prüfen, {name}", ()),
    ("Server {ip} antwortet nicht, euer Status-Page sagt alles ok 🤔", ()),
    ("Login von unbekannter IP {ip} – war das ein Hacker?! Bitte sperren", ()),
    ("Hier der Link zu meinem Profil: {url} – da seht ihr die Bewertung", ()),
    ("Guckt mal {url} da steht das Gegenteil von dem was ihr sagt", ()),
    ("Meine Steuer-ID ist {taxid}, braucht ihr die wirklich für die Rechnung??", ()),
    ("Für den Riester-Vertrag hab ich meine Steuer-Identifikationsnummer {taxid} angegeben", ()),
    ("Rentenversicherungsnummer {pension} – bitte vertraulich behandeln", ()),
    ("SV-Nummer: {pension}, Arbeitgeber hat die falsch übermittelt", ()),
    ("Ausweisnummer {idcard} wurde beim Video-Ident nicht erkannt 🙈", ()),
    ("Personalausweis-Nr. {idcard} – reicht das oder braucht ihr ne Kopie?", ()),
    ("Reisepass {passport} läuft bald ab, kann ich trotzdem einchecken?", ()),
    ("Passnummer {passport}, Flug am {date} – Sitzplatz geht nicht zu buchen", ()),
    ("Mietwagen mit Kennzeichen {plate} hatte einen Platten auf der A3 🚗💨", ()),
    ("Der Fahrer von {plate} hat mich fast umgefahren, ist das euer Lieferwagen?", ()),
    ("{handle} hat mir geraten euch zu schreiben. Also: wo ist mein Paket?", ("third-party",)),
    ("cc {handle} {fedi} – ihr hattet doch auch Probleme mit dem Router?", ("third-party",)),
    ("Folgt mir lieber auf Mastodon: {fedi} 🐘 #fediverse", ()),
    ("Ich ({name}, {city}) habe am {date} angerufen und niemand hat zurückgerufen", ()),
    ("Termin am {date} um 14 Uhr in {city}? Bitte bestätigen an {phone}", ()),
    ("hallo ich bin die {first} und mein handy {phone} ist seit gestern tot", ("lowercase",)),
    ("Tel.: {phone} | Mail: {email} | {address}", ()),
    ("meine schwester {first} wohnt {address} und bekommt ständig eure Werbung", ("third-party",)),
    ("Unser Nachbar {name} hat die Sendung angenommen, steht aber nirgends 🤷‍♀️", ("third-party",)),
    ("Danke an {first} vom Support-Team, hat super geholfen!! 💯", ("third-party",)),
    ("Rechnung an {name}, {address}, USt bitte ausweisen. Kd-Nr {customer}", ()),
    ("Neues Handy, neue Nummer: {phone}. Alte bitte löschen", ()),
    (
        "Meine Frau {first} und ich ({first}) sind seit 10 Jahren Kunden. Enttäuscht.",
        ("third-party",),
    ),
    ("Geb.-Datum im Konto ist falsch: richtig ist {dob}, nicht wie bei euch hinterlegt", ()),
    ("Ich wurde am {dob} geboren, warum zeigt die App mich als minderjährig an?", ()),
    ("Überweisung von {iban} kam zurück, IBAN ungültig sagt ihr – ist sie aber nicht", ()),
    ("IBAN: {iban}\nBIC: COBADEFFXXX\nBitte SEPA-Mandat aktualisieren", ()),
    ("Die Lastschrift vom {date} wurde zweimal eingezogen 😤 Konto {iban}", ()),
    ("Mein Account {email} ist gesperrt. Support-Ticket {order} seit Wochen offen", ()),
    ("Paket sollte zu {address}, ist aber in {city} gelandet. Sendung {order}", ()),
    ("Grüße aus {city}! Eure Filiale am Markt ist top 😊 #lokal", ()),
    ("Der Techniker {name} kommt am {date} – ist der Termin fix?", ("third-party",)),
    ("{handle} das ist doch dein Laden oder? 😄", ("third-party",)),
    ("Router zeigt IP {ip}, Firmware {version}. Internet geht trotzdem nicht 🙃", ("tricky",)),
    (
        "Heute bei euch: Objektiv Tele 70-200 für 899 € – lohnt sich das? #fotografie",
        ("tricky", "negative"),
    ),
    (
        "Diabetes-freundliche Rezepte im neuen Kochbuch – kennt die wer? #rezepte",
        ("tricky", "negative"),
    ),
    (
        "Meine Mutter {name} ist Diabetikerin und braucht zuckerfreie Produkte, habt ihr sowas?",
        ("special-category", "third-party"),
    ),
    (
        "Ich bin seit {date} in Therapie wegen Burnout, kann ich den Vertrag pausieren? {email}",
        ("special-category",),
    ),
    (
        "Als Schwerbehinderter (GdB 50) brauche ich den Ermäßigungstarif. {name}, Kd-Nr. {customer}",
        ("special-category",),
    ),
    (
        "Ich bin Mitglied der Gewerkschaft und streike am {date}, bitte Termin verschieben",
        ("special-category",),
    ),
    (
        "Mein Mann {first} liegt im Krankenhaus, bitte kontaktiert mich unter {phone}",
        ("special-category", "third-party"),
    ),
    ("Bin Muslim und suche Halal-Produkte in {city} – habt ihr welche?", ("special-category",)),
    (
        "Meine Freundin {first} und ich heiraten am {date} 🏳️‍🌈 Habt ihr Angebote?",
        ("special-category", "third-party"),
    ),
    ("Weiterleitung an {email} und cc {email} bitte, beide sind zuständig", ()),
    ("Kontakt: {name} · {phone} · {url}", ()),
    ("Ok ich geb auf. Meld dich {first}: {phone} oder {handle}", ("third-party",)),
    (
        "Der Fahrer hat das Paket bei {name}, {street} abgegeben – kenne ich nicht!",
        ("third-party",),
    ),
    ("Zählerstand übermittelt am {date}, Kundennummer {customer}, Adresse {address}", ()),
    (
        "Version {version} vs. {version}: was ist neu? Changelog fehlt #feedback",
        ("tricky", "negative"),
    ),
    ("Ruft mich NICHT mehr an!!! {phone} ist eine Privatnummer 🤬", ()),
    ("Bestellung Nr. {order} vom {date}: Farbe falsch geliefert. {name}", ("tricky",)),
)
