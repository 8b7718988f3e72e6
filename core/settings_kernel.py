"""The kernel's settings sections: German labels, help texts and validation of the settings
every module shares (mail, SMTP, in-house recipients, time, web, calendar, API key and the
environment-only ones). Types and defaults come from core.settings.Settings."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from core.calendar import calendar_errors
from core.settings import Settings, SettingsSection, kernel_field
from core.text import header_safe
from core.validation import PHONE, PHONE_RULE

MAX_MAIL_AGE_HOURS = 24 * 30  # a month: longer, a mail is stale news
SECURITY_CHOICES = {"none": "keine", "starttls": "STARTTLS", "ssl": "SSL/TLS"}
COUNTRY_CHOICES = {"AT": "Österreich (AT)", "DE": "Deutschland (DE)"}


def _mail_errors(values: Settings) -> dict[str, str]:
    errors = {}
    if values.daily_quota < 0:
        errors["daily_quota"] = "Tageslimit darf nicht negativ sein."
    if not header_safe(values.mail_from_name):
        errors["mail_from_name"] = ("Absendername darf keine Zeilenumbrüche, Steuerzeichen "
                                    "oder kodierten Zeichenfolgen („=?…?=“) enthalten.")
    if values.reply_to:
        try:
            validate_email(values.reply_to, check_deliverability=False)
        except EmailNotValidError:
            errors["reply_to"] = f"„{values.reply_to}“ ist keine gültige E-Mail-Adresse."
    if not 1 <= values.mail_max_age_hours <= MAX_MAIL_AGE_HOURS:
        errors["mail_max_age_hours"] = (f"Zustellung aufgeben nach (Stunden) muss zwischen 1 "
                                        f"und {MAX_MAIL_AGE_HOURS} liegen.")
    return errors


IDENTITY_FIELDS = ("dealer_legal_name", "dealer_address", "dealer_phone", "dealer_website",
                   "dealer_register")


def _identity_errors(values: Settings) -> dict[str, str]:
    """The imprint goes into every customer mail: one line each, nothing a mail client
    would decode; the phone number as the edges accept phone numbers."""
    errors = {}
    for name in IDENTITY_FIELDS:
        if not header_safe(getattr(values, name)):
            errors[name] = ("Bitte in einer Zeile, ohne Steuerzeichen oder kodierte "
                            "Zeichenfolgen („=?…?=“).")
    if values.dealer_phone and not PHONE.fullmatch(values.dealer_phone):
        errors["dealer_phone"] = f"Telefon: {PHONE_RULE}."
    return errors


def _smtp_errors(values: Settings) -> dict[str, str]:
    errors = {}
    if values.smtp_security not in SECURITY_CHOICES:
        errors["smtp_security"] = "SMTP-Sicherheit muss none, starttls oder ssl sein."
    if not 1 <= values.smtp_port <= 65535:
        errors["smtp_port"] = "SMTP-Port muss zwischen 1 und 65535 liegen."
    return errors


def _time_errors(values: Settings) -> dict[str, str]:
    errors = {}
    try:
        ZoneInfo(values.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"Unbekannte Zeitzone „{values.timezone}“."
    try:
        _ = values.nightly_time
    except ValueError:
        errors["nightly_at"] = (f"Nachtlauf-Uhrzeit „{values.nightly_at}“ muss die Form HH:MM "
                                f"haben.")
    return errors


KERNEL_SECTIONS: tuple[SettingsSection, ...] = (
    SettingsSection("mail", "E-Mail-Versand", "send", (
        kernel_field("send_emails", "E-Mails versenden", "Aus: alle Mails bleiben im "
                     "Postausgang zurückgehalten und gehen beim Einschalten hinaus – nichts "
                     "geht verloren. Zu spät fällige automatische Mails warten dort auf Ihre "
                     "Entscheidung."),
        kernel_field("daily_quota", "Tageslimit (Mails pro Tag)", "höchstens so viele Mails "
                     "pro Tag (Ortszeit); 0 = ohne Limit (anhalten: „E-Mails versenden“ "
                     "ausschalten)"),
        kernel_field("mail_max_age_hours", "Zustellung aufgeben nach (Stunden)", "so lange "
                     "werden vorübergehende Fehler des Mailservers wiederholt, dann wird die "
                     "Mail aufgegeben (Postausgang: „aufgegeben“); 1 bis 720"),
        kernel_field("mail_from_name", "Absendername", "steht als Absender in jeder Mail; "
                     "in den Texten nur, solange kein Firmenwortlaut (Impressum) eingetragen "
                     "ist"),
        kernel_field("mail_from", "Absenderadresse", "Adresse, von der alle Mails kommen",
                     email=True),
        kernel_field("reply_to", "Antwortadresse (Reply-To)", "hierhin gehen die Antworten "
                     "der Kunden; leer = die Absenderadresse (Rückgewinnung: je Firma "
                     "einstellbar)"),
    ), validate=_mail_errors),
    SettingsSection("identity", "Autohaus (Impressum)", "storefront", (
        kernel_field("dealer_legal_name", "Firmenwortlaut", "z. B. „Autohaus Muster GmbH“; "
                     "unterschreibt die Mails („Ihr Team vom …“)"),
        kernel_field("dealer_address", "Anschrift", "Straße, PLZ und Ort"),
        kernel_field("dealer_phone", "Telefon", "für Rückfragen der Kunden"),
        kernel_field("dealer_website", "Website", "z. B. www.autohaus-muster.at"),
        kernel_field("dealer_register", "Firmenbuch / Handelsregister, UID",
                     "z. B. „FN 123456a, Landesgericht Linz, UID ATU12345678“"),
    ), validate=_identity_errors),
    SettingsSection("smtp", "SMTP-Server", "dns", (
        kernel_field("smtp_host", "Server", "Leer lassen: alle Mails landen im Dev-Postfach."),
        kernel_field("smtp_port", "Port", "587 für STARTTLS, 465 für SSL, 25 ohne "
                     "Verschlüsselung"),
        kernel_field("smtp_security", "Verschlüsselung", "wie die Verbindung zum Mailserver "
                     "geschützt wird", choices=SECURITY_CHOICES),
        kernel_field("smtp_user", "Benutzer", "leer: ohne Anmeldung am Mailserver"),
        kernel_field("smtp_password", "Passwort", "Leer lassen, um das gespeicherte Passwort "
                     "zu behalten.", secret=True),
    ), validate=_smtp_errors),
    SettingsSection("recipients", "Empfänger im Haus", "contact_mail", (
        kernel_field("service_center_email", "Service-Center", "erhält die Entscheidungs-Mails",
                     email=True),
        kernel_field("dealer_email", "Händler", "erhält die Terminbestätigungen", email=True),
    )),
    SettingsSection("time", "Zeit", "schedule", (
        kernel_field("nightly_at", "Nachtlauf (HH:MM, Ortszeit)", "wann der Nachtlauf die "
                     "fälligen Mails (z. B. Marktwert-Mails) verschickt"),
        kernel_field("timezone", "Zeitzone", "für Anzeige, Nachtlauf und Fristen, z. B. "
                     "Europe/Vienna oder Europe/Berlin"),
    ), validate=_time_errors),
    SettingsSection("web", "Web", "public", (
        kernel_field("public_base_url", "Öffentliche Adresse", "Basis der Abmelde- und "
                     "Terminlinks in den Mails; leer = Adresse und Port dieses Servers"),
        kernel_field("tracking", "Öffnungen und Klicks messen", "nur bei Kunden mit "
                     "Tracking-Einwilligung (Kundenimport: Spalte „Trackingeinwilligung“); "
                     "aus: weder Zählpixel noch Klickzählung"),
    )),
    SettingsSection("calendar", "Geschäftskalender", "calendar_month", (
        kernel_field("holiday_country", "Land (Feiertage)", "AT oder DE",
                     choices=COUNTRY_CHOICES),
        kernel_field("holiday_region", "Bundesland/Region", "leer = nur bundesweite "
                     "Feiertage; z. B. 9 für Wien, BY für Bayern"),
        kernel_field("opening_hours", "Öffnungszeiten", "für Termine und Erinnerungen auf "
                     "Werktage, z. B. Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
        kernel_field("closing_days", "Betriebsferien/Schließtage", "jährlich „24.12.“, "
                     "einmalig „02.01.2027“; mit ; trennen"),
    ), validate=calendar_errors),
    SettingsSection("api", "API-Schlüssel", "key", (
        kernel_field("api_key", "Schlüssel für den Header X-API-Key", "die Website sendet ihn "
                     "bei jeder Anfrage an die API; beim ersten Start erzeugt", secret=True),
    )),
    SettingsSection("environment", "Umgebung (nur lesbar)", "terminal", (
        kernel_field("host", "Adresse", "an diese Adresse bindet der Server", env_only=True),
        kernel_field("port", "Port", "an diesen Port bindet der Server", env_only=True),
        kernel_field("database_url", "Datenbank", "SQLAlchemy-URL der Datenbank; leer = "
                     "SQLite in data/", env_only=True),
        kernel_field("demo", "Demo-Modus", "Demodaten beim ersten Start und "
                     "Demo-Administrator", env_only=True),
    )),
)
