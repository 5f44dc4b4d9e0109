"""What each name-policy code tells the person, in English and French.

Each message says what is wrong and what to do. Refusals of how a real name may be written
(a title, initials, internal capitals, mixed scripts…) also give the way out: an owner or a manager
confirms the name (`confirmable`). Role, team, placeholder and stand-in words, the organisation's
and clients' names, and capitalisation with an obvious fix have no way out: that is the point. No message calls a name fake, false or invalid:
the policy judges how a name is written, never whether someone is who they say.
"""

from dataclasses import dataclass

_WAY_OUT_EN = "If this is your name, ask an owner or a manager to confirm it."
_WAY_OUT_FR = (
    "S'il s'agit bien de votre nom, demandez à un propriétaire ou à un responsable de le confirmer."
)
_NBSP = "\u00a0"


@dataclass(frozen=True)
class _Message:
    en: str
    fr: str
    way_out: bool = False


MESSAGES: dict[str, _Message] = {
    "ok": _Message(
        "This name passes the name policy; it signs posts once an owner or a manager attests it.",
        "Ce nom respecte la règle des noms ; il signe des publications dès qu'un propriétaire ou "
        "un responsable l'atteste.",
    ),
    "empty": _Message(
        "Enter your full name, as you sign it.",
        "Saisissez votre nom complet, tel que vous signez.",
    ),
    "too_long": _Message(
        "The name is longer than 100 characters. Enter your name as you sign it, in 100 "
        "characters or fewer.",
        "Le nom dépasse 100 caractères. Saisissez votre nom tel que vous signez, en 100 "
        "caractères au maximum.",
    ),
    "unsupported_characters": _Message(
        "The name contains characters that cannot be displayed. Type your name again.",
        "Le nom contient des caractères qui ne peuvent pas s'afficher. Saisissez à nouveau "
        "votre nom.",
    ),
    "invisible_characters": _Message(
        "The name contains invisible characters, often left by copying and pasting. Type it "
        "again{example}.",
        "Le nom contient des caractères invisibles, souvent laissés par un copier-coller. "
        "Saisissez-le à nouveau{example}.",
    ),
    "email": _Message(
        "Enter your name, not an email address.",
        "Saisissez votre nom, pas une adresse e-mail.",
    ),
    "url": _Message(
        "Enter your name, not a web address.",
        "Saisissez votre nom, pas une adresse web.",
    ),
    "organisation_name": _Message(
        "This is, or looks like, the name of an organisation rather than of a person. Sign with "
        "your own name.",
        "C'est le nom d'une organisation, ou cela y ressemble, plutôt que celui d'une personne. "
        "Signez de votre propre nom.",
    ),
    "client_name": _Message(
        "This is the name of a client, not of a person. Sign with your own name.",
        "C'est le nom d'un client, pas celui d'une personne. Signez de votre propre nom.",
    ),
    "placeholder": _Message(
        "This name is used as an example, like “John Doe”. Enter your own name.",
        "Ce nom sert d'exemple, comme « John Doe ». Saisissez votre propre nom.",
    ),
    "role_word": _Message(
        "The name contains a role or team word, like “admin”, “team” or “support”. Sign with "
        "your own name, not a role.",
        "Le nom contient un mot de rôle ou d'équipe, comme « admin », « équipe » ou "
        "« support ». Signez de votre propre nom, pas d'un rôle.",
    ),
    "generic_word": _Message(
        "The name contains a word used in place of a name, like “test”, “user” or “anonymous”. "
        "Enter your own name.",
        "Le nom contient un mot qui tient lieu de nom, comme « test », « utilisateur » ou "
        "« anonyme ». Saisissez votre propre nom.",
    ),
    "descriptive": _Message(
        "The name describes a person (“the mother of …”, “Léa's dad”, “fan of …”) instead of "
        "naming one. Sign with your own name.",
        "Le nom décrit une personne (« la maman de … », « le papa de Léa », « fan de … ») au "
        "lieu de la nommer. Signez de votre propre nom.",
    ),
    "promotional": _Message(
        "The name contains a promotional or suggestive word, like “promo”, “sale” or “sexy”. "
        "Sign with your own name.",
        "Le nom contient un mot promotionnel ou racoleur, comme « promo », « soldes » ou "
        "« sexy ». Signez de votre propre nom.",
    ),
    "styled_letters": _Message(
        "The name uses decorated letters (bold, script, circled, small capitals or struck "
        "through). Write it with ordinary letters.",
        "Le nom utilise des lettres décorées (grasses, cursives, cerclées, petites capitales ou "
        "barrées). Écrivez-le avec des lettres ordinaires.",
    ),
    "at_sign": _Message(
        "Remove the @ sign. Sign with your name, not a username.",
        "Retirez le signe @. Signez de votre nom, pas d'un nom d'utilisateur.",
    ),
    "digits": _Message(
        "Remove the numbers. Write your name in letters only.",
        "Retirez les chiffres. Écrivez votre nom uniquement en lettres.",
    ),
    "underscore": _Message(
        "Remove the underscore (_). Separate the parts of your name with spaces{example}.",
        "Retirez le tiret bas (_). Séparez les parties de votre nom par des espaces{example}.",
    ),
    "symbols": _Message(
        "Remove the symbols or emoji. A name can contain letters, spaces, hyphens, apostrophes "
        "and full stops after initials.",
        "Retirez les symboles ou les émojis. Un nom peut contenir des lettres, des espaces, des "
        "traits d'union, des apostrophes et des points après les initiales.",
    ),
    "quotes": _Message(
        "Remove the quotation marks. Sign with your name as it is written, without a nickname "
        "in quotes.",
        "Retirez les guillemets. Signez de votre nom tel qu'il s'écrit, sans surnom entre "
        "guillemets.",
    ),
    "comma": _Message(
        "Remove the comma. Write your name in the order you sign it{example}.",
        "Retirez la virgule. Écrivez votre nom dans l'ordre où vous signez{example}.",
    ),
    "title": _Message(
        "Remove the title (Dr, Mrs, Mr and so on) and sign with your name alone{example}.",
        "Retirez le titre (Dr, Mme, M., etc.) et signez de votre nom seul{example}.",
        way_out=True,
    ),
    "degree": _Message(
        "Remove the degree or qualification (PhD, MBA and so on) and sign with your name "
        "alone{example}.",
        "Retirez le diplôme ou la qualification (PhD, MBA, etc.) et signez de votre nom "
        "seul{example}.",
    ),
    "dot_joined": _Message(
        "Separate the parts of your name with spaces, not full stops{example}.",
        "Séparez les parties de votre nom par des espaces, pas par des points{example}.",
        way_out=True,
    ),
    "mixed_scripts": _Message(
        "The name mixes letters from different alphabets, for example Latin letters with "
        "Cyrillic or Greek ones that look the same. Write it in one alphabet.",
        "Le nom mélange des lettres de plusieurs alphabets, par exemple des lettres latines et "
        "des lettres cyrilliques ou grecques qui leur ressemblent. Écrivez-le dans un seul "
        "alphabet.",
        way_out=True,
    ),
    "repeated_letters": _Message(
        "The same letter appears three times in a row. Check how your name is spelled.",
        "La même lettre apparaît trois fois de suite. Vérifiez l'orthographe de votre nom.",
        way_out=True,
    ),
    "family_initial": _Message(
        "The family name is cut down to an initial. Sign with your family name in full.",
        "Le nom de famille est réduit à une initiale. Signez avec votre nom de famille en entier.",
    ),
    "initials_only": _Message(
        "Write your name in full, not only its initials.",
        "Écrivez votre nom en entier, pas seulement ses initiales.",
        way_out=True,
    ),
    "camel_joined": _Message(
        "Separate the parts of your name with spaces{example}.",
        "Séparez les parties de votre nom par des espaces{example}.",
        way_out=True,
    ),
    "all_capitals": _Message(
        "The name is written in capitals. Write the name with capitals only at the start of "
        "each part{example}.",
        "Le nom est écrit en majuscules. Écrivez le nom avec une majuscule au début de chaque "
        "partie{example}.",
    ),
    "all_lowercase": _Message(
        "The name is written in lower case. Write the name with a capital at the start of each "
        "part{example}.",
        "Le nom est écrit en minuscules. Écrivez le nom avec une majuscule au début de chaque "
        "partie{example}.",
    ),
    "unusual_capitalisation": _Message(
        "The name mixes capitals and lower case in an unusual way. Write it with a capital at "
        "the start of each part and lower case elsewhere{example}.",
        "Le nom mélange majuscules et minuscules de façon inhabituelle. Écrivez-le avec une "
        "majuscule au début de chaque partie et des minuscules ailleurs{example}.",
        way_out=True,
    ),
    "placeholder_common": _Message(
        "Many people have this name, but it is also often used as an example, so an owner or a "
        "manager must confirm it before it can sign posts.",
        "Beaucoup de personnes portent ce nom, mais il sert aussi souvent d'exemple : un "
        "propriétaire ou un responsable doit donc le confirmer avant qu'il puisse signer des "
        "publications.",
        way_out=True,
    ),
    "role_word_common": _Message(
        "The name contains a word that usually names a role, like “Bot” or “Service”, but is "
        "also a family name, so an owner or a manager must confirm it before it can sign posts.",
        "Le nom contient un mot qui désigne d'habitude un rôle, comme « Bot » ou « Service », "
        "mais qui est aussi un nom de famille : un propriétaire ou un responsable doit donc le "
        "confirmer avant qu'il puisse signer des publications.",
        way_out=True,
    ),
    "generic_word_common": _Message(
        "The name contains a word often used in place of a name, like “Guest” or “Null”, but "
        "which is also a real name, so an owner or a manager must confirm it before it can sign "
        "posts.",
        "Le nom contient un mot qui tient souvent lieu de nom, comme « Guest » ou « Null », mais "
        "qui est aussi un vrai nom : un propriétaire ou un responsable doit donc le confirmer "
        "avant qu'il puisse signer des publications.",
        way_out=True,
    ),
}


# What an owner or a manager reads when an attestation waits for their confirmation (the error
# attest_needs_confirm adds how to confirm): the same facts, said of the name, not to its bearer.
_TO_CONFIRMER: dict[str, tuple[str, str]] = {
    "title": (
        "The name starts with a title (Dr, Mrs, Mr and so on), which a signature leaves "
        "out{example}.",
        "Le nom commence par un titre (Dr, Mme, M., etc.), qu'une signature omet{example}.",
    ),
    "dot_joined": (
        "The parts of the name are joined by full stops, not spaces{example}.",
        "Les parties du nom sont jointes par des points, pas par des espaces{example}.",
    ),
    "mixed_scripts": (
        "The name mixes letters of different alphabets, as look-alike letters do.",
        "Le nom mélange des lettres de plusieurs alphabets, comme le font les lettres qui se "
        "ressemblent.",
    ),
    "repeated_letters": (
        "The same letter appears three times in a row in the name.",
        "La même lettre apparaît trois fois de suite dans le nom.",
    ),
    "initials_only": (
        "The name is made of initials only.",
        "Le nom n'est fait que d'initiales.",
    ),
    "camel_joined": (
        "The parts of the name are joined without spaces{example}.",
        "Les parties du nom sont jointes sans espaces{example}.",
    ),
    "unusual_capitalisation": (
        "The name mixes capitals and lower case in an unusual way{example}.",
        "Le nom mélange majuscules et minuscules de façon inhabituelle{example}.",
    ),
    "placeholder_common": (
        "Many people bear this name, but it is also often used as an example name.",
        "Beaucoup de personnes portent ce nom, mais il sert aussi souvent de nom d'exemple.",
    ),
    "role_word_common": (
        "The name contains a word that usually names a role, like “Bot” or “Service”, and is "
        "also a family name.",
        "Le nom contient un mot qui désigne d'habitude un rôle, comme « Bot » ou « Service », et "
        "qui est aussi un nom de famille.",
    ),
    "generic_word_common": (
        "The name contains a word often used in place of a name, like “Guest” or “Null”, and "
        "also a real name.",
        "Le nom contient un mot qui tient souvent lieu de nom, comme « Guest » ou « Null », et "
        "qui est aussi un vrai nom.",
    ),
}


def confirmable(code: str) -> bool:
    """Whether an owner or a manager may confirm a name refused with this code."""
    return MESSAGES[code].way_out


def message_for(
    code: str, locale: str, suggestion: str | None, *, to_confirmer: bool = False
) -> str:
    """The message for the person who writes the name, or, with `to_confirmer`, for the owner or
    manager asked to confirm it (a code they cannot confirm keeps the person's message)."""
    french = locale.replace("_", "-").split("-")[0].casefold() == "fr"
    entry = MESSAGES[code]
    example = ""
    if suggestion:
        example = (
            f", par exemple «{_NBSP}{suggestion}{_NBSP}»"
            if french
            else f", for example “{suggestion}”"
        )
    if to_confirmer and code in _TO_CONFIRMER:
        english, french_text = _TO_CONFIRMER[code]
        return (french_text if french else english).format(example=example)
    text = (entry.fr if french else entry.en).format(example=example)
    if entry.way_out:
        text += " " + (_WAY_OUT_FR if french else _WAY_OUT_EN)
    return text
