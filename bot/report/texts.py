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
    "gap_guard": {
        "nl": "weggelaten zodat een kleine groep niet te herleiden is",
        "en": "suppressed so that a small group cannot be worked out",
    },
    "legend_small": {"nl": "–: minder dan {k} mensen", "en": "–: fewer than {k} people"},
    "legend_guard": {
        "nl": "–*: weggelaten zodat een kleinere groep niet uit de totalen te herleiden is",
        "en": "–*: left out so that a smaller group cannot be worked out from the totals",
    },
    "line_enrolled": {"nl": "ingeschreven {value}", "en": "enrolled {value}"},
    "line_completed": {"nl": "afgerond: {items}", "en": "completed: {items}"},
    "line_followups": {"nl": "vervolgvragen beantwoord/gestuurd: {items}", "en": "follow-ups answered/sent: {items}"},
    "report_title": {"nl": "Deelname en afronding", "en": "Attendance and completion"},
    "report_period": {"nl": "Periode: {start} tot en met {end}", "en": "Period: {start} to {end}"},
    "report_intro": {
        "nl": "Hoeveel ambtenaren deelnamen aan de cursussen en de sessies van de Good Work Toolkit afrondden, "
        "anoniem geteld door de Good Work Coach. Alle cijfers tellen mensen, ieder één keer per cijfer.",
        "en": "How many civil servants took part in the courses and completed the sessions of the Good Work "
        "Toolkit, counted anonymously by the Good Work Coach. Every figure counts people, each person once.",
    },
    "report_everyone": {"nl": "Ingeschreven, alle cursussen samen:", "en": "Enrolled, all courses together:"},
    "report_held": {
        "nl": "{held} van de {planned} geplande groepen hadden hun cursusdag op of voor {day}.",
        "en": "{held} of the {planned} planned groups had their course day on or before {day}.",
    },
    "report_enrolment": {"nl": "Ingeschreven per groep", "en": "Enrolled per group"},
    "report_sessions": {
        "nl": "Toolkitsessies afgerond (en als deel van de ingeschrevenen)",
        "en": "Toolkit sessions completed (and as a share of those enrolled)",
    },
    "report_followup": {"nl": "Vervolgvraag: {title}", "en": "Follow-up: {title}"},
    "report_trend": {"nl": "Per week, alle cursussen samen", "en": "Week by week, all courses together"},
    "report_trend_table": {"nl": "De cijfers per week", "en": "The figures per week"},
    "report_how": {"nl": "Hoe deze cijfers tot stand komen", "en": "How these numbers are made"},
    "report_chart_title": {"nl": "Alle cursussen: activiteit per week", "en": "All courses: week by week"},
    "report_chart_note": {
        "nl": "Grijze week: minder dan {k} actief. Open plek in de lijn: respons niet getoond. De tabel geeft "
        "dezelfde cijfers.",
        "en": "Grey week: fewer than {k} active. Gap in the line: response not shown. The table gives the same "
        "figures.",
    },
    "report_chart_empty": {"nl": "Geen weken in deze periode.", "en": "No weeks in this period."},
    "report_chart_alt": {
        "nl": "Grafiek van actieve deelnemers (staven) en de respons op vervolgvragen (lijn) per week; de tabel "
        "hieronder geeft dezelfde cijfers.",
        "en": "Chart of active participants (bars) and the response to follow-ups (line) per week; the table "
        "below gives the same figures.",
    },
    "col_tranche": {"nl": "Groep", "en": "Group"},
    "col_day": {"nl": "Cursusdag", "en": "Course day"},
    "col_enrolled": {"nl": "Ingeschreven", "en": "Enrolled"},
    "col_sent": {"nl": "Gestuurd", "en": "Sent"},
    "col_answered": {"nl": "Beantwoord", "en": "Answered"},
    "col_response": {"nl": "Respons", "en": "Response"},
    "col_week": {"nl": "Week", "en": "Week"},
    "col_active": {"nl": "Actief", "en": "Active"},
    "col_new": {"nl": "Nieuw ingeschreven", "en": "Newly enrolled"},
    "row_total": {"nl": "Totaal", "en": "Total"},
    "row_planned": {"nl": "gepland", "en": "planned"},
    "row_unreported": {"nl": "geen cijfers", "en": "no figures"},
    "how_attended": {
        "nl": "Ingeschreven (deelname): de mensen die met de cursuslink van een groep meededen, ieder één keer per "
        "groep. Wie later zijn gegevens liet wissen, telt nog mee: die teller gaat niet omlaag.",
        "en": "Enrolled (attendance): the people who joined a group with its course link, each once per group. "
        "Someone who later had their data erased still counts: that counter does not go down.",
    },
    "how_completed": {
        "nl": "Afgerond: de mensen van een groep die een dialoog van die toolkitsessie tot het einde doorliepen.",
        "en": "Completed: the people of a group who went through a dialogue of that toolkit session to its end.",
    },
    "how_followups": {
        "nl": "Vervolgvragen stuurt de coach enige tijd na de cursusdag. Gestuurd: de mensen die er een kregen. "
        "Beantwoord: wie van hen eraan begon. Respons: beantwoord gedeeld door gestuurd.",
        "en": "Follow-ups are sent by the coach some time after the course day. Sent: the people who got one. "
        "Answered: those of them who took it up. Response: answered divided by sent.",
    },
    "how_active": {
        "nl": "Per week (ISO-weken, maandag tot en met zondag): actief is wie die week een stap zette, een keuze "
        "maakte of een reflectie schreef; nieuw ingeschreven is wie die week met een cursuslink meedeed.",
        "en": "Per week (ISO weeks, Monday to Sunday): active are those who took a step, made a choice or wrote a "
        "reflection that week; newly enrolled are those who joined with a course link that week.",
    },
    "how_k": {
        "nl": "Een cijfer over minder dan {k} mensen tonen we niet, ook niet nul: het staat er als –, en het "
        "CSV-bestand laat de waarde leeg met de opmerking ‘minder dan {k}’.",
        "en": "A figure about fewer than {k} people is not shown, zero included: it reads –, and the CSV file "
        "leaves its value empty with the note ‘fewer than {k}’.",
    },
    "how_guard": {
        "nl": "Waar een totaal met de andere cijfers in zijn rij of kolom een verborgen cijfer zou verraden, laten "
        "we nog een cijfer weg (–*), zodat geen verborgen cijfer uit totalen, verschillen of percentages terug "
        "te rekenen is. Een percentage staat er alleen als beide getallen erachter er ook staan.",
        "en": "Where a total and the other figures in its row or column would give a hidden figure away, one more "
        "figure is left out (–*), so that no hidden figure can be worked back from totals, differences or "
        "percentages. A percentage is shown only when both numbers behind it are.",
    },
    "how_rates": {
        "nl": "Percentages zijn hier afgerond op hele procenten; het CSV-bestand geeft ze als breuk met twee "
        "decimalen (0.40 is 40 %). Er staan geen namen, accounts of reflecties in dit rapport: alleen aantallen.",
        "en": "Percentages are rounded to whole numbers here; the CSV file gives them as fractions with two "
        "decimals (0.40 is 40%). This report holds no names, accounts or reflections: only counts.",
    },
    "how_csv": {
        "nl": "Dezelfde cijfers staan in report.csv, één rij per cijfer.",
        "en": "The same figures are in report.csv, one row per figure.",
    },
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
