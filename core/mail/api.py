"""INTERFACE SKETCH of the mail engine (to be implemented in the modules named below and
then this file deleted). Kept here so every part codes against the same names.

core.mail.render
    class TemplateError(ValueError)                    # German message, e.g. syntax error line
    @dataclass Rendered(subject: str, text: str, html: str)
    render(subject_src, text_src, html_src, context: dict, *, layout=True) -> Rendered
        # SandboxedEnvironment, StrictUndefined, HTML autoescaped; subject/text not escaped;
        # html wrapped in templates/layout.html; raises TemplateError
    validate(subject_src, text_src, html_src, context: dict) -> list[str]   # German messages

core.mail.templates
    seed_defaults(session) -> int                      # factory files -> DB rows if missing
    get(session, key) -> MailTemplate                   # NotFound
    save(session, key, subject, text, html, actor: str, sample_context: dict) -> MailTemplate
        # validates first (TemplateError with all messages), bumps version, records event
    reset_to_default(session, key, actor) -> MailTemplate

core.mail.outbox
    enqueue(session, settings, *, idempotency_key, template_key, context, to_addr, to_name,
            kind, customer=None, case_id=None, actor="system") -> OutboxMessage | None
        # renders the stored template, adds unsubscribe link vars for customer mails,
        # refuses CR/LF/NUL in header values (ValidationError), returns the existing row if the
        # key exists (idempotent), returns None and records an event "not sent: <reason>" when
        # a marketing mail meets an opted-out customer; status 'held' if send switch is off.
    preview(session, settings, template_key, context, customer=None) -> Rendered
    retry(session, message_id: int, actor) / cancel(session, message_id: int, actor)
    release_held(session) -> int                       # held -> queued (switch turned on)
    counts(session) -> dict[str, int]                  # per status + 'sent_today'
    list_messages(session, status=None, search="", page=1, page_size=25) -> (rows, total)

core.mail.transport
    class TemporaryError(Exception) / PermanentError(Exception)
    build_message(row: OutboxMessage, settings) -> EmailMessage
    class SmtpTransport(settings): context manager; .send(msg: EmailMessage) -> None

core.mail.sender
    drain(db: Database, settings, now: datetime, transport_factory=None, limit=None)
        -> DrainReport(sent, retried, failed, held)

core.mail.devmailbox
    class DevMailbox(db): start(host="127.0.0.1", port=0) -> int (port); stop()
    list_messages(session, page, page_size) -> (rows, total); parse(raw) -> ParsedMail

core.secrets
    secret(name: str) -> str                          # generated once into data/, not in git
"""
