"""The portal's message catalogue (German and English) and the language choice.

Language: the ``sphere_lang`` cookie set by the switch link, else the first supported
language of ``Accept-Language``, else English. Every visible portal string is here, so
a translation is one dictionary.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from sphere.portal.consents import ConsentSwitch

LANGUAGES = ("en", "de")
LANG_COOKIE = "sphere_lang"

_EN: dict[str, str] = {
    "title": "Your data",
    "skip": "Skip to content",
    "switch": "Deutsch",
    "nav.overview": "What we hold",
    "nav.consents": "Consents",
    "nav.requests": "Your requests",
    "nav.receipts": "Receipts",
    "logout": "Log out",
    "login.title": "Log in to see your data",
    "login.intro": "Enter the e-mail address we know you by. We send you a link that logs "
    "you in; it works once and for 15 minutes.",
    "login.email": "E-mail address",
    "login.not_email": "This is not an e-mail address. Type the address we know you by, "
    "such as name@example.com. To log in with a social-media account (a handle such as "
    "@name), use the form below.",
    "login.submit": "Send me a log-in link",
    "login.sent": "If this address is on file, a log-in link is on its way. Please check "
    "your mailbox.",
    "login.confirm": "Log in to your privacy portal",
    "login.confirm_button": "Log in",
    "login.handle_title": "Log in with a social account",
    "login.handle_intro": "Choose the network and type the handle of your account there. "
    "We show you a short phrase to post from that account; once we have read the post, "
    "this browser is logged in.",
    "login.channel": "Network",
    "login.handle": "Your handle",
    "login.handle_submit": "Show me the phrase",
    "channel.mastodon": "Mastodon",
    "channel.x": "X",
    "channel.bluesky": "Bluesky",
    "channel.facebook": "Facebook",
    "channel.forum": "Our forum",
    "handle.title": "Post this phrase from your account",
    "handle.post_this": "Post the following phrase from your {channel} account:",
    "handle.where": "Post it as a public reply or a direct message to our account on {channel}.",
    "handle.where_accounts": "Post it as a public reply or a direct message to our account "
    "{accounts} on {channel}.",
    "handle.expires": "The phrase is valid until {time}.",
    "handle.only_here": "The phrase only logs in this browser, and only if it was posted "
    "from the account we know you by. Never post a phrase that someone else sent you.",
    "handle.posted": "I have posted it",
    "handle.not_seen": "We have not seen your post yet — posts are read every few minutes. "
    "Please wait a moment, then press the button again.",
    "handle.restart": "Start again",
    "overview.title": "Everything we hold about you",
    "overview.intro": "Grouped by why we use it. For each item: where it came from, the "
    "legal basis and when it will be deleted.",
    "overview.empty": "We hold no data about you for this purpose.",
    "overview.nothing": "We hold no data about you.",
    "col.item": "Item",
    "col.source": "Source",
    "col.basis": "Legal basis",
    "col.deleted": "Deleted on",
    "col.explanation": "How it was derived",
    "derived": "Derived from your data",
    "provided": "Your contact details",
    "no_date": "with the purpose or on request",
    "consents.title": "Your consents",
    "consents.intro": "Switch a purpose on or off. Withdrawing consent does not affect "
    "processing before the withdrawal (Art. 7(3) GDPR); data derived from it is deleted "
    "at once.",
    "consents.on": "On",
    "consents.off": "Off",
    "consents.grant": "Give consent",
    "consents.withdraw": "Withdraw consent",
    "consents.notice": "By switching this on you agree that we process your data for "
    "this purpose: {description} Legal basis: {article}. We keep the data for up to {days} "
    "days. You may withdraw at any time in this portal.",
    "consents.done_grant": "Consent recorded.",
    "consents.done_withdraw": "Consent withdrawn; {removed} derived items deleted.",
    "requests.title": "Your requests",
    "requests.intro": "Each request is answered within one month (Art. 12(3) GDPR).",
    "requests.export": "Download my data (Art. 20)",
    "requests.open": "Open request",
    "requests.type": "Request",
    "requests.details": "What should we know? (optional — for a correction: what is wrong "
    "and what is right)",
    "requests.state": "Status",
    "requests.deadline": "Answer due",
    "requests.none": "You have no requests.",
    "requests.opened": "Your request was received.",
    "requests.objected": (
        "Your objection took effect at once: we no longer use your data for advertising "
        "or for the profiling behind it, and what we had derived about you for these "
        "purposes has been deleted (Art. 21(3) GDPR)."
    ),
    "consents.objected": (
        "You have objected to the use of your data for advertising and profiling "
        "(Art. 21 GDPR). We respect it for every channel."
    ),
    "requests.merged": "You already have an open request of this kind. We have added this "
    "to it (with what you wrote); it keeps its deadline.",
    "type.access": "Access to my data (Art. 15)",
    "type.portability": "Copy of my data (Art. 20)",
    "type.erasure": "Erase my data (Art. 17)",
    "type.objection": "Object to marketing and profiling (Art. 21)",
    "type.rectification": "Correct my data (Art. 16)",
    "type.restriction": "Restrict processing (Art. 18)",
    "state.received": "received",
    "state.identity_verified": "identity verified, being handled",
    "state.in_progress": "in progress",
    "state.completed": "completed",
    "state.rejected": "rejected",
    "receipts.title": "Receipts of your consents",
    "receipts.intro": "Each entry of the consent ledger as a machine-readable record "
    "(W3C DPV, JSON-LD).",
    "receipts.download": "Download",
    "receipts.none": "No consent entries yet.",
    "basis.art6_1_a": "your consent",
    "basis.art6_1_b": "a contract with you",
    "basis.art6_1_c": "a legal obligation",
    "basis.art6_1_d": "vital interests",
    "basis.art6_1_e": "a task in the public interest",
    "basis.art6_1_f": "our legitimate interest",
    "basis.art9_2_a": "your explicit consent",
    "basis.art9_2_e": "data you made public",
    "basis.art9_2_f": "legal claims",
}

_DE: dict[str, str] = {
    "title": "Ihre Daten",
    "skip": "Zum Inhalt springen",
    "switch": "English",
    "nav.overview": "Was wir speichern",
    "nav.consents": "Einwilligungen",
    "nav.requests": "Ihre Anträge",
    "nav.receipts": "Belege",
    "logout": "Abmelden",
    "login.title": "Anmelden und Ihre Daten sehen",
    "login.intro": "Geben Sie die E-Mail-Adresse an, unter der wir Sie kennen. Wir senden "
    "Ihnen einen Anmeldelink; er gilt einmal und 15 Minuten lang.",
    "login.email": "E-Mail-Adresse",
    "login.not_email": "Das ist keine E-Mail-Adresse. Geben Sie die Adresse an, unter der "
    "wir Sie kennen, etwa name@example.com. Um sich mit einem Social-Media-Konto (einem "
    "Kontonamen wie @name) anzumelden, nutzen Sie das Formular weiter unten.",
    "login.submit": "Anmeldelink senden",
    "login.sent": "Wenn diese Adresse bei uns hinterlegt ist, ist ein Anmeldelink unterwegs. "
    "Bitte sehen Sie in Ihr Postfach.",
    "login.confirm": "Beim Datenschutzportal anmelden",
    "login.confirm_button": "Anmelden",
    "login.handle_title": "Mit einem Social-Media-Konto anmelden",
    "login.handle_intro": "Wählen Sie das Netzwerk und geben Sie den Namen Ihres Kontos "
    "dort an. Wir zeigen Ihnen einen kurzen Satz, den Sie von diesem Konto aus posten; "
    "sobald wir den Beitrag gelesen haben, ist dieser Browser angemeldet.",
    "login.channel": "Netzwerk",
    "login.handle": "Ihr Kontoname",
    "login.handle_submit": "Satz anzeigen",
    "channel.mastodon": "Mastodon",
    "channel.x": "X",
    "channel.bluesky": "Bluesky",
    "channel.facebook": "Facebook",
    "channel.forum": "Unser Forum",
    "handle.title": "Posten Sie diesen Satz von Ihrem Konto",
    "handle.post_this": "Posten Sie den folgenden Satz von Ihrem {channel}-Konto aus:",
    "handle.where": "Als öffentliche Antwort oder Direktnachricht an unser Konto bei {channel}.",
    "handle.where_accounts": "Als öffentliche Antwort oder Direktnachricht an unser Konto "
    "{accounts} bei {channel}.",
    "handle.expires": "Der Satz gilt bis {time}.",
    "handle.only_here": "Der Satz meldet nur diesen Browser an, und nur wenn er von dem "
    "Konto gepostet wurde, unter dem wir Sie kennen. Posten Sie nie einen Satz, den Ihnen "
    "jemand anderes geschickt hat.",
    "handle.posted": "Ich habe ihn gepostet",
    "handle.not_seen": "Wir haben Ihren Beitrag noch nicht gesehen — Beiträge werden alle "
    "paar Minuten gelesen. Bitte warten Sie einen Moment und drücken Sie dann erneut.",
    "handle.restart": "Neu beginnen",
    "overview.title": "Alles, was wir über Sie speichern",
    "overview.intro": "Nach Zweck geordnet. Zu jedem Eintrag: Herkunft, Rechtsgrundlage "
    "und Löschdatum.",
    "overview.empty": "Für diesen Zweck speichern wir keine Daten über Sie.",
    "overview.nothing": "Wir speichern keine Daten über Sie.",
    "col.item": "Eintrag",
    "col.source": "Herkunft",
    "col.basis": "Rechtsgrundlage",
    "col.deleted": "Gelöscht am",
    "col.explanation": "Wie es abgeleitet wurde",
    "derived": "Aus Ihren Daten abgeleitet",
    "provided": "Ihre Kontaktdaten",
    "no_date": "mit dem Zweck oder auf Antrag",
    "consents.title": "Ihre Einwilligungen",
    "consents.intro": "Schalten Sie einen Zweck ein oder aus. Der Widerruf berührt nicht "
    "die Verarbeitung vor dem Widerruf (Art. 7 Abs. 3 DSGVO); daraus abgeleitete Daten "
    "werden sofort gelöscht.",
    "consents.on": "Ein",
    "consents.off": "Aus",
    "consents.grant": "Einwilligen",
    "consents.withdraw": "Einwilligung widerrufen",
    "consents.notice": "Wenn Sie dies einschalten, willigen Sie ein, dass wir Ihre Daten "
    "zu diesem Zweck verarbeiten: {description} Rechtsgrundlage: {article}. Wir speichern "
    "die Daten höchstens {days} Tage. Sie können jederzeit in diesem Portal widerrufen.",
    "consents.done_grant": "Einwilligung erfasst.",
    "consents.done_withdraw": "Einwilligung widerrufen; {removed} abgeleitete Einträge gelöscht.",
    "requests.title": "Ihre Anträge",
    "requests.intro": "Jeder Antrag wird innerhalb eines Monats beantwortet "
    "(Art. 12 Abs. 3 DSGVO).",
    "requests.export": "Meine Daten herunterladen (Art. 20)",
    "requests.open": "Antrag stellen",
    "requests.type": "Antrag",
    "requests.details": "Was sollen wir wissen? (freiwillig — bei einer Berichtigung: was "
    "falsch ist und was richtig wäre)",
    "requests.state": "Stand",
    "requests.deadline": "Antwort fällig",
    "requests.none": "Sie haben keine Anträge gestellt.",
    "requests.opened": "Ihr Antrag ist eingegangen.",
    "requests.objected": (
        "Ihr Widerspruch wirkt sofort: Wir verwenden Ihre Daten nicht mehr für Werbung "
        "und die dafür betriebene Profilbildung; was wir dafür über Sie abgeleitet hatten, "
        "ist gelöscht (Art. 21 Abs. 3 DSGVO)."
    ),
    "consents.objected": (
        "Sie haben der Verwendung Ihrer Daten für Werbung und Profilbildung widersprochen "
        "(Art. 21 DSGVO). Das gilt für jeden Kanal."
    ),
    "requests.merged": "Sie haben bereits einen offenen Antrag dieser Art. Wir haben diesen "
    "(mit Ihren Angaben) dort ergänzt; die Frist bleibt bestehen.",
    "type.access": "Auskunft über meine Daten (Art. 15)",
    "type.portability": "Kopie meiner Daten (Art. 20)",
    "type.erasure": "Meine Daten löschen (Art. 17)",
    "type.objection": "Widerspruch gegen Werbung und Profilbildung (Art. 21)",
    "type.rectification": "Meine Daten berichtigen (Art. 16)",
    "type.restriction": "Verarbeitung einschränken (Art. 18)",
    "state.received": "eingegangen",
    "state.identity_verified": "Identität geprüft, in Bearbeitung",
    "state.in_progress": "in Bearbeitung",
    "state.completed": "erledigt",
    "state.rejected": "abgelehnt",
    "receipts.title": "Belege Ihrer Einwilligungen",
    "receipts.intro": "Jeder Eintrag im Einwilligungsregister als maschinenlesbarer "
    "Nachweis (W3C DPV, JSON-LD).",
    "receipts.download": "Herunterladen",
    "receipts.none": "Noch keine Einträge.",
    "basis.art6_1_a": "Ihre Einwilligung",
    "basis.art6_1_b": "ein Vertrag mit Ihnen",
    "basis.art6_1_c": "eine rechtliche Verpflichtung",
    "basis.art6_1_d": "lebenswichtige Interessen",
    "basis.art6_1_e": "eine Aufgabe im öffentlichen Interesse",
    "basis.art6_1_f": "unser berechtigtes Interesse",
    "basis.art9_2_a": "Ihre ausdrückliche Einwilligung",
    "basis.art9_2_e": "von Ihnen öffentlich gemachte Daten",
    "basis.art9_2_f": "Rechtsansprüche",
}

CATALOGUE: Mapping[str, Mapping[str, str]] = {"en": _EN, "de": _DE}


class Messages:
    """``t("key", name=value)``: the string in one language (the key if missing)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in CATALOGUE else "en"
        self._strings = CATALOGUE[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key, key)
        return text.format(**values) if values else text

    @property
    def other(self) -> str:
        return "de" if self.lang == "en" else "en"

    def consent_notice(self, switch: ConsentSwitch) -> str:
        """The notice shown beside a consent switch. The page and the API both use it,
        so a consent given through either records the exact same text."""
        return self(
            "consents.notice",
            description=switch.description,
            article=switch.legal_basis.article,
            days=switch.retention_days,
        )


def pick_language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "en"
