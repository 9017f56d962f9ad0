"""Identifiers of the intake tests (valid check characters)."""

from shebao.core.validators import id_check_char, luhn_check_digit, uscc_check_char

DEAD = "37010219500315131" + id_check_char("37010219500315131")
LIVING = "37010219500315242" + id_check_char("37010219500315242")
USCC = "91370100MA3C00001" + uscc_check_char("91370100MA3C00001")
CARD = "622202123456789012" + luhn_check_digit("622202123456789012")
