"""Every word the reports say, in Dutch and English.

Each key holds one text per language, written for that language rather than
translated word for word, with the same ``{placeholders}`` in both. Figures
come in already formatted (``count``, ``percent``), so a hidden one reads as
"fewer than k" and never as a number.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from bot.report.threshold import Figure

LANGUAGES: Final = ("nl", "en")

TEXTS: Final[dict[str, dict[str, str]]] = {
    "title": {"nl": "Weekoverzicht {course}, groep {tranche}", "en": "Weekly summary: {course}, group {tranche}"},
    "week": {"nl": "Week {week} (cursusdag {day})", "en": "Week {week} (course day {day})"},
    "enrolled": {"nl": "Ingeschreven: {value}", "en": "Enrolled: {value}"},
    "active": {"nl": "Actief deze week: {value}", "en": "Active this week: {value}"},
    "followups_sent": {"nl": "Kregen een vervolgvraag: {value}", "en": "Were sent a follow-up: {value}"},
    "followups_answered": {"nl": "Beantwoordden er een: {value}", "en": "Answered one: {value}"},
    "response": {"nl": "Respons op vervolgvragen: {value}", "en": "Response to follow-ups: {value}"},
    "sessions": {"nl": "Toolkitsessies afgerond:", "en": "Toolkit sessions completed:"},
    "item": {"nl": "  {name}: {value}", "en": "  {name}: {value}"},
    "choices": {"nl": "Keuzes bij dilemma's:", "en": "Choices in dilemmas:"},
    "question": {
        "nl": "  {dialogue}: {question} ({total} antwoorden)",
        "en": "  {dialogue}: {question} ({total} answers)",
    },
    "question_hidden": {
        "nl": "  {dialogue}: {question} (minder dan {k} antwoorden, dus geen verdeling)",
        "en": "  {dialogue}: {question} (fewer than {k} answers, so no breakdown)",
    },
    "part": {"nl": "    {label}: {count} ({share})", "en": "    {label}: {count} ({share})"},
    "others": {
        "nl": "    Niet apart getoond, om kleine groepen te beschermen: {labels}",
        "en": "    Not shown one by one, to protect small groups: {labels}",
    },
    "others_total": {
        "nl": "    Niet apart getoond, om kleine groepen te beschermen: {labels} (samen {value})",
        "en": "    Not shown one by one, to protect small groups: {labels} (together {value})",
    },
    "shared": {
        "nl": "Gedeeld voor de Community of Practice: {reflections} reflecties van {people} mensen",
        "en": "Shared for the Community of Practice: {reflections} reflections from {people} people",
    },
    "shared_hidden": {
        "nl": "Gedeeld voor de Community of Practice: door minder dan {k} mensen",
        "en": "Shared for the Community of Practice: by fewer than {k} people",
    },
    "weeks": {"nl": "Per week:", "en": "Week by week:"},
    "week_line": {
        "nl": "  {week}: actief {active}, respons {response}",
        "en": "  {week}: active {active}, response {response}",
    },
    "k_note": {
        "nl": "Aantallen onder de {k} tonen we niet, zodat niemand herkenbaar is.",
        "en": "Numbers under {k} are not shown, so that no one can be recognised.",
    },
    "fewer": {"nl": "minder dan {k}", "en": "fewer than {k}"},
    "too_few": {"nl": "nog te weinig om te tonen", "en": "too few yet to show"},
    "chart_title": {
        "nl": "{course}, groep {tranche}: activiteit per week",
        "en": "{course}, group {tranche}: week by week",
    },
    "chart_active": {"nl": "Actieve deelnemers", "en": "Active participants"},
    "chart_response": {"nl": "Respons op vervolgvragen", "en": "Response to follow-ups"},
    "chart_week": {"nl": "Week (sinds de cursusdag)", "en": "Week (since the course day)"},
    "chart_note": {
        "nl": "Grijze week: minder dan {k} actief. Open plek in de lijn: te weinig vervolgvragen. "
        "Niet getoond, zodat niemand herkenbaar is.",
        "en": "Grey week: fewer than {k} active. Gap in the line: too few follow-ups. "
        "Not shown, so that no one can be recognised.",
    },
    "chart_empty": {"nl": "Nog geen weken sinds de cursusdag.", "en": "No weeks since the course day yet."},
    "pack_title": {
        "nl": "Gespreksstof voor de Community of Practice",
        "en": "Discussion pack for the Community of Practice",
    },
    "pack_meta": {"nl": "{course}, groep {tranche}, week {week}", "en": "{course}, group {tranche}, week {week}"},
    "pack_reminder": {
        "nl": "Deelnemers van deze groep deelden deze reflecties anoniem. Praat over wat er staat, niet over wie "
        "het schreef: noem of citeer ze nooit met een naam, en raad niet naar de schrijver.",
        "en": "Participants of this group shared these reflections anonymously. Talk about what they say, not about "
        "who wrote them: never quote or mention them with a name, and do not guess at the writer.",
    },
    "pack_count": {
        "nl": "{reflections} reflecties van {people} mensen, geschreven in {weeks}.",
        "en": "{reflections} reflections from {people} people, written in {weeks}.",
    },
    "pack_weeks": {"nl": "week {first} tot en met {last}", "en": "weeks {first} to {last}"},
    "pack_week": {"nl": "week {first}", "en": "week {first}"},
    "pack_refused": {
        "nl": "Nog niet genoeg gedeeld voor een gesprekspakket: minder dan {k} mensen van deze groep deelden "
        "een reflectie, en er zijn er minstens {k} nodig.",
        "en": "Not enough shared yet for a discussion pack: fewer than {k} people of this group shared a "
        "reflection, and at least {k} are needed.",
    },
    "insights_title": {
        "nl": "Inzichten: {title} ({dialogue}, {versions})",
        "en": "Insights: {title} ({dialogue}, {versions})",
    },
    "insights_all_versions": {"nl": "alle versies", "en": "all versions"},
    "insights_version": {"nl": "versie {version}", "en": "version {version}"},
    "insights_started": {"nl": "Begonnen: {value}", "en": "Started: {value}"},
    "insights_finished": {"nl": "Afgerond: {value}", "en": "Finished: {value}"},
    "insights_median": {"nl": "Mediaan aantal dagen tot afronden: {value}", "en": "Median days to finish: {value}"},
    "insights_median_hidden": {
        "nl": "Mediaan aantal dagen tot afronden: pas te zien als minstens {k} mensen met een bekende startdag "
        "afrondden",
        "en": "Median days to finish: shown once at least {k} people with a known start day have finished",
    },
    "insights_steps": {"nl": "Per stap:", "en": "Step by step:"},
    "insights_node": {"nl": "  {node} ({kind}): {figures}", "en": "  {node} ({kind}): {figures}"},
    "insights_reached": {"nl": "bereikt {value}", "en": "reached {value}"},
    "insights_answered": {"nl": "beantwoord {value}", "en": "answered {value}"},
    "insights_went_on": {"nl": "ging verder {value}", "en": "went on {value}"},
    "insights_stopped": {"nl": "gestopt {value}", "en": "stopped {value}"},
    "insights_drop_off": {"nl": "uitval {value}", "en": "drop-off {value}"},
    "insights_kind_message": {"nl": "bericht", "en": "message"},
    "insights_kind_choice": {"nl": "keuze", "en": "choice"},
    "insights_kind_reflection": {"nl": "reflectie", "en": "reflection"},
    "insights_kind_branch": {"nl": "splitsing", "en": "branch"},
    "insights_kind_end": {"nl": "einde", "en": "end"},
    "insights_note": {
        "nl": "Gestopt: {days} dagen of langer geen stap gezet en niet afgerond. Uitval: gestopt als deel van bereikt.",
        "en": "Stopped: no step for {days} days or more, and not finished. Drop-off: stopped as a share of reached.",
    },
    "insights_mark": {"nl": "bereikt {reached} · uitval {drop_off}", "en": "reached {reached} · drop-off {drop_off}"},
    "insights_mark_stopped_hidden": {
        "nl": "bereikt {reached} · gestopt: minder dan {k}",
        "en": "reached {reached} · stopped: fewer than {k}",
    },
    "insights_mark_hidden": {"nl": "bereikt: minder dan {k}", "en": "reached: fewer than {k}"},
}

_MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def check_language(language: str) -> str:
    """``language`` itself, if the reports speak it."""
    if language not in LANGUAGES:
        raise ValueError(f"language: {language!r} (expected one of {', '.join(map(repr, LANGUAGES))})")
    return language


def say(key: str, language: str, **values: object) -> str:
    """The text ``key`` in ``language``, with its placeholders filled in."""
    return TEXTS[key][check_language(language)].format(**values)


def count(value: Figure, language: str, k: int) -> str:
    """A figure as text: its number, or "fewer than k"."""
    return str(value.value) if value.value is not None else say("fewer", language, k=k)


def percent(share: float | None, language: str) -> str:
    """A share as a whole percentage ("40 %" in Dutch, "40%" in English); never 0 or 100 unless exact."""
    if share is None:
        return say("too_few", language)
    whole = min(max(round(share * 100), 1 if share > 0 else 0), 99 if share < 1 else 100)
    return f"{whole} %" if check_language(language) == "nl" else f"{whole}%"


def day(value: date, language: str) -> str:
    """A date as a phone reads it: "3 nov 2026" or "3 Nov 2026"."""
    return f"{value.day} {_MONTHS[check_language(language)][value.month - 1]} {value.year}"
