"""The one application error of Relais.

Services raise it with a French message meant for the person acting; views translate it into
a form error or a message, commands into an error line. It always means "nothing was changed".
"""


class ApplicationError(Exception):
    def __init__(self, message, *, code: str = "refused", field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.field = field

    def __str__(self):
        return self.message
