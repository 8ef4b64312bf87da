"""Deterministic generator of realistic bulletin archives for tests and benchmarks.

An archive is a directory of daily bulletin files, ``YYYY/MM/YYYY-MM-DD.txt``, each in
the exact format the loader reads (see :mod:`sco_reader.loader`)::

     date 2016-01-03 03.01.2016, 18:42 1007
    Headline of the first article (dated by the header)
    Paragraph line.
    - list item;
    02.01.2016, 17:05
    Headline of the second article
    Paragraph line.
    02.01.2016
    Headline of an article whose dateline has no time
    ...

Usage::

    python bench/generate.py OUTDIR --articles 100000 [--seed 0] [--per-day 30]

API: :func:`generate_articles` (in-memory records), :func:`write_archive` (files on disk),
:func:`archive` (a cached archive under ``bench/archives/<n>/``, git-ignored).

Everything is drawn from one seeded :class:`random.Random`, so the same arguments give
byte-identical archives. 100,000 articles make about 57 MB in 3,334 files, like the
reference archive (57 MB / 3,333 files / 100k articles).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Sequence

FORMAT_VERSION = 1
"""Bump when the generated text changes, so cached archives are rebuilt."""

START = date(2016, 1, 1)
"""Bulletin date of the first file."""

ARCHIVES = Path(__file__).resolve().parent / "archives"


@dataclass(frozen=True, slots=True)
class GeneratedArticle:
    """One generated article, as the loader should read it back."""

    date: date
    time: str | None
    """``"HH:MM"`` or ``None`` (dateline without a time)."""
    headline: str
    paragraphs: tuple[str, ...]
    bulletin: date
    """Date of the bulletin (file) the article belongs to."""


# --------------------------------------------------------------------------- vocabulary

# short name, full name, title, country, demonym
LEADERS = [
    ("Tokayev", "Kassym-Jomart Tokayev", "President", "Kazakhstan", "Kazakh"),
    ("Putin", "Vladimir Putin", "President", "Russia", "Russian"),
    ("Xi", "Xi Jinping", "President", "China", "Chinese"),
    ("Lukashenko", "Alexander Lukashenko", "President", "Belarus", "Belarusian"),
    ("Modi", "Narendra Modi", "Prime Minister", "India", "Indian"),
    ("Erdogan", "Recep Tayyip Erdogan", "President", "Türkiye", "Turkish"),
    ("Mirziyoyev", "Shavkat Mirziyoyev", "President", "Uzbekistan", "Uzbek"),
    ("Japarov", "Sadyr Japarov", "President", "Kyrgyzstan", "Kyrgyz"),
    ("Rahmon", "Emomali Rahmon", "President", "Tajikistan", "Tajik"),
    ("Sharif", "Shehbaz Sharif", "Prime Minister", "Pakistan", "Pakistani"),
    ("Pezeshkian", "Masoud Pezeshkian", "President", "Iran", "Iranian"),
    ("Aliyev", "Ilham Aliyev", "President", "Azerbaijan", "Azerbaijani"),
    ("Berdimuhamedov", "Serdar Berdimuhamedov", "President", "Turkmenistan", "Turkmen"),
    ("Khurelsukh", "Ukhnaagiin Khürelsükh", "President", "Mongolia", "Mongolian"),
    ("Pashinyan", "Nikol Pashinyan", "Prime Minister", "Armenia", "Armenian"),
    ("Bektenov", "Olzhas Bektenov", "Prime Minister", "Kazakhstan", "Kazakh"),
    ("Mishustin", "Mikhail Mishustin", "Prime Minister", "Russia", "Russian"),
    ("Li Qiang", "Li Qiang", "Premier", "China", "Chinese"),
]

# name, title
OFFICIALS = [
    ("Wang Yi", "Chinese Foreign Minister"),
    ("Sergey Lavrov", "Russian Foreign Minister"),
    ("Murat Nurtleu", "Kazakh Foreign Minister"),
    ("Bakhtiyor Saidov", "Uzbek Foreign Minister"),
    ("Subrahmanyam Jaishankar", "Indian External Affairs Minister"),
    ("Zhang Ming", "SCO Secretary-General"),
    ("Nurlan Yermekbayev", "SCO Secretary-General"),
    ("Ruslan Mirzayev", "Director of the SCO RATS Executive Committee"),
    ("Jeenbek Kulubaev", "Kyrgyz Foreign Minister"),
    ("Sirojiddin Muhriddin", "Tajik Foreign Minister"),
    ("Abbas Araghchi", "Iranian Foreign Minister"),
    ("Ishaq Dar", "Pakistani Foreign Minister"),
    ("Maxim Ryzhenkov", "Belarusian Foreign Minister"),
    ("Roman Sklyar", "Kazakh Deputy Prime Minister"),
]

# city, country
CITIES = [
    ("Astana", "Kazakhstan"), ("Almaty", "Kazakhstan"), ("Shymkent", "Kazakhstan"),
    ("Aktau", "Kazakhstan"), ("Turkistan", "Kazakhstan"),
    ("Beijing", "China"), ("Shanghai", "China"), ("Qingdao", "China"), ("Tianjin", "China"),
    ("Urumqi", "China"), ("Xi’an", "China"),
    ("Moscow", "Russia"), ("St. Petersburg", "Russia"), ("Kazan", "Russia"), ("Novosibirsk", "Russia"),
    ("Tashkent", "Uzbekistan"), ("Samarkand", "Uzbekistan"), ("Bukhara", "Uzbekistan"),
    ("Bishkek", "Kyrgyzstan"), ("Cholpon-Ata", "Kyrgyzstan"), ("Osh", "Kyrgyzstan"),
    ("Dushanbe", "Tajikistan"), ("Khujand", "Tajikistan"),
    ("Minsk", "Belarus"), ("Islamabad", "Pakistan"), ("Lahore", "Pakistan"),
    ("New Delhi", "India"), ("Mumbai", "India"), ("Tehran", "Iran"), ("Isfahan", "Iran"),
    ("Baku", "Azerbaijan"), ("Ashgabat", "Turkmenistan"), ("Ulaanbaatar", "Mongolia"),
    ("Ankara", "Türkiye"), ("Istanbul", "Türkiye"),
]

COUNTRIES = sorted({country for _, country in CITIES})

# abbreviation, full name
ORGS = [
    ("SCO", "Shanghai Cooperation Organization"),
    ("CSTO", "Collective Security Treaty Organization"),
    ("CIS", "Commonwealth of Independent States"),
    ("EAEU", "Eurasian Economic Union"),
    ("BRICS", "BRICS group"),
    ("UN", "United Nations"),
    ("SCO RATS", "SCO Regional Anti-Terrorist Structure"),
    ("CICA", "Conference on Interaction and Confidence-Building Measures in Asia"),
    ("ECO", "Economic Cooperation Organization"),
    ("OTS", "Organization of Turkic States"),
    ("CAREC", "Central Asia Regional Economic Cooperation programme"),
]
ORG_WEIGHTS = [10, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1]

# topic, adjective phrase, things to build or sign, who meets about it
TOPICS = [
    ("energy", "energy", ["a solar power plant", "a gas pipeline", "a wind farm", "a hydropower plant", "a power line"], "energy ministers"),
    ("trade", "trade", ["a free trade zone", "a logistics hub", "a trading house", "a border market"], "trade ministers"),
    ("security", "security", ["a joint exercise", "a border post", "a training centre"], "security council secretaries"),
    ("drugs", "anti-drug", ["a joint operation", "a drug control centre", "a border checkpoint"], "heads of drug control agencies"),
    ("terrorism", "counter-terrorism", ["a joint anti-terror drill", "a database of wanted persons"], "heads of special services"),
    ("tourism", "tourism", ["a tourist route", "a visa-free regime", "a ski resort", "a heritage trail"], "tourism administrations"),
    ("water", "water", ["a reservoir", "an irrigation canal", "a water treatment plant"], "water resources ministers"),
    ("railways", "railway", ["a railway line", "a container terminal", "a high-speed rail link", "a dry port"], "railway administrations"),
    ("digital", "digital", ["a data centre", "a digital platform", "an e-government portal", "a satellite"], "digital development ministers"),
    ("culture", "cultural", ["a film festival", "a music festival", "a culture centre", "a museum exhibition"], "culture ministers"),
    ("agriculture", "agricultural", ["a grain terminal", "a greenhouse complex", "a meat processing plant"], "agriculture ministers"),
    ("education", "education", ["a university branch", "a student exchange", "a research centre"], "education ministers"),
    ("healthcare", "healthcare", ["a hospital", "a vaccine plant", "a telemedicine network"], "health ministers"),
    ("investment", "investment", ["an investment fund", "an industrial park", "a special economic zone"], "investment agencies"),
    ("finance", "financial", ["a development bank", "a payment system", "a settlement in national currencies"], "finance ministers"),
    ("transport", "transport", ["a transport corridor", "a highway", "an airport terminal", "a bridge"], "transport ministers"),
    ("climate", "environmental", ["a green energy project", "a reforestation programme", "an air quality network"], "environment ministers"),
    ("youth", "youth", ["a youth forum", "a startup contest", "a volunteer camp"], "youth councils"),
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EVENTS = ["summit", "forum", "ministerial meeting", "expert meeting", "conference", "business council",
          "exhibition", "roundtable", "working group meeting", "council meeting"]
VERBS_SAID = ["said", "noted", "stressed", "pointed out", "emphasised", "added", "told reporters"]
AGENCIES = ["Kazinform", "Xinhua", "TASS", "UzA", "Kabar", "Khovar", "BelTA", "APP", "IRNA", "Trend", "Akorda press service"]
DOCS = ["a memorandum of understanding", "an intergovernmental agreement", "a joint statement", "a road map",
        "a protocol", "an action plan", "a declaration", "a programme of cooperation"]
QUALITIES = ["strategic", "comprehensive", "mutually beneficial", "long-term", "practical", "multifaceted", "sustainable"]
PARTIES = ["the parties", "the sides", "the delegations", "the ministers", "the experts", "the leaders"]


@dataclass(slots=True)
class _Story:
    """The facts one article is about; templates draw on them."""

    leader: tuple[str, str, str, str, str]
    other: tuple[str, str, str, str, str]
    official: tuple[str, str]
    city: str
    city_country: str
    country: str
    country2: str
    org: str
    org_full: str
    topic: tuple[str, str, list[str], str]
    topic2: tuple[str, str, list[str], str]
    thing: str
    day: str
    year: int
    last_year: int
    n: int
    m: int
    pct: int


def _story(rng: random.Random, when: date) -> _Story:
    leader, other = rng.sample(LEADERS, 2)
    city, city_country = rng.choice(CITIES)
    country, country2 = rng.sample(COUNTRIES, 2)
    org, org_full = rng.choices(ORGS, ORG_WEIGHTS)[0]
    topic, topic2 = rng.sample(TOPICS, 2)
    return _Story(
        leader=leader,
        other=other,
        official=rng.choice(OFFICIALS),
        city=city,
        city_country=city_country,
        country=country,
        country2=country2,
        org=org,
        org_full=org_full,
        topic=topic,
        topic2=topic2,
        thing=rng.choice(topic[2]),
        day=WEEKDAYS[(when.weekday() - rng.randrange(3)) % 7],
        year=when.year + rng.randrange(3),
        last_year=when.year - 1,
        n=rng.randrange(2, 60),
        m=rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 120, 150, 200, 250, 300, 500, 800, 1200]),
        pct=rng.randrange(3, 45),
    )


_Template = Callable[[_Story, random.Random], str]

HEADLINES: list[_Template] = [
    lambda s, r: f"{s.leader[0]}, {s.other[0]} hold talks in {s.city}",
    lambda s, r: f"President {s.leader[0]} meets {s.other[3]}’s {s.other[2]} {s.other[0]}",
    lambda s, r: f"{s.org} {s.topic[3]} meet in {s.city}",
    lambda s, r: f"{s.country} and {s.country2} sign {s.topic[1]} agreement",
    lambda s, r: f"{s.city} to host {s.org} {r.choice(EVENTS)} in {s.year}",
    lambda s, r: f"{s.country} to build {s.thing} worth ${s.m} million",
    lambda s, r: f"{s.org} members discuss {s.topic[0]} and {s.topic2[0]} cooperation",
    lambda s, r: f"{s.leader[4]}-{s.other[4]} trade up {s.pct}% in {s.last_year}",
    lambda s, r: f"{s.official[0]} visits {s.city}",
    lambda s, r: f"{s.city} named {s.org} {r.choice(['tourism', 'cultural', 'youth'])} capital for {s.year}",
    lambda s, r: f"{s.n} {s.topic[1]} projects launched in {s.country}",
    lambda s, r: f"{s.leader[0]} calls for closer {s.topic[1]} ties within {s.org}",
    lambda s, r: f"{s.org} {r.choice(EVENTS)} opens in {s.city}",
    lambda s, r: f"{s.leader[4]} and {s.other[4]} leaders discuss {s.topic[0]} by phone",
    lambda s, r: f"New {s.thing.split(' ', 1)[1]} opens in {s.city}",
    lambda s, r: f"{s.country} ratifies {s.org} {s.topic[1]} agreement",
    lambda s, r: f"SCO RATS holds {s.topic[1]} drill near {s.city}",
    lambda s, r: f"{s.leader[0]} congratulates {s.other[0]} on national holiday",
    lambda s, r: f"{s.country2} joins {s.org} {s.topic[0]} initiative",
    lambda s, r: f"{s.official[0]}: {s.org} must respond to {s.topic[0]} challenges together",
    lambda s, r: f"{s.n} countries attend {s.topic[1]} forum in {s.city}",
    lambda s, r: f"{s.city_country} and {s.country2} launch {s.thing.split(' ', 1)[1]} project",
]

SENTENCES: list[_Template] = [
    lambda s, r: f"The talks were held in {s.city} on {s.day}.",
    lambda s, r: f"{s.leader[0]} and {s.other[0]} discussed {s.topic[0]} and {s.topic2[0]}.",
    lambda s, r: f"The {s.topic[1]} agreement was signed in {s.city}.",
    lambda s, r: f"The project is worth ${s.m} million.",
    lambda s, r: f"Trade grew by {s.pct}% last year, {s.leader[0]} {r.choice(VERBS_SAID)}.",
    lambda s, r: f"{s.n} companies from {s.country} took part.",
    lambda s, r: f"The sides signed {r.choice(DOCS)}.",
    lambda s, r: f"The {s.org} {r.choice(EVENTS)} will be held in {s.year}.",
    lambda s, r: f"{s.official[0]} chaired the meeting.",
    lambda s, r: f"The next meeting will be held in {r.choice(CITIES)[0]}.",
    lambda s, r: f"{s.country2} backed the initiative.",
    lambda s, r: f"Talks focused on {s.topic2[0]}.",
    lambda s, r: f"{s.thing[0].upper()}{s.thing[1:]} will open in {s.year}.",
    lambda s, r: f"Up to {s.n} thousand jobs will be created.",
    lambda s, r: f"{s.leader[0]} invited {s.other[0]} to visit {s.leader[3]}.",
    lambda s, r: "The invitation was accepted with gratitude.",
    lambda s, r: f"{r.choice(AGENCIES)} reports.",
    lambda s, r: f"{s.n} documents were signed.",
    lambda s, r: f"{s.other[4]} ties are {r.choice(QUALITIES)}, {s.leader[0]} {r.choice(VERBS_SAID)}.",
    lambda s, r: f"{s.topic[0].capitalize()} remains a priority for the {s.org}.",
    lambda s, r: f"The {s.org} now has {r.randrange(6, 11)} member states.",
    lambda s, r: f"{s.city} hosted {s.n} delegations.",
    lambda s, r: f"Exports to {s.country2} rose {s.pct}%.",
    lambda s, r: f"“We value this partnership,” {s.other[0]} {r.choice(VERBS_SAID)}.",
    lambda s, r: f"{PARTIES[r.randrange(len(PARTIES))].capitalize()} agreed to meet again.",
    lambda s, r: f"{s.org} {s.topic[3]} will meet in {s.year}.",
    lambda s, r: f"Work on {s.thing} is under way.",
    lambda s, r: f"Flights to {s.city} will resume in {s.year}.",
    lambda s, r: f"The {s.org_full} was founded in 2001.",
    lambda s, r: f"The volume of investment reached ${s.m} million.",
    lambda s, r: f"{s.country} holds the {s.org} chairmanship.",
    lambda s, r: f"{s.leader[2]} {s.leader[1]} welcomed the guests.",
    lambda s, r: f"Cooperation in {s.topic[0]} is growing, {s.official[0]} {r.choice(VERBS_SAID)}.",
    lambda s, r: f"{s.n} tonnes of drugs were seized in {s.last_year}.",
    lambda s, r: f"The route links {s.city} and {r.choice(CITIES)[0]}.",
]

LIST_INTRO = [
    "The following documents were signed:",
    "The parties adopted:",
    "The agenda included:",
    "The heads of state approved:",
    "Among the agreements:",
]

LIST_ITEMS: list[_Template] = [
    lambda s, r: f"- On {s.topic[1]} cooperation until {s.year + 5}",
    lambda s, r: f"- {r.choice(DOCS).split(' ', 1)[1].capitalize()} on {s.topic2[0]}",
    lambda s, r: f"- On the {s.org} {r.choice(EVENTS)} in {s.city}",
    lambda s, r: f"- On {s.thing} in {s.country}",
    lambda s, r: f"- On the {s.org} budget for {s.year}",
    lambda s, r: f"- On the {s.topic[1]} action plan for {s.year}-{s.year + 2}",
]

# Russian and Kazakh (Cyrillic) stories: about one in twenty articles.
RU_LEADERS = [("Токаев", "Казахстана"), ("Путин", "России"), ("Си Цзиньпин", "Китая"),
              ("Лукашенко", "Беларуси"), ("Мирзиёев", "Узбекистана"), ("Жапаров", "Кыргызстана"),
              ("Рахмон", "Таджикистана"), ("Алиев", "Азербайджана")]
RU_CITIES = [("Астана", "Астане"), ("Алматы", "Алматы"), ("Пекин", "Пекине"), ("Москва", "Москве"),
             ("Ташкент", "Ташкенте"), ("Бишкек", "Бишкеке"), ("Душанбе", "Душанбе"), ("Минск", "Минске"),
             ("Циндао", "Циндао"), ("Тяньцзинь", "Тяньцзине")]
RU_ORGS = ["ШОС", "ОДКБ", "СНГ", "ЕАЭС", "БРИКС", "ООН", "СВМДА"]
RU_TOPICS = ["энергетики", "торговли", "безопасности", "туризма", "транспорта", "цифровизации",
             "культуры", "водных ресурсов", "борьбы с терроризмом", "сельского хозяйства"]
RU_HEADLINES: list[Callable[[random.Random], str]] = [
    lambda r: f"{r.choice(RU_LEADERS)[0]} провёл переговоры в {r.choice(RU_CITIES)[1]}",
    lambda r: f"Страны {r.choice(RU_ORGS)} обсудили вопросы {r.choice(RU_TOPICS)}",
    lambda r: f"В {r.choice(RU_CITIES)[1]} открылся форум {r.choice(RU_ORGS)}",
    lambda r: f"Товарооборот вырос на {r.randrange(3, 40)}%",
    lambda r: f"Президент {r.choice(RU_LEADERS)[1]} примет участие в саммите {r.choice(RU_ORGS)}",
]
RU_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: f"Стороны обсудили сотрудничество в сфере {r.choice(RU_TOPICS)}.",
    lambda r: f"Подписано {r.randrange(2, 30)} документов.",
    lambda r: f"Встреча прошла в {r.choice(RU_CITIES)[1]}.",
    lambda r: f"Объём инвестиций составил {r.randrange(5, 900)} млн долларов.",
    lambda r: f"Следующее заседание {r.choice(RU_ORGS)} пройдёт в {r.choice(RU_CITIES)[1]}.",
    lambda r: "Об этом сообщает пресс-служба Акорды.",
    lambda r: f"{r.choice(RU_LEADERS)[0]} отметил важность диалога.",
    lambda r: f"Особое внимание уделено вопросам {r.choice(RU_TOPICS)}.",
]
KZ_HEADLINES: list[Callable[[random.Random], str]] = [
    lambda r: f"Мемлекет басшысы {r.choice(['Астанада', 'Алматыда', 'Түркістанда'])} келіссөз жүргізді",
    lambda r: f"ШЫҰ елдері {r.choice(['энергетика', 'сауда', 'туризм', 'көлік'])} саласын талқылады",
    lambda r: f"Қазақстан мен Қытай {r.randrange(2, 40)} құжатқа қол қойды",
]
KZ_SENTENCES: list[Callable[[random.Random], str]] = [
    lambda r: "Тараптар ынтымақтастықты дамыту мәселелерін талқылады.",
    lambda r: f"Кездесу {r.choice(['Астанада', 'Алматыда', 'Ақордада'])} өтті.",
    lambda r: f"Тауар айналымы {r.randrange(3, 40)} пайызға өсті.",
    lambda r: "Бұл туралы Ақорданың баспасөз қызметі хабарлады.",
    lambda r: f"Жиында {r.randrange(2, 30)} құжатқа қол қойылды.",
]


# --------------------------------------------------------------------------- generation


def _sentence_count(rng: random.Random) -> int:
    return rng.choices((1, 2, 3), (70, 22, 8))[0]


def _english(rng: random.Random, when: date) -> tuple[str, tuple[str, ...]]:
    story = _story(rng, when)
    headline = rng.choice(HEADLINES)(story, rng)
    paragraphs: list[str] = []
    count = rng.randint(6, 12)
    # Lead paragraph: who, what, where; the leader's name keeps it distinctive.
    lead = f"{story.leader[2]} {story.leader[1]} {rng.choice(['held', 'chaired', 'opened', 'joined'])} "
    lead += f"{rng.choice(['talks', 'a meeting', 'a session', 'the event'])} in {story.city} on {story.day}."
    paragraphs.append(lead)
    list_at = rng.randrange(2, count) if rng.random() < 0.12 else -1
    deck: list[_Template] = []  # no sentence template twice in a row of paragraphs
    while len(paragraphs) < count:
        if len(paragraphs) == list_at:
            paragraphs.append(rng.choice(LIST_INTRO))
            items = [item(story, rng) for item in rng.sample(LIST_ITEMS, rng.randint(2, 5))]
            paragraphs.extend(f"{item};" for item in items[:-1])
            paragraphs.append(f"{items[-1]}.")
            continue
        sentences = []
        for _ in range(_sentence_count(rng)):
            if not deck:
                deck = rng.sample(SENTENCES, len(SENTENCES))
            sentences.append(deck.pop()(story, rng))
        paragraphs.append(" ".join(sentences))
    return headline, tuple(paragraphs)


def _cyrillic(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    kazakh = rng.random() < 0.3
    heads, sentences = (KZ_HEADLINES, KZ_SENTENCES) if kazakh else (RU_HEADLINES, RU_SENTENCES)
    headline = rng.choice(heads)(rng)
    deck: list[Callable[[random.Random], str]] = []
    paragraphs: list[str] = []
    for _ in range(rng.randint(5, 10)):
        chosen = []
        for _ in range(_sentence_count(rng)):
            if not deck:
                deck = rng.sample(sentences, len(sentences))
            chosen.append(deck.pop()(rng))
        paragraphs.append(" ".join(chosen))
    return headline, tuple(paragraphs)


def _bulletin(rng: random.Random, bulletin: date, count: int, seen: set[tuple[date, str, str]]) -> list[GeneratedArticle]:
    """One day's articles, newest first, like the real bulletins."""
    stamps: list[tuple[date, str | None]] = []
    for _ in range(count):
        when = bulletin - timedelta(days=rng.choices((0, 1, 2), (5, 3, 1))[0])
        timed = rng.random() < 0.6
        stamps.append((when, f"{rng.randrange(7, 24):02d}:{rng.randrange(60):02d}" if timed else None))
    stamps.sort(key=lambda st: (st[0], st[1] or ""), reverse=True)
    # The header gives the first article's date and time: make sure it has one.
    if stamps and stamps[0][1] is None:
        stamps[0] = (stamps[0][0], f"{rng.randrange(7, 24):02d}:{rng.randrange(60):02d}")
    articles: list[GeneratedArticle] = []
    for when, time in stamps:
        while True:
            headline, paragraphs = _cyrillic(rng) if rng.random() < 0.05 else _english(rng, when)
            identity = (when, headline.casefold(), paragraphs[0].casefold())
            if identity not in seen:  # content keys must not repeat: no "repeats" diagnostics
                seen.add(identity)
                break
        articles.append(GeneratedArticle(when, time, headline, paragraphs, bulletin))
    return articles


def _bulletins(n: int, seed: int, per_day: int) -> list[list[GeneratedArticle]]:
    if n < 0 or per_day < 1:
        raise ValueError("n must be >= 0 and per_day >= 1")
    rng = random.Random(seed)
    seen: set[tuple[date, str, str]] = set()
    days: list[list[GeneratedArticle]] = []
    remaining, day = n, 0
    while remaining > 0:
        count = min(per_day, remaining)
        days.append(_bulletin(rng, START + timedelta(days=day), count, seen))
        remaining -= count
        day += 1
    return days


def generate_articles(n: int, seed: int = 0, per_day: int = 30) -> list[GeneratedArticle]:
    """``n`` articles in archive order (day by day, newest first within a day)."""
    return [article for day in _bulletins(n, seed, per_day) for article in day]


def render_bulletin(articles: Sequence[GeneratedArticle], ref: int) -> str:
    """One bulletin file's text: header line, then articles separated by datelines."""
    first = articles[0]
    lines = [f" date {first.bulletin.isoformat()} {first.date:%d.%m.%Y}, {first.time} {ref}"]
    for index, article in enumerate(articles):
        if index:
            lines.append(f"{article.date:%d.%m.%Y}, {article.time}" if article.time else f"{article.date:%d.%m.%Y}")
        lines.append(article.headline)
        lines.extend(article.paragraphs)
    return "\n".join(lines) + "\n"


def bulletin_path(outdir: Path, bulletin: date) -> Path:
    return outdir / f"{bulletin:%Y}" / f"{bulletin:%m}" / f"{bulletin.isoformat()}.txt"


def write_archive(outdir: str | os.PathLike[str], n: int, seed: int = 0, per_day: int = 30) -> list[Path]:
    """Write ``n`` articles as daily bulletins under ``outdir``; the files, in date order."""
    root = Path(outdir)
    paths: list[Path] = []
    rng = random.Random(seed ^ 0x5C0)
    ref = 1000 + rng.randrange(1000)
    for day in _bulletins(n, seed, per_day):
        path = bulletin_path(root, day[0].bulletin)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_bulletin(day, ref).encode("utf-8"))
        paths.append(path)
        ref += rng.randint(1, 3)
    return paths


def archive(n: int, seed: int = 0, per_day: int = 30) -> Path:
    """``bench/archives/<n>/`` (``<n>-s<seed>-d<per_day>`` when not default), generated once."""
    name = str(n) if (seed, per_day) == (0, 30) else f"{n}-s{seed}-d{per_day}"
    target = ARCHIVES / name
    manifest = {"version": FORMAT_VERSION, "articles": n, "seed": seed, "per_day": per_day}
    stamp = target / "MANIFEST.json"  # not *.txt: the loader does not see it
    if _current(stamp, manifest):
        return target
    ARCHIVES.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=ARCHIVES))  # renamed into place when complete
    try:
        paths = write_archive(staging, n, seed, per_day)
        size = sum(p.stat().st_size for p in paths)
        (staging / "MANIFEST.json").write_text(
            json.dumps({"spec": manifest, "files": len(paths), "bytes": size}, indent=1) + "\n"
        )
        if target.exists():  # stale (older generator or interrupted): replace it
            shutil.rmtree(target)
        try:
            os.replace(staging, target)
        except OSError:
            if not _current(stamp, manifest):  # not another process that just finished the same archive
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _current(stamp: Path, manifest: dict[str, int]) -> bool:
    try:
        return json.loads(stamp.read_text())["spec"] == manifest
    except (OSError, ValueError, KeyError, TypeError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a realistic, deterministic bulletin archive.")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-day", type=int, default=30)
    args = parser.parse_args(argv)
    paths = write_archive(args.outdir, args.articles, args.seed, args.per_day)
    size = sum(p.stat().st_size for p in paths)
    print(f"{args.outdir}: {args.articles} articles, {len(paths)} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
