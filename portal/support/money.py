"""Money as whole pence and days as half-day Decimals: parsed from what people type, shown as they write them."""

import re
from decimal import Decimal, InvalidOperation


def format_pence(pence) -> str:
    """12345050 -> "£123,450.50"; whole pounds keep their pence too ("£1,000.00"); negatives as "-£5.00"."""
    pence = int(pence or 0)
    sign, pence = ("-", -pence) if pence < 0 else ("", pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def parse_money(text) -> int | None:
    """"£1,234.50", "1234.5", "1234" -> pence; "" -> None; raises ValueError for anything else or a negative."""
    cleaned = re.sub(r"[\s,£]", "", text or "")
    if not cleaned:
        return None
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValueError("not money")
    return int(Decimal(cleaned) * 100)


def parse_days(text) -> Decimal | None:
    """"1.5", "2", "0.5" -> Decimal in half-day steps; "" -> None; raises ValueError otherwise."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    try:
        days = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not days.is_finite() or days < 0 or (days * 2) % 1 != 0 or days > 9999:
        raise ValueError("not half days")
    return days.quantize(Decimal("0.1"))


def format_days(days) -> str:
    """Decimal("1.0") -> "1 day", Decimal("2.5") -> "2.5 days"."""
    days = Decimal(days or 0)
    text = f"{days.normalize():f}" if days != days.to_integral() else f"{int(days)}"
    return f"{text} day" if days == 1 else f"{text} days"
