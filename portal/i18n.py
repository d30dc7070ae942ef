"""User-facing text in Dutch (default) and English, and choosing the language per request.

Texts are keyed by a stable id; ``translate(key, lang, **params)`` formats them.
The catalog is plain Python so it needs no build step; every key must exist in
both languages (a test checks it).
"""

from __future__ import annotations

import datetime as dt

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

CATALOG: dict[str, tuple[str, str]] = {
    # errors
    "error.not_found": ("Niet gevonden.", "Not found."),
    "error.org_not_found": (
        "Deze organisatie bestaat niet.",
        "This organisation does not exist.",
    ),
    "error.unauthenticated": ("Log eerst in.", "Please log in first."),
    "error.forbidden": ("Dat mag je niet doen.", "You are not allowed to do that."),
    "error.csrf": (
        "Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.",
        "The form has expired. Reload the page and try again.",
    ),
    "error.invalid_input": (
        "Er klopt iets niet in wat je stuurde: {detail}",
        "Something in your request is wrong: {detail}",
    ),
    "error.rate_limited": (
        "Te veel pogingen. Probeer het over {minutes} minuten opnieuw.",
        "Too many attempts. Try again in {minutes} minutes.",
    ),
    "error.too_large": ("Dit is te groot.", "This is too large."),
    "error.unsupported_type": (
        "Dit soort bestand kunnen we niet gebruiken.",
        "We cannot use this kind of file.",
    ),
    # photos: upload rejections and processing failures staff can read
    "photo.unsupported_type": (
        "{name}: dit is geen foto die we kunnen gebruiken. Stuur JPEG, PNG, HEIC of WebP.",
        "{name}: this is not a photo we can use. Send JPEG, PNG, HEIC or WebP.",
    ),
    "photo.too_large": (
        "{name}: de foto is groter dan {megabytes} MB.",
        "{name}: the photo is larger than {megabytes} MB.",
    ),
    "photo.batch_too_large": (
        "Te veel of te grote foto's in één keer: maximaal {count} foto's van {megabytes} MB.",
        "Too many or too large photos at once: at most {count} photos of {megabytes} MB.",
    ),
    "photo.too_many_pixels": (
        "{name}: de foto heeft meer dan {megapixels} megapixel.",
        "{name}: the photo has more than {megapixels} megapixels.",
    ),
    "photo.unreadable": (
        "{name}: de foto is beschadigd of onvolledig en kan niet worden gelezen.",
        "{name}: the photo is damaged or incomplete and cannot be read.",
    ),
    "photo.bad_tags": (
        "Je kunt alleen kinderen taggen die nu in een groep zitten waar jij werkt.",
        "You can only tag children who are currently in a group you work in.",
    ),
    "photo.upload_race": (
        "Deze foto's werden tegelijk al eens verstuurd. Probeer het opnieuw.",
        "These photos were being sent at the same time already. Please try again.",
    ),
    "photo.too_slow": (
        "{name}: het verwerken van de foto duurde te lang; het bestand is waarschijnlijk beschadigd.",
        "{name}: processing the photo took too long; the file is probably damaged.",
    ),
    "photo.too_much_memory": (
        "{name}: de foto vraagt te veel geheugen om te verwerken; het bestand is waarschijnlijk beschadigd.",
        "{name}: the photo needs too much memory to process; the file is probably damaged.",
    ),
    "book.title": ("{child} bij {organisation}", "{child} at {organisation}"),
    "book.made": ("Gemaakt op {date} voor {guardian}", "Made on {date} for {guardian}"),
    "book.month_counts": ("{photos} foto's, {texts} berichten", "{photos} photos, {texts} messages"),
    "book.empty": ("Er is (nog) niets om te bewaren.", "There is nothing to keep (yet)."),
    "book.back": ("Terug naar het overzicht", "Back to the overview"),
    "book.diary": ("Dagboek", "Diary"),
    "book.message": ("Bericht", "Message"),
    "book.photo": ("Foto", "Photo"),
    "archive.not_ready": ("Het archief is nog niet klaar.", "The archive is not ready yet."),
    "archive.expired": (
        "Deze download is verlopen. Vraag een nieuwe aan.",
        "This download has expired. Ask for a new one.",
    ),
    "leaving.not_postable": (
        "{child} is vertrokken. Je kunt tot en met {date} nog alles lezen en downloaden, maar niets meer plaatsen.",
        "{child} has left. You can read and download everything until {date} inclusive, but not post anymore.",
    ),
    "leaving.bad_end_date": (
        "De laatste dag kan niet voor de eerste dag ({start}) liggen.",
        "The last day cannot be before the first day ({start}).",
    ),
    "leaving.end_date_too_early": (
        "Met deze laatste dag is de leesperiode van {days} dagen al voorbij en zouden we alles over {child} "
        "meteen verwijderen. Kies een latere datum, of gebruik de roosterimport als dat echt de bedoeling is.",
        "With this last day the {days}-day reading period is already over and we would delete everything about "
        "{child} at once. Choose a later date, or use the roster import if that is really intended.",
    ),
    "leaving.banner_left": (
        "{child} is vertrokken. Tot en met {date} kun je alles nog lezen en downloaden; daarna verwijderen we het.",
        "{child} has left. Until {date} inclusive you can still read and download everything; then we delete it.",
    ),
    "leaving.banner_leaving": (
        "De laatste dag van {child} is {end}. Daarna kun je tot en met {date} alles nog lezen en downloaden.",
        "{child}'s last day is {end}. After that you can read and download everything until {date} inclusive.",
    ),
    "leaving.download_link": ("Alles downloaden", "Download everything"),
    "mail.leaving_started_subject": (
        "{child} bij {org}: download alles vóór {date}",
        "{child} at {org}: download everything before {date}",
    ),
    "mail.leaving_started_body": (
        "Beste {name},\n\n"
        "De laatste dag van {child} bij {org} was {end}. Tot en met {date} kun je het dagboek, de foto's en "
        "de berichten nog lezen, en alles in één keer downloaden: de foto's met hun datum, een boek om te "
        "bewaren of te printen, en een export voor andere programma's.\n\n"
        "Downloaden: {link}\n\n"
        "Na {date} verwijderen we alles over {child}. Daarna kunnen we niets meer terughalen.\n\n"
        "Met vriendelijke groet,\n{org}\n",
        "Dear {name},\n\n"
        "{child}'s last day at {org} was {end}. Until {date} inclusive you can still read the diary, the photos "
        "and the messages, and download everything in one go: the photos with their dates, a book to keep or "
        "print, and an export for other programs.\n\n"
        "Download: {link}\n\n"
        "After {date} we delete everything about {child}. After that we cannot get anything back.\n\n"
        "Kind regards,\n{org}\n",
    ),
    "mail.leaving_reminder_subject": (
        "Nog {days} dagen: download alles van {child} vóór {date}",
        "{days} days left: download everything of {child} before {date}",
    ),
    "mail.leaving_reminder_body": (
        "Beste {name},\n\n"
        "Na {date} verwijderen we bij {org} alles over {child}: het dagboek, de foto's en de berichten. "
        "Heb je alles al gedownload? Dat kan nog {days} dagen.\n\n"
        "Downloaden: {link}\n\n"
        "Met vriendelijke groet,\n{org}\n",
        "Dear {name},\n\n"
        "After {date}, {org} deletes everything about {child}: the diary, the photos and the messages. "
        "Did you download everything yet? You can for {days} more days.\n\n"
        "Download: {link}\n\n"
        "Kind regards,\n{org}\n",
    ),
    "archive.page_title": ("Alles van {child} downloaden", "Download everything of {child}"),
    "archive.page_intro": (
        "Eén ZIP-bestand met alles wat jij van {child} mag zien, om te bewaren zonder app:",
        "One ZIP file with everything of {child} you may see, to keep without an app:",
    ),
    "archive.page_photos": (
        "de foto's, met de datum waarop ze gemaakt zijn (zonder andere gegevens);",
        "the photos, with the date they were taken (and no other data);",
    ),
    "archive.page_book": (
        "het dagboek en jullie berichten als boek: open index.html, of print het als PDF;",
        "the diary and your messages as a book: open index.html, or print it to PDF;",
    ),
    "archive.page_export": (
        "export.json met alles, voor andere programma's.",
        "export.json with everything, for other programs.",
    ),
    "archive.page_private": (
        "Alleen jij kunt deze download openen. Foto's van andere kinderen staan er alleen in zoals jij ze mocht zien.",
        "Only you can open this download. Photos of other children are in it only as you were allowed to see them.",
    ),
    "archive.start": ("Maak mijn download", "Make my download"),
    "archive.start_again": ("Maak een nieuwe download", "Make a new download"),
    "archive.building": ("Bezig met inpakken…", "Packing…"),
    "archive.download": ("Download het ZIP-bestand", "Download the ZIP file"),
    "archive.size": ("{mb} MB, {photos} foto's", "{mb} MB, {photos} photos"),
    "archive.expires": ("Te downloaden tot {date}.", "Available until {date}."),
    "archive.failed": (
        "Het inpakken is mislukt. Probeer het later opnieuw.",
        "Packing failed. Please try again later.",
    ),
    "leaving.overview_title": ("Vertrekkende kinderen", "Children leaving"),
    "leaving.overview_intro": (
        "Kinderen met een laatste dag. Hun ouders kunnen tot en met de leesdatum alles lezen en downloaden; "
        "de dag erna verwijderen we alles over het kind.",
        "Children with a last day. Their parents can read and download everything until the reading date "
        "inclusive; the day after, we delete everything about the child.",
    ),
    "leaving.none": ("Er vertrekken geen kinderen.", "No children are leaving."),
    "leaving.col_child": ("Kind", "Child"),
    "leaving.col_end": ("Laatste dag", "Last day"),
    "leaving.col_access": ("Lezen tot en met", "Reading until"),
    "leaving.col_purge": ("Verwijderd op", "Deleted on"),
    "leaving.col_guardians": ("Ouders: download", "Parents: download"),
    "leaving.downloaded_on": ("gedownload op {date}", "downloaded on {date}"),
    "leaving.not_downloaded": ("niet gedownload", "not downloaded"),
    "leaving.set_title": ("Laatste dag instellen", "Set the last day"),
    "leaving.set_child": ("Kind", "Child"),
    "leaving.set_date": ("Laatste dag (leeg laten wist hem)", "Last day (leave empty to clear it)"),
    "leaving.set_submit": ("Opslaan", "Save"),
    "leaving.saved": ("Opgeslagen.", "Saved."),
    # the admin's roster page
    "roster_page.title": ("Kinderen en medewerkers", "Children and staff"),
    "roster_page.import_title": ("Een lijst inlezen", "Import a list"),
    "roster_page.intro": (
        "Lees de kinderlijst of de medewerkerslijst in als CSV-bestand (zoals Excel het opslaat). Eerst"
        " controleren we het bestand en zie je wat er zou veranderen; pas daarna pas je het toe. Nieuwe"
        " ouders en medewerkers krijgen dan een uitnodiging.",
        "Import the child roster or the staff list as a CSV file (as Excel saves it). First we check the"
        " file and you see what would change; only then do you apply it. New parents and staff then get"
        " an invitation.",
    ),
    "roster_page.which_file": ("Welke lijst?", "Which list?"),
    "roster_page.kind_roster": ("Kinderlijst (met ouders)", "Child roster (with parents)"),
    "roster_page.kind_staff": ("Medewerkerslijst (met groepen)", "Staff list (with groups)"),
    "roster_page.file": ("CSV-bestand (tot {kb} kB)", "CSV file (up to {kb} kB)"),
    "roster_page.check": ("Controleren", "Check"),
    "roster_page.columns_hint": (
        "De kolommen staan in de handleiding (docs/roster-import.md). Lees eerst de kinderlijst in: die"
        " maakt de groepen aan waar de medewerkerslijst naar verwijst.",
        "The columns are in the manual (docs/roster-import.md). Import the child roster first: it creates"
        " the groups the staff list refers to.",
    ),
    "roster_page.choose_file": ("Kies een CSV-bestand.", "Choose a CSV file."),
    "roster_page.choose_kind": ("Kies welke lijst dit is.", "Choose which list this is."),
    "roster_page.problems": (
        "{count} probleem of problemen in het bestand",
        "{count} problem(s) in the file",
    ),
    "roster_page.line": ("Regel {line}:", "Line {line}:"),
    "roster_page.nothing_changed": (
        "Er is niets veranderd. Verbeter het bestand en probeer het opnieuw.",
        "Nothing was changed. Correct the file and try again.",
    ),
    "roster_page.checked": (
        "Het bestand is in orde. Dit verandert er als je het toepast:",
        "The file is fine. This is what applying it changes:",
    ),
    "roster_page.applied": ("Toegepast. Dit is er veranderd:", "Applied. This is what changed:"),
    "roster_page.no_changes": ("Niets: alles klopt al.", "Nothing: everything is up to date."),
    "roster_page.apply": ("Toepassen", "Apply"),
    "roster_page.invitations_note": (
        "Uitnodigingen voor nieuwe mensen worden nu verstuurd.",
        "Invitations to new people are being sent now.",
    ),
    "roster_page.staff_title": ("Medewerkers en hun groepen", "Staff and their groups"),
    "roster_page.col_name": ("Naam", "Name"),
    "roster_page.col_role": ("Rol", "Role"),
    "roster_page.col_groups": ("Groepen", "Groups"),
    "roster_page.invited": ("uitgenodigd, nog niet actief", "invited, not active yet"),
    "roster_page.all_groups": ("alle groepen", "all groups"),
    "roster_page.no_groups": ("geen groep", "no group"),
    "roster_page.staff_hint": (
        "Groepen wijzig je met de medewerkerslijst: iemand werkt precies in de groepen die daar bij hem of haar staan.",
        "You change groups with the staff list: a person works in exactly the groups listed for them.",
    ),
    "roster_page.count.locations_created": ("{count} nieuwe vestiging(en)", "{count} new location(s)"),
    "roster_page.count.groups_created": ("{count} nieuwe groep(en)", "{count} new group(s)"),
    "roster_page.count.groups_updated": ("{count} groep(en) gewijzigd", "{count} group(s) changed"),
    "roster_page.count.children_created": ("{count} nieuw(e) kind(eren)", "{count} new child(ren)"),
    "roster_page.count.children_updated": ("{count} kind(eren) gewijzigd", "{count} child(ren) changed"),
    "roster_page.count.children_unchanged": ("{count} kind(eren) ongewijzigd", "{count} child(ren) unchanged"),
    "roster_page.count.users_created": ("{count} nieuwe ouder(s) of medewerker(s)", "{count} new parent(s) or staff"),
    "roster_page.count.users_updated": ("{count} persoon/personen gewijzigd", "{count} person(s) changed"),
    "roster_page.count.links_created": ("{count} nieuwe koppeling(en)", "{count} new link(s)"),
    "roster_page.count.links_removed": (
        "{count} groep(en) weggehaald bij medewerkers",
        "{count} group(s) taken away from staff",
    ),
    "roster_page.count.invitations": ("{count} uitnodiging(en)", "{count} invitation(s)"),
    # organisation settings
    "settings.title": ("Instellingen van de organisatie", "Organisation settings"),
    "settings.link": ("Instellingen", "Settings"),
    "settings.parents": ("Voor ouders", "For parents"),
    "settings.absence_cutoff": ("Afmelden vóór", "Report absence before"),
    "settings.absence_cutoff_hint": (
        "Een afmelding vóór deze tijd op de dag zelf telt als op tijd (voor tegoed).",
        "A report before this time on the day itself counts as on time (for credit).",
    ),
    "settings.opens_at": ("Open vanaf", "Open from"),
    "settings.closes_at": ("Open tot", "Open until"),
    "settings.hours_hint": (
        'Berichten van ouders buiten deze tijden krijgen "wordt morgen gelezen".',
        'Parents\' messages outside these hours show "will be read tomorrow".',
    ),
    "settings.staff": ("Voor medewerkers", "For staff"),
    "settings.edit_window": (
        "Minuten waarin een bericht nog te wijzigen of te verwijderen is",
        "Minutes in which a post can still be edited or deleted",
    ),
    "settings.tablet_lock": (
        "Minuten zonder gebruik waarna de groepstablet vergrendelt",
        "Minutes without use after which the group tablet locks",
    ),
    "settings.general": ("Algemeen", "General"),
    "settings.timezone": ("Tijdzone", "Time zone"),
    "settings.language": ("Standaardtaal", "Default language"),
    "settings.admins_only": ("Alleen beheerders kunnen dit wijzigen.", "Only administrators can change this."),
    "settings.bad_time": ("Vul een tijd in als 07:30.", "Enter a time like 07:30."),
    "settings.bad_minutes": (
        "Vul een aantal minuten in van {low} tot en met {high}.",
        "Enter a number of minutes from {low} to {high}.",
    ),
    "settings.bad_timezone": (
        "Deze tijdzone kennen we niet. Gebruik bijvoorbeeld Europe/Amsterdam.",
        "We do not know this time zone. Use, for example, Europe/Amsterdam.",
    ),
    "settings.bad_language": ("Kies Nederlands of English.", "Choose Nederlands or English."),
    "settings.hours_order": (
        "De openingstijd moet vóór de sluitingstijd liggen.",
        "The opening time must be before the closing time.",
    ),
    "settings.unknown": ("Deze instellingen bestaan niet: {names}", "These settings do not exist: {names}"),
    # group tablets
    "tablet.title": ("Groepstablet", "Group tablet"),
    "tablet.locked_intro": (
        "Deze tablet is vergrendeld. Kies je naam en typ je pincode.",
        "This tablet is locked. Choose your name and type your PIN.",
    ),
    "tablet.who": ("Wie ben je?", "Who are you?"),
    "tablet.no_pin": ("nog geen pincode", "no PIN yet"),
    "tablet.pin": ("Pincode", "PIN"),
    "tablet.unlock": ("Ontgrendelen", "Unlock"),
    "tablet.nobody": (
        "Er werkt nog niemand met een account in deze groep.",
        "Nobody with an account works in this group yet.",
    ),
    "tablet.lock_hint": (
        "De tablet vergrendelt na {minutes} minuten zonder gebruik.",
        "The tablet locks after {minutes} minutes without use.",
    ),
    "tablet.pin_hint": (
        "Een pincode stel je in onder Account, als je op je eigen telefoon of computer bent ingelogd.",
        "You set a PIN under Account, signed in on your own phone or computer.",
    ),
    "tablet.setup_title": ("Dit apparaat als groepstablet gebruiken", "Use this device as a group tablet"),
    "tablet.setup_intro": (
        "Daarna ben je hier uitgelogd. Iedere collega van de groep ontgrendelt de tablet met een eigen"
        " pincode, en wat zij plaatsen staat op hun naam. Na {minutes} minuten zonder gebruik"
        " vergrendelt de tablet weer.",
        "You will be logged out here. Every colleague of the group unlocks the tablet with their own PIN,"
        " and what they post carries their name. After {minutes} minutes without use the tablet locks again.",
    ),
    "tablet.group": ("Groep", "Group"),
    "tablet.label": ("Naam van de tablet (mag leeg)", "Name of the tablet (optional)"),
    "tablet.label_example": ("bijvoorbeeld: iPad Rupsjes", "for example: iPad Caterpillars"),
    "tablet.setup_button": ("Maak dit de groepstablet", "Make this the group tablet"),
    "tablet.unlocked_by": ("Ontgrendeld door {name}", "Unlocked by {name}"),
    "tablet.lock": ("Vergrendelen", "Lock"),
    "tablet.locking_soon": (
        "De tablet vergrendelt over {seconds} seconden. Tik ergens om verder te gaan.",
        "The tablet locks in {seconds} seconds. Tap anywhere to carry on.",
    ),
    "tablet.pin_format": (
        "Een pincode heeft {min} tot {max} cijfers.",
        "A PIN has {min} to {max} digits.",
    ),
    "tablet.pin_trivial": (
        "Deze pincode is te makkelijk te raden (zoals 1111 of 1234). Kies een andere.",
        "This PIN is too easy to guess (like 1111 or 1234). Choose another.",
    ),
    "tablet.pin_mismatch": ("De twee pincodes zijn niet gelijk.", "The two PINs do not match."),
    "tablet.pin_wrong": ("Deze pincode klopt niet.", "This PIN is not right."),
    "tablet.choose_group": ("Kies een groep.", "Choose a group."),
    # account page
    "account.link": ("Account", "Account"),
    "account.title": ("Mijn account", "My account"),
    "account.password_title": ("Wachtwoord wijzigen", "Change password"),
    "account.password_intro": (
        "Na het wijzigen ben je op al je andere apparaten uitgelogd.",
        "After the change you are logged out on all your other devices.",
    ),
    "account.current_password": ("Huidig wachtwoord", "Current password"),
    "account.new_password": ("Nieuw wachtwoord (minstens 10 tekens)", "New password (at least 10 characters)"),
    "account.password_changed": (
        "Je wachtwoord is gewijzigd. Je andere apparaten zijn uitgelogd.",
        "Your password has been changed. Your other devices are logged out.",
    ),
    "account.password_wrong": ("Je huidige wachtwoord klopt niet.", "Your current password is not right."),
    "account.pin_title": ("Pincode voor de groepstablet", "PIN for the group tablet"),
    "account.pin_intro": (
        "Met deze pincode ontgrendel je de tablet van jouw groep. Hij werkt alleen op die tablet, niet om in"
        " te loggen. Kies 4 tot 8 cijfers die niemand raadt.",
        "With this PIN you unlock your group's tablet. It works on that tablet only, not to log in."
        " Choose 4 to 8 digits nobody guesses.",
    ),
    "account.pin_set": ("Je hebt een pincode. Een nieuwe vervangt de oude.", "You have a PIN. A new one replaces it."),
    "account.pin_not_set": ("Je hebt nog geen pincode.", "You have no PIN yet."),
    "account.pin_repeat": ("Herhaal pincode", "Repeat PIN"),
    "account.pin_saved": ("Je pincode is opgeslagen.", "Your PIN has been saved."),
    "account.tablet_setup_link": (
        "Een apparaat instellen als groepstablet",
        "Set up a device as a group tablet",
    ),
    "account.unknown_device": ("Onbekend apparaat", "Unknown device"),
    "account.this_device": ("dit apparaat", "this device"),
    "account.kind_tablet": ("groepstablet", "group tablet"),
    "account.kind_app": ("app", "app"),
    "account.last_seen": ("Laatst gebruikt: {date}", "Last used: {date}"),
    "account.sign_out_device": ("Uitloggen", "Log out"),
    "account.sign_out_others": ("Overal uitloggen behalve hier", "Log out everywhere but here"),
    "account.others_signed_out": (
        "Je bent op je andere apparaten uitgelogd.",
        "You are logged out on your other devices.",
    ),
    "archive.bad_range": ("Dat deel van het bestand bestaat niet.", "That part of the file does not exist."),
    "photo.blocked": (
        "Niet gedeeld: {children} mag niet op foto's. Maskeer dit kind op de foto en deel opnieuw.",
        "Not shared: {children} may not appear in photos. Mask this child in the photo and share again.",
    ),
    "photo.not_shareable": (
        "Deze foto is nog niet verwerkt of is mislukt, en kan (nog) niet gedeeld worden.",
        "This photo is not processed yet or failed, and cannot be shared (yet).",
    ),
    "photo.not_blocked_mask": (
        "Dit kind heeft al een masker; een bestaand masker wijzigen kan niet. Upload de foto opnieuw.",
        "This child already has a mask; an existing mask cannot be changed. Upload the photo again.",
    ),
    "consent.bad_body": (
        "Stuur je keuzes als JSON-object met per toestemming true of false (bijvoorbeeld photo: true).",
        "Send your choices as a JSON object with true or false per consent (for example photo: true).",
    ),
    "consent.unknown_kind": (
        "Onbekende toestemming: {kind}.",
        "Unknown consent: {kind}.",
    ),
    "consent.not_boolean": (
        "Kies ja of nee (true of false) voor {kind}.",
        "Choose yes or no (true or false) for {kind}.",
    ),
    "consent.child_left": (
        "Dit kind heeft de opvang verlaten: je kunt toestemming nog intrekken, maar niet meer geven.",
        "This child has left: you can still withdraw consent, but no longer give it.",
    ),
    "consent.regrant_note": (
        "Intrekken werkt meteen, ook voor foto's die al gedeeld zijn. Geef je later weer toestemming, "
        "dan worden oude foto's niet vanzelf opnieuw gedeeld; de leiding kan een foto opnieuw delen.",
        "Withdrawing works at once, also for photos already shared. If you give consent again later, "
        "old photos are not shared again by themselves; staff can share a photo again.",
    ),
    "consent.both_guardians": (
        "Een toestemming geldt pas als alle ouders/verzorgers van het kind ja zeggen.",
        "A consent only holds when every parent or carer of the child says yes.",
    ),
    "consent.status.may_appear": ("Mag op foto's", "May appear in photos"),
    "consent.status.own_family_only": ("Alleen voor eigen gezin", "Own family only"),
    "consent.status.may_not_appear": ("Mag niet op foto's", "May not appear in photos"),
    "consent.receives.unmasked": ("ontvangt de foto", "receives the photo"),
    "consent.receives.masked": (
        "ontvangt de foto met {children} gemaskeerd",
        "receives the photo with {children} masked",
    ),
    "consent.receives.all_families": (
        "Geen kind getagd: alle gezinnen van de groep ontvangen de foto",
        "No child tagged: every family of the group receives the photo",
    ),
    "consent.receives.nothing": ("ontvangt deze foto niet", "does not receive this photo"),
    "consent.page_title": ("Toestemming voor {child}", "Consent for {child}"),
    "consent.page_intro": (
        "Hier geef je aan wat de opvang met foto's van je kind mag. Je kunt het altijd veranderen.",
        "Here you choose what the childcare may do with photos of your child. You can change it at any time.",
    ),
    "consent.link": ("Toestemming", "Consent"),
    "consent.my_answer": ("Jouw antwoord", "Your answer"),
    "consent.yes": ("Ja", "Yes"),
    "consent.no": ("Nee", "No"),
    "consent.unanswered": (
        "Je hebt dit nog niet beantwoord. Zolang niet elke ouder ja zegt, geldt nee.",
        "You have not answered this yet. Until every parent says yes, the answer is no.",
    ),
    "consent.not_answered_yet": ("nog niet beantwoord", "not answered yet"),
    "consent.holds": ("Geldt: ja", "In effect: yes"),
    "consent.does_not_hold": ("Geldt: nee", "In effect: no"),
    "consent.history": ("Geschiedenis", "History"),
    "consent.when": ("Wanneer", "When"),
    "consent.who": ("Door", "By"),
    "consent.what": ("Waarvoor", "For"),
    "consent.change": ("Verandering", "Change"),
    "consent.no_history": ("Nog geen wijzigingen.", "No changes yet."),
    "consent.overview_title": ("Toestemming foto's", "Photo consent"),
    "consent.overview_intro": (
        "Per groep: kinderen die niet op foto's mogen, en kinderen van wie foto's alleen naar het eigen gezin gaan. "
        "Stand van {date}.",
        "Per group: children who may not appear in photos, and children whose photos go to their own family only. "
        "As of {date}.",
    ),
    "consent.overview_none": ("Alle kinderen mogen op foto's.", "All children may appear in photos."),
    "photo.storage_failed": (
        "{name}: de foto kon niet worden opgeslagen. Probeer het opnieuw.",
        "{name}: the photo could not be stored. Please try again.",
    ),
    "error.conflict": (
        "Dit botst met iets dat al bestaat.",
        "This conflicts with something that already exists.",
    ),
    "error.internal": (
        "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
        "Something went wrong on our side.",
    ),
    # messaging
    "messaging.edit_window_passed": (
        "Je kunt een bericht alleen binnen {minutes} minuten na het versturen wijzigen of verwijderen.",
        "You can change or delete a message only within {minutes} minutes of sending it.",
    ),
    # accounts
    "auth.bad_credentials": (
        "E-mailadres of wachtwoord klopt niet.",
        "Email address or password is incorrect.",
    ),
    "auth.token_invalid": ("Deze link is ongeldig.", "This link is not valid."),
    "auth.token_expired": (
        "Deze link is verlopen. Vraag hieronder een nieuwe aan.",
        "This link has expired. Request a new one below.",
    ),
    "auth.token_used": (
        "Deze link is al gebruikt. Log in met je wachtwoord, of vraag een nieuwe link aan.",
        "This link has already been used. Log in with your password, or request a new link.",
    ),
    "auth.password_short": (
        "Kies een wachtwoord van minstens {min} tekens.",
        "Choose a password of at least {min} characters.",
    ),
    "auth.password_long": ("Dit wachtwoord is te lang.", "This password is too long."),
    "auth.password_mismatch": (
        "De twee wachtwoorden zijn niet gelijk.",
        "The two passwords do not match.",
    ),
    "auth.reset_sent": (
        "Als dit adres bij ons bekend is, krijg je binnen een paar minuten een e-mail met een link.",
        "If we know this address, you will receive an email with a link within a few minutes.",
    ),
    "auth.logged_out": ("Je bent uitgelogd.", "You have been logged out."),
    # pages
    "page.login": ("Inloggen", "Log in"),
    "page.email": ("E-mailadres", "Email address"),
    "page.password": ("Wachtwoord", "Password"),
    "page.password_repeat": ("Herhaal wachtwoord", "Repeat password"),
    "page.forgot": ("Wachtwoord vergeten?", "Forgot your password?"),
    "page.forgot_title": ("Nieuw wachtwoord aanvragen", "Request a new password"),
    "page.send_link": ("Stuur mij een link", "Send me a link"),
    "page.set_password": ("Wachtwoord instellen", "Set your password"),
    "page.set_password_intro": (
        "Welkom bij Schriftje, {name}. Kies een wachtwoord om je account te activeren.",
        "Welcome to Schriftje, {name}. Choose a password to activate your account.",
    ),
    "page.save": ("Opslaan", "Save"),
    "page.logout": ("Uitloggen", "Log out"),
    "page.hello": ("Hallo {name}", "Hello {name}"),
    "page.your_children": ("Jouw kinderen", "Your children"),
    "page.no_children": (
        "Er zijn nog geen kinderen aan je account gekoppeld.",
        "No children are linked to you yet.",
    ),
    "page.your_groups": ("Jouw groepen", "Your groups"),
    "page.no_groups": (
        "Je bent nog niet aan een groep gekoppeld.",
        "You are not assigned to a group yet.",
    ),
    "page.children_count": ("{count} kinderen", "{count} children"),
    "page.organisation": ("Organisatie", "Organisation"),
    "page.locations": ("Vestigingen", "Locations"),
    "page.groups": ("Groepen", "Groups"),
    "page.children": ("Kinderen", "Children"),
    "page.guardians": ("Ouders", "Parents"),
    "page.staff": ("Medewerkers", "Staff"),
    "page.group_of": ("{group}, {location}", "{group}, {location}"),
    "page.leaves_on": ("Laatste dag: {date}", "Last day: {date}"),
    "page.more_soon": (
        "Het dagboek, foto's en berichten komen hier binnenkort.",
        "The diary, photos and messages will appear here soon.",
    ),
    "page.devices": ("Ingelogde apparaten", "Signed-in devices"),
    "page.language": ("Language: English", "Taal: Nederlands"),
    "page.error_title": ("Er ging iets mis", "Something went wrong"),
    "page.back_home": ("Terug naar de startpagina", "Back to the start page"),
    "role.parent": ("ouder", "parent"),
    "role.staff": ("medewerker", "staff"),
    "role.manager": ("locatiemanager", "manager"),
    "role.admin": ("beheerder", "administrator"),
    "care.kdv": ("kinderdagverblijf", "day nursery"),
    "care.bso": ("buitenschoolse opvang", "after-school care"),
    "care.peuteropvang": ("peuteropvang", "pre-school"),
    # e-mail
    "mail.invite_subject": (
        "Welkom bij Schriftje van {org}",
        "Welcome to Schriftje of {org}",
    ),
    "mail.invite_body": (
        "Hallo {name},\n\n{org} gebruikt Schriftje voor het dagboek, foto's en berichten.\n"
        "Activeer je account en kies een wachtwoord via deze link (geldig tot {expires}):\n\n{link}\n\n"
        "Heb je dit niet verwacht? Dan kun je deze e-mail negeren.\n",
        "Hello {name},\n\n{org} uses Schriftje for the diary, photos and messages.\n"
        "Activate your account and choose a password with this link (valid until {expires}):\n\n{link}\n\n"
        "Did you not expect this? Then you can ignore this email.\n",
    ),
    "mail.reset_subject": (
        "Nieuw wachtwoord voor Schriftje",
        "New password for Schriftje",
    ),
    "mail.reset_body": (
        "Hallo {name},\n\nIemand (hopelijk jij) vroeg om een nieuw wachtwoord voor Schriftje van {org}.\n"
        "Kies een nieuw wachtwoord via deze link (geldig tot {expires}):\n\n{link}\n\n"
        "Heb je dit niet gevraagd? Dan hoef je niets te doen; je wachtwoord blijft hetzelfde.\n",
        "Hello {name},\n\nSomeone (hopefully you) asked for a new password for Schriftje of {org}.\n"
        "Choose a new password with this link (valid until {expires}):\n\n{link}\n\n"
        "Did you not ask for this? Then you need not do anything; your password stays the same.\n",
    ),
    # roster import
    "import.missing_columns": (
        "Kolommen ontbreken: {columns}",
        "Missing columns: {columns}",
    ),
    "import.unknown_columns": (
        "Onbekende kolommen: {columns}",
        "Unknown columns: {columns}",
    ),
    "import.empty": ("Het bestand bevat geen rijen.", "The file has no rows."),
    "import.required": ("{field} is verplicht", "{field} is required"),
    "import.bad_date": (
        "{field} '{value}' is geen datum (JJJJ-MM-DD of DD-MM-JJJJ)",
        "{field} '{value}' is not a date (YYYY-MM-DD or DD-MM-YYYY)",
    ),
    "import.bad_email": (
        "{field} '{value}' is geen geldig e-mailadres",
        "{field} '{value}' is not a valid email address",
    ),
    "import.bad_care_type": (
        "care_type '{value}' moet kdv, bso of peuteropvang zijn",
        "care_type '{value}' must be kdv, bso or peuteropvang",
    ),
    "import.bad_role": (
        "role '{value}' moet staff, manager of admin zijn",
        "role '{value}' must be staff, manager or admin",
    ),
    "import.future_birth": (
        "birth_date ligt in de toekomst",
        "birth_date is in the future",
    ),
    "import.end_before_start": (
        "end_date ligt voor start_date",
        "end_date is before start_date",
    ),
    "import.guardian_incomplete": (
        "{prefix}_name en {prefix}_email horen bij elkaar",
        "{prefix}_name and {prefix}_email go together",
    ),
    "import.same_guardian_twice": (
        "guardian1 en guardian2 hebben hetzelfde e-mailadres",
        "guardian1 and guardian2 have the same email address",
    ),
    "import.duplicate_child": (
        "dit kind staat ook op regel {other}",
        "this child is also on line {other}",
    ),
    "import.email_name_conflict": (
        "{email} heeft hier de naam '{name}' maar op regel {other} '{other_name}'",
        "{email} is named '{name}' here but '{other_name}' on line {other}",
    ),
    "import.care_type_conflict": (
        "groep '{group}' heeft hier care_type {value} maar op regel {other} {other_value}",
        "group '{group}' has care_type {value} here but {other_value} on line {other}",
    ),
    "import.duplicate_email": (
        "dit e-mailadres staat ook op regel {other}",
        "this email address is also on line {other}",
    ),
    "import.unknown_group": (
        "groep '{value}' bestaat niet (gebruik 'Vestiging/Groep')",
        "group '{value}' does not exist (use 'Location/Group')",
    ),
    "import.too_long": (
        "{field} is te lang (max {max} tekens)",
        "{field} is too long (max {max} characters)",
    ),
    # the live feed and its forms (sent to the page's script as one JSON block)
    "feed.title": ("Wat er gebeurt", "What's happening"),
    "feed.live": ("Live", "Live"),
    "feed.connecting": ("Verbinden…", "Connecting…"),
    "feed.offline": (
        "Geen verbinding. Zodra je weer online bent, halen we alles in.",
        "No connection. As soon as you are back online, we catch up.",
    ),
    "feed.signed_out": ("Je bent uitgelogd. Log opnieuw in.", "You were signed out. Please log in again."),
    "feed.new": ("Nieuw", "New"),
    "feed.edited": ("bewerkt", "edited"),
    "feed.group_post": ("Groepsbericht {group}", "Group post {group}"),
    "feed.diary": ("Dagboek van {child}", "Diary of {child}"),
    "feed.message": ("Bericht over {child}", "Message about {child}"),
    "feed.news": ("Nieuws", "News"),
    "feed.news_location": ("Nieuws {location}", "News {location}"),
    "feed.absence": ("{child} is afwezig", "{child} is absent"),
    "feed.photo": ("Foto {group}", "Photo {group}"),
    "feed.asks_confirm": ("Bevestig dat je dit gelezen hebt.", "Please confirm that you read this."),
    "feed.confirm": ("Gelezen en akkoord", "Read and agreed"),
    "feed.confirmed": ("Bevestigd door {name} voor {child}", "Confirmed by {name} for {child}"),
    "feed.you_confirmed": ("Je hebt dit bevestigd. Dank je!", "You confirmed this. Thank you!"),
    "feed.acks": ("Wie heeft bevestigd?", "Who confirmed?"),
    "feed.acks_count": ("{done} van {total} kinderen bevestigd", "{done} of {total} children confirmed"),
    "feed.acks_missing": ("Nog niet: {names}", "Not yet: {names}"),
    "feed.reply": ("Reageer", "Reply"),
    "feed.reply_hint": (
        "Je reactie lezen alleen de leiding van de groep en jullie gezin.",
        "Only the group's staff and your family read your reply.",
    ),
    "feed.reply_to_post": ("Reactie op een groepsbericht", "Reply to a group post"),
    "feed.send": ("Versturen", "Send"),
    "feed.sending": ("Bezig met versturen…", "Sending…"),
    "feed.sent": ("Verstuurd.", "Sent."),
    "feed.failed": ("Versturen lukte niet: {detail}", "Sending failed: {detail}"),
    "feed.network_failed": (
        "Versturen lukte niet: geen verbinding. Je tekst staat er nog; probeer het opnieuw.",
        "Sending failed: no connection. Your text is still here; try again.",
    ),
    "feed.read_by_staff": ("Gelezen door de groep", "Read by the group"),
    "feed.outside_hours": (
        "Verstuurd buiten openingstijden: wordt morgen gelezen.",
        "Sent outside opening hours: will be read tomorrow.",
    ),
    "feed.on_time": ("Op tijd gemeld (vóór {cutoff})", "Reported on time (before {cutoff})"),
    "feed.late": ("Na {cutoff} gemeld: telt niet voor tegoed", "Reported after {cutoff}: no credit for this day"),
    "feed.reason.ziek": ("ziek", "ill"),
    "feed.reason.vakantie": ("vakantie", "holiday"),
    "feed.reason.anders": ("anders", "other"),
    "feed.photo_failed": (
        "Foto {name} kon niet verwerkt worden: {reason}",
        "Photo {name} could not be processed: {reason}",
    ),
    "feed.photo_blocked": ("Foto {name} is tegengehouden: {reason}", "Photo {name} was held back: {reason}"),
    "feed.photo_alt": ("Foto: {caption}", "Photo: {caption}"),
    "feed.photo_alt_plain": ("Foto uit de groep", "Photo from the group"),
    "feed.open_photo": ("Foto groot bekijken", "View photo large"),
    "feed.close": ("Sluiten", "Close"),
    "feed.archive_ready": ("Je download van {child} is klaar.", "Your download for {child} is ready."),
    "feed.download": ("Downloaden", "Download"),
    "feed.empty": (
        "Nog niets te zien. Berichten, dagboek en foto's verschijnen hier vanzelf.",
        "Nothing here yet. Messages, diary entries and photos appear here by themselves.",
    ),
    "feed.older": ("Oudere berichten laden", "Load older items"),
    "feed.by": ("door {name}", "by {name}"),
    # the forms on the home page
    "compose.message": ("Bericht aan de groep", "Message to the group"),
    "compose.message_staff": ("Bericht aan ouders", "Message to parents"),
    "compose.group_post": ("Groepsbericht", "Group post"),
    "compose.diary": ("Dagboek", "Diary"),
    "compose.news": ("Nieuws", "News"),
    "compose.child": ("Kind", "Child"),
    "compose.group": ("Groep", "Group"),
    "compose.location": ("Vestiging", "Location"),
    "compose.whole_org": ("Hele organisatie", "Whole organisation"),
    "compose.text": ("Tekst", "Text"),
    "compose.title": ("Titel", "Title"),
    "compose.requires_ack": ("Ouders moeten bevestigen dat ze het gelezen hebben", "Parents must confirm they read it"),
    "compose.absence_link": ("Ziek of afwezig melden", "Report ill or absent"),
    "compose.unread": ("{count} ongelezen", "{count} unread"),
    # the absence form
    "absence.title": ("Ziek of afwezig melden", "Report ill or absent"),
    "absence.cutoff": (
        "Meld vóór {cutoff} op de dag zelf: dan telt de dag voor tegoed.",
        "Report before {cutoff} on the day itself: then the day counts for credit.",
    ),
    "absence.past_cutoff": (
        "Het is nu na {cutoff}. Een melding voor vandaag komt te laat voor tegoed; we geven het wel door aan de groep.",
        "It is past {cutoff} now. A report for today is too late for credit; the group is told all the same.",
    ),
    "absence.child": ("Kind", "Child"),
    "absence.start": ("Eerste dag", "First day"),
    "absence.end": ("Laatste dag (leeg: alleen de eerste dag)", "Last day (empty: only the first day)"),
    "absence.reason": ("Reden", "Reason"),
    "absence.note": ("Toelichting (niet verplicht)", "Note (optional)"),
    "absence.send": ("Melden", "Report"),
    "absence.sent_on_time": (
        "Gemeld. De groep weet het, en de melding was op tijd voor tegoed.",
        "Reported. The group knows, and the report was in time for credit.",
    ),
    "absence.sent_late": (
        "Gemeld. De groep weet het, maar de melding kwam na {cutoff}: deze dag telt niet voor tegoed.",
        "Reported. The group knows, but the report came after {cutoff}: this day does not count for credit.",
    ),
    "absence.no_children": ("Je hebt geen kinderen die nu op de opvang zitten.", "You have no children in care now."),
    # the tablet's photo page
    "upload.title": ("Foto's delen", "Share photos"),
    "upload.link": ("Foto's delen", "Share photos"),
    "upload.intro": (
        "Kies foto's, tik aan wie erop staan en verstuur. Een kind dat niet op foto's mag, is rood gemarkeerd.",
        "Choose photos, tap who is in them and send. A child who may not appear in photos is marked red.",
    ),
    "upload.group": ("Groep", "Group"),
    "upload.choose": ("Foto's kiezen", "Choose photos"),
    "upload.caption": ("Onderschrift (niet verplicht)", "Caption (optional)"),
    "upload.who": ("Wie staan erop?", "Who is in it?"),
    "upload.mask": ("Maskeer {name}", "Mask {name}"),
    "upload.unmask": ("Masker van {name} wissen", "Remove the mask of {name}"),
    "upload.drawing": ("Sleep over de foto een rechthoek over {name}.", "Drag a rectangle over {name} on the photo."),
    "upload.send": ("Versturen", "Send"),
    "upload.remove": ("Weghalen", "Remove"),
    "upload.queued": ("Wacht op versturen", "Waiting to be sent"),
    "upload.uploading": ("Versturen… {percent}%", "Sending… {percent}%"),
    "upload.processing": ("Verstuurd, wordt verwerkt…", "Sent, being processed…"),
    "upload.ready": ("Gedeeld", "Shared"),
    "upload.blocked": ("Tegengehouden: {reason}", "Held back: {reason}"),
    "upload.failed": ("Mislukt: {reason}", "Failed: {reason}"),
    "upload.offline": (
        "Versturen lukte niet (geen verbinding). We proberen het opnieuw zodra er weer verbinding is.",
        "Sending failed (no connection). We try again as soon as there is a connection.",
    ),
    "upload.rejected": ("Geweigerd: {detail}", "Refused: {detail}"),
    "upload.retry": ("Opnieuw proberen", "Try again"),
    "upload.restored": (
        "Nog niet bevestigd toen de pagina sloot: we versturen het opnieuw (zonder dubbele foto).",
        "Not yet confirmed when the page closed: sending it again (without a duplicate).",
    ),
    "upload.family": ("Gezin van {names}", "Family of {names}"),
    "upload.everyone": ("Alle gezinnen van de groep", "Every family of the group"),
}


def translate(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The text for ``key`` in ``lang`` with ``params`` filled in."""
    nl, en = CATALOG[key]
    text = en if lang == "en" else nl
    return text.format(**params) if params else text


def texts_with_prefix(prefix: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every text whose key starts with ``prefix``, unformatted (``{name}`` left in): for page scripts."""
    return {key: (en if lang == "en" else nl) for key, (nl, en) in CATALOG.items() if key.startswith(prefix)}


MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def format_date(day: dt.date, lang: str = DEFAULT_LANGUAGE) -> str:
    """``31 januari 2027`` / ``31 January 2027``: how dates read in texts for people."""
    return f"{day.day} {MONTHS[lang if lang in MONTHS else DEFAULT_LANGUAGE][day.month - 1]} {day.year}"


def negotiate(cookie: str | None, accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Pick the language: an explicit choice (cookie) wins, then the browser's preference."""
    if cookie in LANGUAGES:
        return cookie
    if accept_language:
        ranked: list[tuple[float, str]] = []
        for part in accept_language.split(","):
            code, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            ranked.append((weight, code.split("-")[0].lower()))
        for _, code in sorted(ranked, key=lambda item: -item[0]):
            if code in LANGUAGES:
                return code
    return default
