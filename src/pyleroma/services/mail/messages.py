"""Mail messages from templates in ``web/templates/mail``.

A kind of mail is two files: ``<name>.txt``, whose first line is the subject and the rest
the plain-text body, and ``<name>.html``, the HTML body set into ``layout.html``. Both are
``string.Template`` text (``$name``): values are substituted as given in the plain text and
HTML-escaped in the HTML, so a display name can never inject markup into a mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from pyleroma.settings import Settings

MAIL_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "web" / "templates" / "mail"


@dataclass(frozen=True)
class Mail:
    """One rendered message: what a mail job stores and sends."""

    to: str
    subject: str
    text: str
    html: str

    def as_args(self) -> dict:
        return {"to": self.to, "subject": self.subject, "text": self.text, "html": self.html}

    @classmethod
    def from_args(cls, args: dict) -> Mail:
        return cls(
            to=str(args["to"]),
            subject=str(args["subject"]),
            text=str(args["text"]),
            html=str(args["html"]),
        )


@cache
def _template(name: str) -> Template:
    path = MAIL_TEMPLATES / name
    if not path.is_file():
        raise LookupError(f"no mail template {name}")
    return Template(path.read_text(encoding="utf-8"))


def template_names() -> list[str]:
    """Every kind of mail there is (a .txt and an .html each)."""
    return sorted(p.stem for p in MAIL_TEMPLATES.glob("*.txt"))


def render(settings: Settings, name: str, to: str, values: dict[str, str]) -> Mail:
    """Render mail ``name`` to ``to``; ``instance_name`` and ``base_url`` are always there."""
    common = {"instance_name": settings.instance_name, "base_url": settings.base_url}
    plain = {**common, **{k: str(v) for k, v in values.items()}}
    subject, _, text = _template(f"{name}.txt").substitute(plain).partition("\n")
    escaped = {k: escape(v) for k, v in plain.items()}
    content = _template(f"{name}.html").substitute(escaped)
    html = _template("layout.html.in").substitute(
        escaped, subject=escape(subject.strip()), content=content
    )
    return Mail(to=to, subject=subject.strip(), text=text.lstrip("\n"), html=html)


def sender(settings: Settings) -> str:
    """The From address: mailer_from, else the instance's contact address, else no-reply@."""
    if settings.mailer_from:
        return settings.mailer_from
    if settings.instance_email:
        return settings.instance_email
    host = urlsplit(settings.base_url).hostname or "localhost"
    return f"no-reply@{host}"


def to_email_message(settings: Settings, mail: Mail) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, From the instance's name."""
    message = EmailMessage()
    from_address = sender(settings)
    try:
        message["From"] = Address(display_name=settings.instance_name, addr_spec=from_address)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"mailer_from is not an address: {from_address!r}") from exc
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
