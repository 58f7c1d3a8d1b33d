"""Datelines: a line that only dates the page, in English, German, French, Spanish and
Portuguese ("Updated: Tue., Nov. 19, 2019", "Publié le 3 mars 2025 à 10h12"), and with the
dates of Chinese, Japanese and Korean pages ("发布时间：2025年12月5日 10:30", "2025년 12월 5일")."""

from __future__ import annotations

import re

from .text import WORD, ends_sentence, nwords

MONTHS = (
    r"jan(?:uary|uar|vier|eiro)?|feb(?:ruary|ruar)?|f[ée]v(?:rier)?|fevereiro|mar(?:ch|s|z|zo|ço)?|märz|apr(?:il)?|avr(?:il)?|abr(?:il)?|"
    r"may|mai|mayo|maio|jun(?:e|i|io|ho)?|juin|jul(?:y|i|io|ho)?|juil(?:let)?|aug(?:ust)?|ao[uû]t|ago(?:sto)?|sep(?:t|tember|tiembre|tembre|tembro)?|"
    r"set(?:embro)?|oct(?:ober|obre|ubre)?|okt(?:ober)?|out(?:ubro)?|nov(?:ember|embre|iembre|embro)?|dec(?:ember)?|d[ée]c(?:embre)?|dez(?:ember|embro)?|dic(?:iembre)?"
)
WEEKDAYS = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"lunes|martes|miércoles|jueves|viernes|sábado|domingo|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira"
)
DATE = re.compile(
    rf"""\b\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}\b|\b\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}\b
      |\b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?|\b\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?(?:{MONTHS})\b\.?(?:,?\s+(?:de\s+)?\d{{4}})?
      |\b(?:{MONTHS})\.?\s+\d{{4}}\b|\b(?:{WEEKDAYS})\b\.?,?\s+(?:\d{{1,2}}|{MONTHS})\b
      |(?<!\d)(?:\d{{4}}\s*[年년]\s*)?\d{{1,2}}\s*[月월]\s*\d{{1,2}}\s*[日일]""",
    re.I | re.X,
)
TIME = re.compile(r"\b\d{1,2}[:h.]\d{2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|uhr|h)?(?!\w)|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am|pm)\b", re.I)
DATE_WORDS = re.compile(
    rf"""\b(?:{MONTHS}|{WEEKDAYS}|updated?|published|posted|modified|last|on|at|by|am|pm|a\.m|p\.m|est|edt|cst|cdt|pst|pdt|utc|gmt|cet|cest|bst|et|pt|ct|
        ist|hkt|jst|aest|\d+|the|of|de|del|le|la|à|às|a|um|am|uhr|von|vom|aktualisiert|veröffentlicht|stand|mis\ à\ jour|publié|le|publicado|actualizado|
        por|em|atualizado|hours?|minutes?|mins?|days?|ago|hrs?|h|il\ y\ a|hace|vor|stunden?|heures?|horas?|read|min|date|time|datum|fecha|data|
        share|comments?|categor(?:y|ia|ía)|tags?|written|autor|author|auteur|par)\b""",
    re.I | re.X,
)


# what a CJK dateline says besides its date: "发布时间", "更新時間", "公開日", "입력", "수정"
CJK_DATE_KEYWORD = r"发布|發布|发表|發表|更新|公開|配信|掲載|投稿|입력|수정|등록"


def dateline(line: str, strict: bool = False) -> bool:
    """A line that only dates the page ("Updated: Tue., Nov. 19, 2019", "5:45 AM PST 11/19/2019
    by A. Writer"). ``strict``: nothing but a date, or a date with an updated/published word."""
    s = line.strip()
    n = nwords(s)
    if n == 0 or n > 16 or len(s) > 140 or "(@" in s or s.startswith(("—", "–", "--")):
        return False
    has_date = bool(DATE.search(s))
    if not has_date:
        if not (TIME.search(s) and re.search(r"\b(?:updated?|published|posted|aktualisiert|mis à jour|actualizado)\b", s, re.I)):
            return False
    rest = TIME.sub(" ", DATE.sub(" ", s))
    rest = DATE_WORDS.sub(" ", rest)
    leftover = [w for w in WORD.findall(rest) if not w.isdigit()]
    if leftover and ends_sentence(s):
        return False  # "On March 3, 2025, officials met." is prose
    if strict:
        keyword = re.search(r"\b(?:updated?|published|posted|aktualisiert|veröffentlicht|mis à jour|publié|actualizado|publicado)\b"
                            rf"|{CJK_DATE_KEYWORD}", s, re.I)
        return len(leftover) <= (3 if keyword else 0)
    return len(leftover) <= 4


# ---------------------------------------------------------------------------------------------
# line classification
