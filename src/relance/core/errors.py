"""The domain's errors: one small tree, each a ValueError the shell can report."""


class DomainError(ValueError):
    """Base of every error the core raises on bad input."""


class UnknownCurrency(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency {code!r}")
        self.code = code


class CurrencyMismatch(DomainError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} and {right}")


class InvalidAmount(DomainError):
    pass


class InvalidTerms(DomainError):
    pass


class InvalidIdentifier(DomainError):
    pass
