"""Everything the bot says outside dialogues, in Dutch and English.

Dialogue content comes from the trainers' YAML; these are the bot's own words:
greetings, help, privacy, confirmations and polite answers to bad input. Each
key holds one text per language, written for that language rather than
translated word for word, with the same ``{placeholders}`` in both.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("nl", "en")
DEFAULT_LANGUAGE: Final = "nl"

LANGUAGE_BUTTONS: Final[dict[str, str]] = {"nl": "Nederlands", "en": "English"}

MARK_DONE: Final = "✓"
MARK_STARTED: Final = "…"
MARK_NEW: Final = "○"

COMMANDS: Final[dict[str, dict[str, str]]] = {
    "sessions": {"nl": "Alle sessies en je voortgang", "en": "All sessions and your progress"},
    "continue": {"nl": "Verder waar je was gebleven", "en": "Pick up where you left off"},
    "back": {"nl": "Terug naar de vorige vraag", "en": "Back to the previous question"},
    "cancel": {"nl": "Dit gesprek even opzijleggen", "en": "Put this dialogue aside"},
    "language": {"nl": "Een andere taal kiezen", "en": "Choose another language"},
    "privacy": {"nl": "Wat ik bewaar en waarom", "en": "What I keep, and why"},
    "mydata": {"nl": "Alles wat ik over je bewaar", "en": "Everything I keep about you"},
    "forget": {"nl": "Al je gegevens wissen", "en": "Erase all your data"},
    "pause": {"nl": "Vervolgvragen opschuiven", "en": "Move follow-ups later"},
    "stop": {"nl": "Even geen berichten van mij", "en": "Pause my messages"},
    "resume": {"nl": "Weer berichten ontvangen", "en": "Get my messages again"},
    "digest": {"nl": "Het weekoverzicht aan of uit", "en": "The weekly overview on or off"},
    "shared": {"nl": "Wat je deelde met je cursusgroep", "en": "What you shared with your course group"},
    "help": {"nl": "Alle opdrachten op een rij", "en": "All commands at a glance"},
}

TEXTS: Final[dict[str, dict[str, str]]] = {
    "welcome": {
        "nl": (
            "Hoi, welkom bij Good Work Coach!\n\n"
            "In korte gesprekken denk je na over dilemma's in het werk bij de overheid. "
            "Een sessie duurt 10 tot 15 minuten. Ik stel vragen, maar ik geef nooit een oordeel: "
            "goede of foute antwoorden bestaan hier niet.\n\n"
            "In welke taal wil je verder?"
        ),
        "en": (
            "Hi, welcome to Good Work Coach!\n\n"
            "In short conversations you think through the dilemmas that come with working in public service. "
            "A session takes 10 to 15 minutes. I ask questions, but I never grade: "
            "there are no right or wrong answers here.\n\n"
            "Which language would you like to use?"
        ),
    },
    "language_prompt": {
        "nl": "Welke taal wil je gebruiken?",
        "en": "Which language do you prefer?",
    },
    "language_set": {
        "nl": "Prima, vanaf nu schrijf ik in het Nederlands.",
        "en": "Done, I'll write in English from now on.",
    },
    "privacy": {
        "nl": (
            "Zo ga ik om met je gegevens:\n\n"
            "• Ik bewaar je keuzes, je reflecties en waar je bent in een sessie. "
            "Daarnaast je chat-id (om je berichten te kunnen sturen), je taal en je instellingen.\n"
            "• Je keuzes en reflecties staan onder een code, niet onder je naam. "
            "Zonder de geheime sleutel van de bot is die code niet naar jou te herleiden.\n"
            "• Collega's zien alleen totalen, en pas als minstens {k} mensen hebben geantwoord.\n"
            "• Reflecties ouder dan {days} dagen wis ik. Ben je {days} dagen niet geweest, dan wis ik alles.\n\n"
            "Met /mydata krijg je alles wat ik over je bewaar. Met /forget wis je het."
        ),
        "en": (
            "How I handle your data:\n\n"
            "• I keep your choices, your reflections and where you are in a session. "
            "Also your chat id (so I can send you messages), your language and your settings.\n"
            "• Your choices and reflections are stored under a code, not your name. "
            "Without the bot's secret key, that code can't be traced back to you.\n"
            "• Colleagues only see totals, and only once at least {k} people have answered.\n"
            "• Reflections older than {days} days are deleted. "
            "If you haven't been around for {days} days, everything goes.\n\n"
            "/mydata sends you everything I keep about you. /forget erases it."
        ),
    },
    "intro_missing": {
        "nl": "De introductie staat nog niet klaar. Kijk bij /sessions welke gesprekken je al kunt doen.",
        "en": "The introduction isn't ready yet. Have a look at /sessions to see what you can start with.",
    },
    "help": {
        "nl": (
            "Deze opdrachten kun je altijd gebruiken:\n\n"
            "/sessions – alle sessies en hoe ver je bent\n"
            "/continue – verder waar je was gebleven\n"
            "/back – terug naar de vorige vraag\n"
            "/cancel – dit gesprek even opzijleggen\n"
            "/language – een andere taal kiezen\n"
            "/privacy – wat ik bewaar en waarom\n"
            "/mydata – alles wat ik over je bewaar\n"
            "/forget – al je gegevens wissen\n"
            "/pause 14d – vervolgvragen van een cursus opschuiven\n"
            "/stop – even geen berichten van mij\n"
            "/resume – weer berichten ontvangen\n"
            "/digest off – geen weekoverzicht (on: weer wel)\n"
            "/shared – wat je deelde met je cursusgroep\n"
            "/help – dit overzicht"
        ),
        "en": (
            "Commands you can use at any time:\n\n"
            "/sessions – all sessions and how far you are\n"
            "/continue – pick up where you left off\n"
            "/back – go back to the previous question\n"
            "/cancel – put this dialogue aside for now\n"
            "/language – choose another language\n"
            "/privacy – what I keep, and why\n"
            "/mydata – get everything I keep about you\n"
            "/forget – erase all your data\n"
            "/pause 14d – move a course's follow-ups later\n"
            "/stop – pause my messages\n"
            "/resume – get my messages again\n"
            "/digest off – no weekly overview (on: back again)\n"
            "/shared – what you shared with your course group\n"
            "/help – this list"
        ),
    },
    "help_trainer": {
        "nl": (
            "Voor trainers:\n\n"
            "Stuur een .yaml-bestand om het te controleren en te publiceren.\n"
            "/course – cursusgroepen: openen, tellen, sluiten\n"
            "/versions ID – versies van een gesprek, en terugzetten\n"
            "/graph ID – een gesprek als plaatje\n"
            "/insights ID – waar mensen afhaken in een gesprek\n"
            "/cop CODE – wat een groep deelde, voor haar Community of Practice"
        ),
        "en": (
            "For trainers:\n\n"
            "Send a .yaml file to check and publish it.\n"
            "/course – course tranches: open, count, close\n"
            "/versions ID – a dialogue's versions, and rolling back\n"
            "/graph ID – a dialogue as a picture\n"
            "/insights ID – where people give up in a dialogue\n"
            "/cop CODE – what a tranche shared, for its Community of Practice"
        ),
    },
    "sessions_header": {
        "nl": (
            "Kies een gesprek om te beginnen of verder te gaan.\n"
            f"{MARK_DONE} klaar  {MARK_STARTED} bezig  {MARK_NEW} nieuw"
        ),
        "en": (f"Pick a dialogue to start or continue.\n{MARK_DONE} done  {MARK_STARTED} in progress  {MARK_NEW} new"),
    },
    "sessions_page": {"nl": "Pagina {page} van {pages}", "en": "Page {page} of {pages}"},
    "sessions_more": {"nl": "Meer ›", "en": "More ›"},
    "sessions_back": {"nl": "‹ Terug", "en": "‹ Back"},
    "sessions_week_button": {"nl": "{mark} Deze week: {title}", "en": "{mark} This week: {title}"},
    "section_toolkit": {"nl": "De vier toolkitsessies", "en": "The four toolkit sessions"},
    "section_week": {"nl": "Dilemma van de week", "en": "Dilemma of the week"},
    "section_weekly": {"nl": "Eerdere dilemma's", "en": "Earlier dilemmas"},
    "section_followup": {"nl": "Vervolg op je cursus", "en": "Your course follow-ups"},
    "section_other": {"nl": "Meer gesprekken", "en": "More dialogues"},
    "session_introduction": {"nl": "Introductie", "en": "Introduction"},
    "session_excellence": {"nl": "Vakmanschap", "en": "Excellence"},
    "session_ethics": {"nl": "Verantwoordelijkheid", "en": "Ethics"},
    "session_engagement": {"nl": "Betrokkenheid", "en": "Engagement"},
    "sessions_empty": {
        "nl": "Er staan nog geen gesprekken klaar. Kijk later nog eens.",
        "en": "No dialogues have been published yet. Please check back later.",
    },
    "continue_nothing": {
        "nl": "Er is geen gesprek om mee verder te gaan. Kies er een bij /sessions.",
        "en": "There's nothing to continue right now. Pick a dialogue from /sessions.",
    },
    "back_nothing": {
        "nl": "Er is geen eerdere vraag om naar terug te gaan.",
        "en": "There's no earlier question to go back to.",
    },
    "cancel_done": {
        "nl": "Ik leg dit gesprek even opzij. Je voortgang blijft bewaard: via /sessions pak je het later weer op.",
        "en": "I've put this dialogue aside. Your progress is kept, so you can pick it up again from /sessions.",
    },
    "cancel_nothing": {
        "nl": "Er loopt nu geen gesprek. Bij /sessions kun je er een kiezen.",
        "en": "There's no dialogue open right now. You can pick one from /sessions.",
    },
    "peers_header": {
        "nl": "Zo kozen collega's:",
        "en": "How colleagues chose:",
    },
    "peers_line": {
        "nl": "{label}: {percent}%",
        "en": "{label}: {percent}%",
    },
    "peers_too_few": {
        "nl": (
            "Nog niet genoeg collega's hebben hierop geantwoord. Ik laat pas zien hoe mensen kozen "
            "als minstens {k} collega's hebben geantwoord, zodat niemand herkenbaar is."
        ),
        "en": (
            "Not enough colleagues have answered this yet. I only show how people chose "
            "once at least {k} have answered, so that no one can be recognised."
        ),
    },
    "peers_note": {
        "nl": "Geen keuze is goed of fout; dit laat alleen zien hoe anderen het afwogen.",
        "en": "No choice is right or wrong; this only shows how others weighed it up.",
    },
    "finished": {
        "nl": "Dit gesprek is klaar. Dank je wel voor het meedenken! Bij /sessions vind je het volgende.",
        "en": "That's the end of this dialogue. Thanks for thinking it through with me! The next one is in /sessions.",
    },
    "skip_button": {"nl": "Overslaan", "en": "Skip"},
    "chosen_mark": {"nl": "→ {label}", "en": "→ {label}"},
    "stale_button": {
        "nl": (
            "Die knop hoort bij een eerdere vraag of een oudere versie van het gesprek. "
            "Er is niets veranderd. Ga verder bij de nieuwste vraag, of met /continue."
        ),
        "en": (
            "That button belongs to an earlier question or an older version of this dialogue, "
            "so nothing changed. Carry on with the latest question, or use /continue."
        ),
    },
    "forged_button": {
        "nl": "Deze knop herken ik niet. Er is niets veranderd.",
        "en": "I don't recognise that button, so nothing changed.",
    },
    "not_offered": {
        "nl": "Die keuze is niet (meer) beschikbaar.",
        "en": "That option isn't available (any more).",
    },
    "too_long": {
        "nl": (
            "Je reflectie is langer dan {maximum} tekens en is daarom niet bewaard. "
            "Wil je de tekst wat inkorten en opnieuw sturen?"
        ),
        "en": (
            "Your reflection is longer than {maximum} characters, so I haven't saved it. "
            "Could you shorten it and send it again?"
        ),
    },
    "too_short": {
        "nl": "Schrijf je iets meer? Een reflectie heeft minstens {minimum} tekens nodig.",
        "en": "Could you write a little more? A reflection needs at least {minimum} characters.",
    },
    "text_expected_choice": {
        "nl": ("Kies met een van de knoppen hierboven. Met /back ga je terug, met /cancel leg je het gesprek opzij."),
        "en": (
            "Please choose with one of the buttons above. Use /back to go back, or /cancel to put the dialogue aside."
        ),
    },
    "no_dialogue_text": {
        "nl": (
            "Er loopt nu geen gesprek, dus ik heb je bericht niet bewaard. "
            "Begin er een via /sessions, of ga verder met /continue."
        ),
        "en": (
            "There's no dialogue open right now, so I haven't saved your message. "
            "Start one from /sessions, or pick up where you were with /continue."
        ),
    },
    "media_not_understood": {
        "nl": "Hier kan ik alleen tekst lezen, dus ik heb niets bewaard. Typ je antwoord gerust als bericht.",
        "en": "I can only read text here, so nothing was saved. Feel free to type your answer instead.",
    },
    "group_only_private": {
        "nl": (
            "Ik praat alleen in een privéchat en bewaar niets uit groepen. "
            "Tik op mijn naam om een chat met mij te starten."
        ),
        "en": (
            "I only talk in private chats and keep nothing from groups. Tap my name to start a private chat with me."
        ),
    },
    "unknown_command": {
        "nl": "Die opdracht ken ik niet. Met /help zie je welke ik wel ken.",
        "en": "I don't know that command. /help shows the ones I do know.",
    },
    "unknown_payload": {
        "nl": (
            "Deze link leidt nergens heen. Misschien is hij verlopen of zit er een typfout in. "
            "Bij /sessions vind je alle gesprekken."
        ),
        "en": (
            "That link doesn't lead anywhere. Maybe it has expired, or there's a typo in it. "
            "You'll find all dialogues in /sessions."
        ),
    },
    "unknown_dialogue": {
        "nl": "Dat gesprek is niet beschikbaar. Kijk bij /sessions welke er wel zijn.",
        "en": "That dialogue isn't available. Have a look at /sessions for the ones that are.",
    },
    "error_after_saving": {
        "nl": (
            "Sorry, er ging iets mis aan mijn kant terwijl ik antwoordde. Wat je stuurde is wel bewaard. "
            "Met /continue zie je waar je bent."
        ),
        "en": (
            "Sorry, something went wrong on my side while I was replying. What you sent has been saved. "
            "Use /continue to see where you are."
        ),
    },
    "error_nothing_saved": {
        "nl": "Sorry, er ging iets mis aan mijn kant. Er is niets veranderd. Probeer het zo nog eens.",
        "en": "Sorry, something went wrong on my side. Nothing has changed. Please try again in a moment.",
    },
    "written_before_question": {
        "nl": (
            "Dit lijkt geschreven voordat mijn laatste vraag verscheen, dus ik heb het niet als antwoord "
            "bewaard. Wil je de vraag hierboven beantwoorden?"
        ),
        "en": (
            "That seems to have been written before my last question appeared, so I haven't saved it as "
            "your answer. Could you answer the question above?"
        ),
    },
    "mydata_caption": {
        "nl": "Alles wat Good Work Coach over je bewaart.",
        "en": "Everything Good Work Coach keeps about you.",
    },
    "mydata_empty": {
        "nl": "Er staat niets over je opgeslagen, behalve je chat-id: die heb ik nodig om je te kunnen antwoorden.",
        "en": "There's nothing stored about you, apart from your chat id: I need that to be able to reply.",
    },
    "forget_confirm": {
        "nl": (
            "Weet je zeker dat je alles wilt wissen? Dan verdwijnen je keuzes, reflecties, voortgang "
            "en instellingen. Dit kun je niet terugdraaien. (De knop werkt {minutes} minuten.)"
        ),
        "en": (
            "Do you want to erase everything? That removes your choices, reflections, progress "
            "and settings. This can't be undone. (The button works for {minutes} minutes.)"
        ),
    },
    "forget_expired": {
        "nl": "Deze knop werkt niet meer. Er is niets gewist. Stuur /forget als je opnieuw wilt kiezen.",
        "en": "This button no longer works, and nothing was erased. Send /forget to choose again.",
    },
    "forget_yes": {"nl": "Ja, wis alles", "en": "Yes, erase everything"},
    "forget_no": {"nl": "Nee, niet wissen", "en": "No, keep it"},
    "forget_done": {
        "nl": "Alles is gewist. Met /start begin je opnieuw.",
        "en": "Everything has been erased. Send /start to begin again.",
    },
    "forget_kept": {
        "nl": "Goed, er is niets gewist.",
        "en": "OK, nothing was erased.",
    },
    "stop_done": {
        "nl": (
            "Goed, ik stuur je niets meer tot je /resume gebruikt. "
            "Ook vervolgvragen en het weekoverzicht staan op pauze."
        ),
        "en": ("OK, I won't send you anything until you use /resume. Follow-ups and the weekly digest are paused too."),
    },
    "stopped_reminder": {
        "nl": "Ik sta op pauze. Met /resume gaan we verder.",
        "en": "I'm paused right now. Use /resume to carry on.",
    },
    "resume_done": {
        "nl": "Welkom terug! Je krijgt weer berichten van me. Met /continue ga je verder waar je was.",
        "en": "Welcome back! You'll get my messages again. Use /continue to pick up where you left off.",
    },
    "resume_not_stopped": {
        "nl": "Er stond niets op pauze: je krijgt al berichten van me.",
        "en": "Nothing was paused: you're already getting my messages.",
    },
    "enrolled": {
        "nl": (
            "Welkom bij {course} ({tranche}). De komende tijd stuur ik je {count} korte vervolgvragen, "
            "steeds op een werkdag binnen kantoortijd, zodat je iets van de cursus in de praktijk brengt. "
            "Met /pause 14d (of /pause tot 2027-01-10) schuif je ze op; met /stop houden ze op."
        ),
        "en": (
            "Welcome to {course} ({tranche}). Over the coming weeks I'll send you {count} short follow-ups, "
            "always on a working day during office hours, to help you put something from the course into practice. "
            "/pause 14d (or /pause until 2027-01-10) moves them later; /stop ends them."
        ),
    },
    "enrolled_already": {
        "nl": "Je bent al aangemeld voor {course} ({tranche}). Je vervolgvragen staan klaar.",
        "en": "You're already signed up for {course} ({tranche}). Your follow-ups are on their way.",
    },
    "course_closed": {
        "nl": "Deze cursuslink is gesloten of bestaat niet (meer). Vraag je trainer om de juiste link.",
        "en": "This course link is closed or no longer exists. Ask your trainer for the right link.",
    },
    "followup": {
        "nl": "Een korte vervolgvraag bij {course}, voor een paar minuten:\n\n{title}",
        "en": "A short follow-up to {course}, for a few minutes:\n\n{title}",
    },
    "followup_button": {"nl": "Beginnen", "en": "Start"},
    "reminder": {
        "nl": (
            "Nog even over deze vervolgvraag bij {course}:\n\n{title}\n\n"
            "Heb je deze week een paar minuten? Dan staat hij voor je klaar. "
            "Komt het nu niet uit, dan laat ik het hierbij."
        ),
        "en": (
            "A gentle nudge about this follow-up to {course}:\n\n{title}\n\n"
            "If you have a few minutes this week, it's ready for you. If now isn't the time, I'll leave it there."
        ),
    },
    "course_intro_pointer": {
        "nl": "Nieuw hier? Begin met de introductie: tien minuten over wat goed werk is. Alles staat bij /sessions.",
        "en": "New here? Begin with the introduction: ten minutes on what good work is. Everything is in /sessions.",
    },
    "intro_button": {"nl": "De introductie beginnen", "en": "Start the introduction"},
    "pause_done": {
        "nl": "Goed, je volgende vervolgvraag komt op {until}. De rest schuift evenveel op.",
        "en": "Fine: your next follow-up comes on {until}. The others move on by as much.",
    },
    "pause_already": {
        "nl": "Je volgende vervolgvraag komt pas op {until}, dus er hoeft niets op te schuiven.",
        "en": "Your next follow-up isn't due until {until}, so nothing needs to move.",
    },
    "pause_nothing": {
        "nl": "Er staan geen vervolgvragen voor je klaar, dus er valt niets op te schuiven.",
        "en": "You have no follow-ups waiting, so there is nothing to move.",
    },
    "pause_usage": {
        "nl": (
            "Zo schuif je je vervolgvragen op: /pause 14d (veertien dagen), /pause 3w (drie weken) "
            "of /pause tot 2027-01-10."
        ),
        "en": (
            "To move your follow-ups: /pause 14d (fourteen days), /pause 3w (three weeks) or /pause until 2027-01-10."
        ),
    },
    "course_upload_summary": {
        "nl": (
            "Cursus {course}: {title}\nVervolgvragen: {plan}\n\n"
            "Publiceren maakt dit de nieuwe versie; wie zich daarna aanmeldt, krijgt dit plan."
        ),
        "en": (
            "Course {course}: {title}\nFollow-ups: {plan}\n\n"
            "Publishing makes this the new version; whoever joins after that gets this plan."
        ),
    },
    "course_upload_missing": {
        "nl": "Cursus {course} noemt gesprekken die nog niet gepubliceerd zijn: {ids}. Publiceer die eerst.",
        "en": "Course {course} names dialogues that are not published yet: {ids}. Publish those first.",
    },
    "course_published": {
        "nl": "Cursus {course} is gepubliceerd als versie {version}.",
        "en": "Course {course} is published as version {version}.",
    },
    "slow_down": {
        "nl": "Dat zijn veel berichten tegelijk. Wacht even op mijn antwoord, dan kan ik je bijhouden.",
        "en": "That's a lot of messages at once. Please wait for my reply so I can keep up.",
    },
    # -- trainers: uploading, previewing and publishing dialogues (uploads.py) --------------------
    "upload_wrong_type": {
        "nl": "Stuur een gesprek als .yaml- of .yml-bestand; dit bestand is dat niet.",
        "en": "Send a dialogue as a .yaml or .yml file; this one is not.",
    },
    "upload_too_big": {
        "nl": "Dat bestand is {size} bytes; een gespreksbestand mag hoogstens {maximum} bytes (1 MB) zijn.",
        "en": "That file is {size} bytes; a dialogue file may be at most {maximum} bytes (1 MB).",
    },
    "upload_too_slow": {
        "nl": (
            "Het controleren van {filename} duurde langer dan {seconds} seconden en is gestopt. "
            "Controleer het bestand met 'goodwork validate' en stuur het daarna opnieuw."
        ),
        "en": (
            "Checking {filename} took longer than {seconds} seconds and was stopped. "
            "Check the file with 'goodwork validate', then send it again."
        ),
    },
    "upload_check_failed": {
        "nl": "Ik kon {filename} niet controleren. Er is niets gepubliceerd; probeer het straks opnieuw.",
        "en": "I couldn't check {filename}. Nothing was published; please try again later.",
    },
    "upload_not_utf8": {
        "nl": "{filename} is geen UTF-8-tekst. Sla het bestand op als UTF-8 en stuur het opnieuw.",
        "en": "{filename} is not UTF-8 text; save it as UTF-8 and send it again.",
    },
    "upload_problems": {
        "nl": "{filename} heeft {count} fout(en); er is niets gepubliceerd.",
        "en": "{filename} has {count} error(s); nothing was published.",
    },
    "upload_languages": {
        "nl": "Talen: {languages} · {nodes} knooppunten",
        "en": "Languages: {languages} · {nodes} nodes",
    },
    "upload_warnings": {
        "nl": "{count} waarschuwing(en):",
        "en": "{count} warning(s):",
    },
    "upload_warning_label": {"nl": "waarschuwing", "en": "warning"},
    "upload_new": {
        "nl": "Nieuw gesprek: onder dit id staat nog niets live.",
        "en": "New dialogue: nothing is live under this id yet.",
    },
    "upload_against": {
        "nl": "Vergeleken met live versie {version}:",
        "en": "Against live version {version}:",
    },
    "upload_added": {"nl": "Knooppunten toegevoegd: {ids}", "en": "Nodes added: {ids}"},
    "upload_removed": {"nl": "Knooppunten verwijderd: {ids}", "en": "Nodes removed: {ids}"},
    "upload_changed": {"nl": "Knooppunten met andere teksten: {ids}", "en": "Nodes texts changed: {ids}"},
    "upload_unchanged": {
        "nl": "Er zijn geen knooppunten toegevoegd of verwijderd, en geen teksten veranderd.",
        "en": "No nodes added, removed or with changed texts.",
    },
    "thousands_separator": {"nl": ".", "en": ","},
    "and_more": {"nl": "…en nog {count}", "en": "…and {count} more"},
    "draft_preview": {"nl": "Bekijken", "en": "Preview"},
    "draft_publish": {"nl": "Publiceren", "en": "Publish"},
    "draft_discard": {"nl": "Weggooien", "en": "Discard"},
    "draft_discarded": {
        "nl": "Het concept van {dialogue} is weggegooid; er is niets gepubliceerd.",
        "en": "Discarded the draft of {dialogue}; nothing was published.",
    },
    "preview_start": {
        "nl": "Voorbeeld van {dialogue}: wat je hier doet, wordt niet geteld en niet bewaard.",
        "en": "Preview of {dialogue}: nothing you do here is counted or kept.",
    },
    "preview_peers": {
        "nl": "(Voorbeeld: hier zie je hoe collega's kozen zodra het gesprek live staat.)",
        "en": "(Preview: how colleagues chose is shown here once the dialogue is live.)",
    },
    "preview_end": {
        "nl": "Einde van het voorbeeld van {dialogue}.",
        "en": "End of the preview of {dialogue}.",
    },
    "published": {
        "nl": "{dialogue} is gepubliceerd als versie {version}.",
        "en": "{dialogue} published as version {version}.",
    },
    "published_unchanged": {
        "nl": "{dialogue}: niets veranderd, het is nog steeds versie {version}.",
        "en": "{dialogue}: unchanged, still version {version}.",
    },
    "versions_usage": {
        "nl": "Gebruik: /versions ID, met het id van een gepubliceerd gesprek.",
        "en": "Usage: /versions ID, with the id of a published dialogue.",
    },
    "versions_header": {
        "nl": "{dialogue}: {count} versie(s)",
        "en": "{dialogue}: {count} version(s)",
    },
    "versions_live": {"nl": "live", "en": "live"},
    "versions_line": {"nl": "{version} · {when} · {by}", "en": "{version} · {when} · {by}"},
    "versions_by_trainer": {"nl": "trainer {code} in de chat", "en": "trainer {code} in chat"},
    "versions_by_a_trainer": {"nl": "een trainer in de chat", "en": "a trainer in chat"},
    "versions_by_start": {"nl": "de map met gesprekken, bij de start", "en": "the dialogues folder, at start-up"},
    "versions_by_play": {"nl": "goodwork play in de terminal", "en": "goodwork play in a terminal"},
    "versions_by_command_line": {"nl": "de opdrachtregel ({user})", "en": "the command line ({user})"},
    "versions_rollback": {"nl": "{by}, teruggezet naar {version}", "en": "{by}, rolled back to {version}"},
    "rollback_button": {"nl": "Terugzetten naar {version}", "en": "Roll back to {version}"},
    "insights_usage": {
        "nl": "Gebruik: /insights ID, met het id van een gepubliceerd gesprek.",
        "en": "Usage: /insights ID, with the id of a published dialogue.",
    },
    "insights_caption": {
        "nl": "{dialogue}: per stap hoeveel mensen er kwamen en hoeveel er afhaakten (kleur: afhakers).",
        "en": "{dialogue}: per step how many people got there and how many stopped (colour: drop-off).",
    },
    "graph_usage": {
        "nl": "Gebruik: /graph ID, met het id van een gepubliceerd gesprek.",
        "en": "Usage: /graph ID, with the id of a published dialogue.",
    },
    "graph_no_dot": {
        "nl": (
            "Het Graphviz-programma 'dot' staat niet op de server. Installeer Graphviz, daar zit het in: "
            "'sudo apt-get install graphviz' op Debian/Ubuntu, 'brew install graphviz' op macOS."
        ),
        "en": (
            "The Graphviz program 'dot' is not installed on the server; install Graphviz, which provides it: "
            "'sudo apt-get install graphviz' on Debian/Ubuntu, 'brew install graphviz' on macOS."
        ),
    },
    "graph_failed": {
        "nl": "Het lukte niet om {dialogue} te tekenen: {error}",
        "en": "Could not draw {dialogue}: {error}",
    },
    "graph_caption": {
        "nl": "{dialogue} versie {version} ({nodes} knooppunten, {in_language})",
        "en": "{dialogue} version {version} ({nodes} nodes, {in_language})",
    },
    # -- trainers: invitations and /course (trainer.py) -------------------------------------------
    "trainer_welcome": {
        "nl": (
            "Je bent nu trainer. Stuur me een gespreksbestand (.yaml), of gebruik /course, /versions ID of /graph ID."
        ),
        "en": "You are a trainer now. Send me a dialogue file (.yaml), or use /course, /versions ID or /graph ID.",
    },
    "course_usage": {
        "nl": (
            "/course: je tranches met hun aantallen\n"
            "/course open CURSUS JJJJ-MM-DD NAAM: open een tranche en krijg de link en QR-code\n"
            "/course close CODE: sluit de link van een tranche"
        ),
        "en": (
            "/course: your tranches with their counts\n"
            "/course open COURSE YYYY-MM-DD NAME: open a tranche, get its link and QR code\n"
            "/course close CODE: close a tranche's link"
        ),
    },
    "course_no_tranches": {"nl": "Er zijn nog geen tranches.", "en": "No tranches yet."},
    "course_tranche_line": {
        "nl": "{course} · {tranche} · {day} · {count} aangemeld",
        "en": "{course} · {tranche} · {day} · {count} enrolled",
    },
    "course_tranche_closed_mark": {"nl": "gesloten", "en": "closed"},
    "course_closed_done": {"nl": "Gesloten.", "en": "Closed."},
    "course_close_unknown": {
        "nl": "Er is geen open tranche met die code.",
        "en": "No open tranche with that code.",
    },
    "course_unknown": {
        "nl": "Er is geen cursus '{course}'. Cursussen: {courses}",
        "en": "No course '{course}'. Courses: {courses}",
    },
    "course_none_known": {"nl": "geen", "en": "none"},
    # -- the weekly digest --------------------------------------------------------------------------
    "digest_header": {"nl": "Jouw week met Good Work Coach", "en": "Your week with Good Work Coach"},
    "digest_dilemma": {
        "nl": "Dilemma van de week: {title}",
        "en": "Dilemma of the week: {title}",
    },
    "digest_no_dilemma": {
        "nl": "Je hebt alle dilemma's van de week gedaan. Er komen nieuwe.",
        "en": "You've done every dilemma of the week so far. New ones are on their way.",
    },
    "digest_progress": {"nl": "Je sessies:", "en": "Your sessions:"},
    "digest_pulse": {
        "nl": "Zo kozen collega's bij '{title}': {shares}.",
        "en": "How colleagues chose in '{title}': {shares}.",
    },
    "digest_footer": {
        "nl": "Liever geen weekoverzicht? Stuur /digest off.",
        "en": "Rather not get this weekly message? Send /digest off.",
    },
    "digest_open_button": {"nl": "Open het dilemma", "en": "Open the dilemma"},
    "digest_continue_button": {"nl": "Verder: {title}", "en": "Continue: {title}"},
    "digest_example_dilemma": {
        "nl": "Een appje van de wethouder",
        "en": "A late-night message from the alderman",
    },
    "digest_example_pulse": {"nl": "Het concept bij de lobby", "en": "The draft that reached the lobby"},
    "digest_example_option": {"nl": "ik spreek mijn collega aan", "en": "I talk to my colleague"},
    "digest_on": {
        "nl": "Goed, je krijgt weer elke week een kort overzicht.",
        "en": "Fine: you'll get a short overview every week again.",
    },
    "digest_off": {
        "nl": "Goed, ik stuur je geen weekoverzicht meer. Met /digest on zet je het weer aan.",
        "en": "Fine: no more weekly overviews. Send /digest on to turn them back on.",
    },
    "digest_usage": {
        "nl": "Met /digest off stop je het weekoverzicht, met /digest on zet je het weer aan. Nu staat het {state}.",
        "en": "Send /digest off to stop the weekly overview, /digest on to turn it back on. It is {state} now.",
    },
    "digest_state_on": {"nl": "aan", "en": "on"},
    "digest_state_off": {"nl": "uit", "en": "off"},
    # -- sharing with a Community of Practice ---------------------------------------------------------
    "share_question": {
        "nl": (
            "Mag dit antwoord anoniem naar je cursusgroep, voor de volgende bijeenkomst van de "
            "Community of Practice? Noem er dan geen namen in. Wat al in een bijeenkomstpakket zit, "
            "kan niet meer terug. Zonder antwoord blijft het bij jou."
        ),
        "en": (
            "May this answer go, anonymously, to your course group for the next Community of Practice "
            "meeting? If so, leave names out. Once it is in a meeting pack it cannot be taken back. "
            "If you don't answer, it stays with you."
        ),
    },
    "share_yes": {"nl": "Ja, deel anoniem", "en": "Yes, share anonymously"},
    "share_no": {"nl": "Nee, alleen voor mij", "en": "No, keep it to me"},
    "share_done": {"nl": "Gedeeld met je cursusgroep", "en": "Shared with your course group"},
    "share_kept": {"nl": "Niet gedeeld", "en": "Not shared"},
    "shared_none": {
        "nl": "Je hebt (nog) niets gedeeld met een cursusgroep.",
        "en": "You haven't shared anything with a course group.",
    },
    "shared_header": {
        "nl": "Dit heb je gedeeld met je cursusgroep. Met de knop haal je het terug (uit een pakket dat al "
        "verstuurd is niet meer):",
        "en": "This is what you shared with your course group. A button takes it back (not from a pack already sent):",
    },
    "shared_withdraw": {"nl": "Terugnemen: {number}", "en": "Withdraw: {number}"},
    "shared_withdrawn": {"nl": "Teruggenomen.", "en": "Withdrawn."},
    "cop_usage": {
        "nl": "Gebruik: /cop CODE (de code van een tranche, zie /course).",
        "en": "Use: /cop CODE (a tranche's code, see /course).",
    },
    "cop_unknown": {"nl": "Je hebt geen tranche met die code.", "en": "You have no tranche with that code."},
    "cop_too_few": {
        "nl": "Nog niet genoeg gedeeld voor een pakket ({shared} van de {k} mensen die nodig zijn).",
        "en": "Not enough shared for a pack yet ({shared} of the {k} people needed).",
    },
    "cop_fewer_than": {"nl": "minder dan {k}", "en": "fewer than {k}"},
    "cop_caption": {
        "nl": "Pakket voor de Community of Practice: {course}, {tranche}. Anoniem: citeer het zonder namen.",
        "en": "Community of Practice pack: {course}, {tranche}. Anonymous: quote it without names.",
    },
}


MESSAGE_LIMIT = 4096  # characters in one Telegram message


def text(key: str, language: str | None, **values: object) -> str:
    """The text for ``key`` in ``language`` (Dutch when unknown), with ``{placeholders}`` filled."""
    try:
        translations = TEXTS[key]
    except KeyError:
        raise KeyError(f"no text called {key!r}") from None
    template = translations[known(language)]
    try:
        return template.format_map(values)
    except KeyError as missing:
        raise KeyError(f"text {key!r} needs a value for {{{missing.args[0]}}}") from None


def known(language: str | None) -> str:
    """A stored or given ``language`` as one of LANGUAGES: ``en-GB`` becomes ``en``, none or unknown Dutch.

    (A person's first language is guessed from Telegram's code by ``services.guess_language``, which
    gives English to anyone whose Telegram is not in Dutch; once chosen, it is stored and read here.)"""
    base = (language or "").partition("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def fit(lines: list[str], language: str) -> str:
    """``lines`` joined, cut to one Telegram message with "…and N more" for the lines left out."""
    kept: list[str] = []
    size = -1  # the length of the kept lines joined by newlines
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = 1 + len(text("and_more", language, count=rest - 1)) if rest > 1 else 0
        if size + 1 + len(line) + tail > MESSAGE_LIMIT:
            kept.append(text("and_more", language, count=rest))
            break
        kept.append(line)
        size += 1 + len(line)
    return "\n".join(kept)
