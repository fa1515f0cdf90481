"""The project's own error type.

Services raise ``ServiceError``; the DRF exception handler turns it into a JSON
400 (or the given status) with a message and field errors, and pages show it in
the form. Other apps import it from here.
"""


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message, *, code="invalid", fields=None, status_code=None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


class PermissionDeniedError(ServiceError):
    status_code = 403

    def __init__(self, message, *, code="permission_denied", fields=None):
        super().__init__(message, code=code, fields=fields)
