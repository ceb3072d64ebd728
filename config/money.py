"""An amount in Chinese capitals (大写金额), as the payment rules write it on a voucher.

The rules are 中国人民银行《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》: 壹贰叁… with 拾佰仟万亿;
"整" after 元 when there are no 角 or 分; one "零" for a run of zeros inside the number; "零" after 元 when
角 is zero and 分 is not (¥325.04 → 叁佰贰拾伍元零肆分). Where the rules allow two forms, the shorter is
written (¥1,680.32 → 壹仟陆佰捌拾元叁角贰分).
"""

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")
LARGEST = Decimal("999999999999.99")


def _whole_yuan(number: int) -> str:
    digits = str(number)
    words, zeros = [], False
    for index, digit in enumerate(int(d) for d in digits):
        power = len(digits) - 1 - index
        if digit:
            if zeros:
                words.append("零")
            words.append(DIGITS[digit] + PLACES[power % 4])
            zeros = False
        else:
            zeros = True
        group_digits = digits[max(0, index - 3):index + 1] if power % 4 == 0 else ""
        if power and power % 4 == 0 and group_digits.strip("0"):
            words.append(GROUPS[power // 4])
    return "".join(words)


def amount_in_words(amount: Decimal) -> str:
    """``Decimal("1409.50")`` → ``"壹仟肆佰零玖元伍角"``; rounded half-up to the cent first."""
    cents = int(Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    if cents < 0:
        return "负" + amount_in_words(Decimal(-cents) / 100)
    if cents > LARGEST * 100:
        raise ValueError(f"金额 {amount} 超出大写金额的范围")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if not cents:
        return "零元整"
    words = _whole_yuan(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return words
