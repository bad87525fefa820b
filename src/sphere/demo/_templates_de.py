"""German post templates for the demo scenario (hand-written, about 60 % of all posts).

Slots in braces are filled by ``sphere.demo._text``: ``{co}`` mentions the company
account, ``{pal}`` mentions another account, ``#wort`` is a hashtag, ``{tag}`` a
product hashtag; ``{friend}``, ``{phone}``, ``{addr}``, ``{order}``, ``{custno}``,
``{email}``, ``{health}`` and ``{belief}`` put personal data into the text on purpose,
because that is what real posts contain and what the PII scrubber must find.
"""

from __future__ import annotations

# Addressed to the company in public: questions, complaints, praise with a mention.
ADDRESSED: tuple[str, ...] = (
    "{co} wann kommt endlich das {product} wieder auf Lager? Warte seit {days} Tagen {emoji}",
    "Hallo {co}, mein {product} macht beim Fokussieren komische Geräusche. Garantiefall?",
    "{co} super Service, danke an die Hotline! Objektiv nach {days} Tagen zurück 👍",
    "Ey {co}, Bestellnr. {order} ist immer noch nicht da. Was ist da los???",
    "{co} passt das {product} an meine {camera}? Finde nix auf eurer Seite",
    "{co} Frage: gibts fürs {product} eine Gegenlichtblende einzeln zu kaufen?",
    "{co} Echt enttäuscht. {price} für ein Objektiv und dann Staub hinter der Linse {emoji}",
    "Danke {co}! Das {product} ist der Hammer, die Schärfe ist unglaublich {tag}",
    "{co} könnt ihr mich bitte zurückrufen? {phone}, bin ab 17 Uhr erreichbar",
    "Liebes Team von {co}, meine Kundennummer ist {custno}, die Rechnung fehlt noch",
    "{co} warum ist der Preis vom {product} seit gestern {price}?? Hab letzte Woche mehr bezahlt",
    "{co} Reparatur dauert jetzt schon {days} Tage, ich brauch das Objektiv fürs Wochenende!",
    "{co} Gibts Studentenrabatt? Frag für meinen Kumpel {friend} 😅",
    "Kurze Frage an {co}: wird das {product} mit Firmware-Updates versorgt?",
    "{co} der Autofokus vom {product} pumpt bei wenig Licht. Bekanntes Problem?",
    "{co} ich konnte {health} nicht zum Fotokurs kommen, kann ich den Termin verschieben?",
    "Moin {co}, wo kann ich das {product} in {city} mal ausprobieren?",
    "{co} Lieferung an {addr} ging zurück, warum? Bestellnr. {order}",
    "{co} ganz ehrlich, euer Kundenservice ist der beste. Danke {emoji} {tag}",
    "Servus {co}, kommt ihr zur Photo-Messe nach {city}?",
    "{co} Objektivdeckel vom {product} verloren 🙈 kann man den nachbestellen?",
    "{co} bitte meldet euch per DM, das Problem mit {order} ist echt dringend",
    "Hey {co}, ich hab das {product} geschenkt bekommen, aber keine Rechnung. Garantie trotzdem?",
    "{co} Euer Shop zeigt bei mir nur Fehler 500 beim Checkout 🙄",
    "{co} {pal} hat gesagt ihr habt ein Trade-in Programm? Stimmt das?",
    "{co} wann gibts das {product} in schwarz? #optiklinse",
    "Lob an {co}: Versand superschnell, Verpackung top, Objektiv perfekt {emoji}",
    "{co} nach {days} Tagen immer noch keine Antwort auf meine Mail an {email}. Hallo??",
    "{co} ist das {product} wetterfest? Will damit in die Berge",
    "{co} kann ich mein {product} bei euch in München persönlich abholen?",
)

# Direct messages to a company account (private, but addressed to the company).
DIRECT: tuple[str, ...] = (
    "{co} Hallo, hier meine Daten für die Reparatur: {friend}, {addr}, Tel. {phone}",
    "{co} Bestellnr. {order}, Kundennr. {custno}. Bitte Rücksendeetikett an {email}",
    "{co} ich kann {health} nicht zur Post, könnt ihr das Paket abholen lassen? {addr}",
    "{co} meine neue Adresse ist {addr}, bitte im Kundenkonto {custno} ändern",
    "{co} hier meine Nummer {phone}, ruft mich bitte wegen {order} an",
    "{co} Rechnung bitte auf meine Frau {friend} ausstellen, Bestellung {order}",
)

# Public brand talk that does not address the company (no mention of the account).
BRAND: tuple[str, ...] = (
    "Heute mit dem {product} im Englischen Garten unterwegs gewesen {emoji} {tag}",
    "Das {product} von {brand} ist echt jeden Cent wert. #fotografie",
    "Hat jemand Erfahrung mit dem {product}? Überlege zu wechseln",
    "Mein neues Baby: {brand} {product} {emoji} #neueslinse {tag}",
    "{brand} hat's einfach drauf, Bokeh wie Butter {tag}",
    "Ich versteh den Hype um {brand} nicht. Mein altes Objektiv war schärfer",
    "Vergleich {product} vs. Fremdhersteller kommt morgen auf meinem Blog #fotografie",
    "Mit {friend} heute Makros im Botanischen Garten geschossen, {product} rockt {tag}",
    "Finger weg vom {product}, meins hatte nach 2 Monaten Fehlfokus {emoji}",
    "{brand} Objektive sind überteuert, sorry not sorry",
    "Sonnenuntergang am Chiemsee, {product}, f/8, 1/250 #landschaft {tag}",
    "Wer leiht mir ein {product} fürs Wochenende? Zahl auch was",
    "Gebrauchtes {product} für {price} gefunden. Zuschlagen? 🤔",
    "Erstes Hochzeitsshooting mit dem {product}. Brautpaar happy, ich happy {emoji}",
    "Die neue Werbung von {brand} ist ja mal richtig cringe 😂",
    "{tag} Vogelfotografie am Ammersee, der Eisvogel hat stillgehalten!",
    "Tipp: das {product} von {brand} im Angebot bei meinem Händler in {city}",
    "{brand} #optiklinse Street in {city} heute, nur mit dem {product}",
    "Meine Frau sagt ich hab zu viele Objektive. Jetzt kam noch das {product} dazu 🙈",
    "Objektivvergleich Teil 3: {brand} {product}. Fazit: scharf, schwer, teuer",
    "Portraits von {friend} mit dem {product} – ich bin verliebt in die Farben {emoji}",
    "Kann das {product} von {brand} wirklich mit den großen Marken mithalten?",
    "Gestern im Fotoclub {city}: alle reden nur noch über {brand}",
    "Nordlichter mit dem {product}!!! {emoji} #astrofotografie",
    "{brand} Fanboys sind echt anstrengend lol",
    "Hab das {product} verkauft. Zu schwer für Wanderungen, sonst top",
    "Zum ersten Mal {health} wieder mit der Kamera draußen, {product} dabei {emoji}",
    "{tag} #makro Spinne am Morgen, Tau auf dem Netz",
)

# Private context: followers-only posts and messages between people (not to the company).
PRIVATE: tuple[str, ...] = (
    "{pal} kannst du mir dein {product} bis Freitag leihen? Meine Nummer: {phone}",
    "{pal} treffen wir uns Samstag bei mir? {addr}, klingel bei {friend}",
    "Nur für Follower: {health} fällt mir das schwere {product} echt schwer",
    "{pal} hast du die Bilder von {friend}s Taufe schon bearbeitet? {belief}",
    "{pal} Geburtstagsgeschenk für Papa: {brand} {product}? Er wird 60 🎂",
    "{pal} bin heute nicht da, {health}, Shooting fällt aus",
    "Privat: {friend} und ich haben uns getrennt. Die Kamera behalte ich.",
    "{pal} meine neue Handynummer {phone}, alte bitte löschen",
    "{pal} schick mir mal deine Adresse, ich schick dir das Objektiv. Meine: {addr}",
    "{pal} {belief} – kommst du auch zum Gemeindefest fotografieren?",
    "Für Freunde: {health} geht es mir langsam besser, danke für die Nachrichten {emoji}",
    "{pal} das {product} war ein Fehlkauf, sag's aber keinem 🤫",
    "{pal} wir sind am Wochenende auf der Demo in {city}, {belief}",
    "{pal} kannst du {friend} meine Mail {email} geben? Wegen der Fotos",
)

# Unrelated: the author's life, nothing about the company or its products.
UNRELATED: tuple[str, ...] = (
    "Montag. Kaffee. Regen. {emoji}",
    "Wer hat Tipps für Wandern im Allgäu? #wandern",
    "Die Bahn hat mal wieder {days} Minuten Verspätung. Danke für nichts",
    "Heute Schweinebraten bei Oma {emoji} #sonntag",
    "Endlich Urlaub!!! {emoji}",
    "Mein Kumpel {friend} hat heute Geburtstag, alles Gute!",
    "Kennt jemand einen guten Zahnarzt in {city}?",
    "Tor für Bayern in der 90. Minute, ich kann nicht mehr 😂",
    "Steuererklärung fertig. Ich brauch ein Bier",
    "{belief} – manche Themen sollte man nicht auf Social Media diskutieren",
    "Suche Nachmieter für meine Wohnung in {city}, 2 Zimmer, Altbau",
    "Katze hat den Weihnachtsbaum umgeworfen 🎄🐈",
)

# Replies by the company's service staff; {name} is the addressee's first name.
COMPANY_REPLY: tuple[str, ...] = (
    "Hallo {name}, danke für deine Nachricht! Schick uns bitte deine Bestellnummer per DM. {sig}",
    "Hi {name}, das tut uns leid! Wir melden uns heute noch bei dir. {sig}",
    "Danke {name} für das tolle Feedback {emoji} Viel Spaß mit dem {product}! {sig}",
    "Hallo {name}, das {product} ist ab nächster Woche wieder lieferbar. {sig}",
    "Hallo {name}, bitte wende dich an unseren Service unter service@optiklinse.example {sig}",
    "Hi {name}, ja, das {product} passt mit dem passenden Bajonett. Details per DM? {sig}",
    "Hallo {name}, wir haben dir eine Direktnachricht geschickt. {sig}",
    "Servus {name}, danke fürs Teilen! Dürfen wir das Bild auf unserer Seite zeigen? {sig}",
)

# The company's own posts on its timeline or page.
COMPANY_POST: tuple[str, ...] = (
    "Neu im Shop: das {product}! Jetzt vorbestellen {emoji} {tag} #optiklinse",
    "Fotowalk durch {city} am Samstag – wer kommt mit? #optiklinse",
    "Firmware-Update 1.3 für das {product} ist da: schnellerer Autofokus {tag}",
    "Euer Foto der Woche, aufgenommen mit dem {product} {emoji} #optiklinse",
    "Unser Service ist über die Feiertage eingeschränkt erreichbar. Danke für eure Geduld!",
    "Gewinnspiel: zeigt uns eure besten Bilder mit dem {product} {tag}",
)

HEALTH: tuple[str, ...] = (
    "nach meiner Knie-OP",
    "seit meiner Chemo",
    "wegen meiner Migräne",
    "nach dem Bandscheibenvorfall",
    "seit der Diabetes-Diagnose",
    "wegen meiner Depression",
    "mit meinem Rollstuhl",
    "nach der Schwangerschaft",
)

BELIEF: tuple[str, ...] = (
    "als Katholik",
    "nach dem Freitagsgebet",
    "wir gehen mit der Gemeinde zur Firmung",
    "als Grünen-Mitglied",
    "für die SPD-Ortsgruppe",
    "in der Synagoge",
    "als Gewerkschafter bei der IG Metall",
)

CAMERA: tuple[str, ...] = (
    "Vollformat-Kamera",
    "APS-C-Kamera",
    "alte Spiegelreflex",
    "spiegellose Kamera",
    "Kamera von 2015",
)

PREFIX: tuple[str, ...] = ("", "", "", "", "Moin! ", "Servus, ", "Hallo zusammen, ", "Also ")
SUFFIX: tuple[str, ...] = ("", "", "", "", " lol", " 🙏", " Grüße aus {city}", " …", "!!")
