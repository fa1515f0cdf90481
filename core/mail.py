"""The embedded default's e-mail backend: every message printed to the console as a person
reads it (headers and plain-text body decoded, not MIME with base64 Chinese), framed by a
banner, with its links listed again at the bottom, so the sign-up verification link stands
out in `make run`'s output. Production sends through SMTP (config/settings/production.py)."""
import re

from django.core.mail.backends.console import EmailBackend

_LINK = re.compile(r"https?://\S+")
_RULE = "=" * 78


class ConsoleEmailBackend(EmailBackend):
    def write_message(self, message):
        body = message.body or ""
        for content, mimetype in getattr(message, "alternatives", None) or ():
            if not body and mimetype == "text/plain":
                body = content
        links = _LINK.findall(body)
        lines = [
            "", _RULE,
            f"  E-MAIL to {', '.join(message.to)}",
            f"  Subject: {message.subject}",
            _RULE, body.strip(), "-" * 78,
        ]
        lines += [f"  Open: {link}" for link in links]
        lines += [_RULE, ""]
        self.stream.write("\n".join(lines) + "\n")
