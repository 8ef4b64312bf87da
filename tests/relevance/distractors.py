"""Deterministic synthetic news archive around the SCO seed, for relevance tests and benchmarks.

:func:`distractors` makes realistic look-alike articles (same leaders, cities, organisations
and topics as the seed, near-misses such as "Tokayev meets Mirziyoyev in Tashkent" or
"Belarus joins CSTO drills", Russian and Kazakh headlines), with paragraphs. :func:`targets`
are hand-written extra articles (Cyrillic, Kazakh, diacritics) that relevance queries aim at;
they are not produced by the generator. Everything is seeded: same arguments, same articles.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Iterator

from sco_reader.model import Article, content_key

# (surname, full name, title, country)
LEADERS = [
    ("Tokayev", "Kassym-Jomart Tokayev", "President of Kazakhstan", "Kazakhstan"),
    ("Putin", "Vladimir Putin", "President of Russia", "Russia"),
    ("Xi", "Xi Jinping", "President of China", "China"),
    ("Lukashenko", "Alexander Lukashenko", "President of Belarus", "Belarus"),
    ("Modi", "Narendra Modi", "Prime Minister of India", "India"),
    ("Erdogan", "Recep Tayyip Erdogan", "President of Turkiye", "Turkiye"),
    ("Mirziyoyev", "Shavkat Mirziyoyev", "President of Uzbekistan", "Uzbekistan"),
    ("Japarov", "Sadyr Japarov", "President of Kyrgyzstan", "Kyrgyzstan"),
    ("Rahmon", "Emomali Rahmon", "President of Tajikistan", "Tajikistan"),
    ("Sharif", "Shehbaz Sharif", "Prime Minister of Pakistan", "Pakistan"),
    ("Pezeshkian", "Masoud Pezeshkian", "President of Iran", "Iran"),
    ("Aliyev", "Ilham Aliyev", "President of Azerbaijan", "Azerbaijan"),
    ("Pashinyan", "Nikol Pashinyan", "Prime Minister of Armenia", "Armenia"),
    ("Khurelsukh", "Ukhnaagiin Khurelsukh", "President of Mongolia", "Mongolia"),
    ("Guterres", "Antonio Guterres", "UN Secretary-General", "the United Nations"),
    ("Lavrov", "Sergey Lavrov", "Russian Foreign Minister", "Russia"),
    ("Wang Yi", "Wang Yi", "Chinese Foreign Minister", "China"),
    ("Bektenov", "Olzhas Bektenov", "Prime Minister of Kazakhstan", "Kazakhstan"),
    ("Mishustin", "Mikhail Mishustin", "Prime Minister of Russia", "Russia"),
    ("Li Qiang", "Li Qiang", "Premier of China", "China"),
]
COUNTRIES = [
    "Kazakhstan", "Russia", "China", "Belarus", "India", "Pakistan", "Iran", "Uzbekistan",
    "Kyrgyzstan", "Tajikistan", "Mongolia", "Azerbaijan", "Armenia", "Turkiye", "Qatar",
    "Turkmenistan", "Egypt", "Saudi Arabia", "Cambodia", "Nepal", "Sri Lanka", "Laos",
]
CITIES = [
    "Astana", "Almaty", "Beijing", "Moscow", "Tashkent", "Bishkek", "Dushanbe", "Minsk",
    "Qingdao", "Tianjin", "Shanghai", "Samarkand", "New Delhi", "Islamabad", "Tehran",
    "Baku", "Yerevan", "Ulaanbaatar", "St. Petersburg", "Kazan", "Shymkent", "Aktau",
    "Turkistan", "Urumqi", "Karaganda", "Cholpon-Ata", "Khujand", "Bukhara",
]
ORGS = ["SCO", "CSTO", "CIS", "EAEU", "BRICS", "UN", "CICA", "OTS", "OSCE", "ECO"]
ORG_NAMES = {
    "SCO": "Shanghai Cooperation Organization",
    "CSTO": "Collective Security Treaty Organization",
    "CIS": "Commonwealth of Independent States",
    "EAEU": "Eurasian Economic Union",
    "BRICS": "BRICS group",
    "UN": "United Nations",
    "CICA": "Conference on Interaction and Confidence-Building Measures in Asia",
    "OTS": "Organization of Turkic States",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "ECO": "Economic Cooperation Organization",
}
TOPICS = [
    "energy", "trade", "security", "drugs", "terrorism", "tourism", "water", "transport",
    "digital", "agriculture", "education", "health", "investment", "culture", "logistics",
    "climate", "finance", "customs", "railway", "nuclear", "space", "media", "youth",
    "industrial", "environmental", "humanitarian", "migration", "banking",
]
THREATS = [
    "terrorism threats", "drug trafficking", "cyber threats", "water shortages",
    "bloc confrontation", "extremism", "food insecurity", "unilateral sanctions",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ROLES = ["Deputy Foreign Minister", "Minister of Energy", "Minister of Trade", "ambassador",
         "Deputy Prime Minister", "Minister of Culture", "spokesperson", "chairman",
         "Minister of Transport", "Secretary of the Security Council", "Minister of Finance"]
MINISTRIES = ["Ministry of Trade", "Ministry of Foreign Affairs", "Bureau of National Statistics",
              "Ministry of Energy", "customs service", "Ministry of Economy"]
SYLLABLES = ["as", "kar", "bek", "nur", "zhan", "ay", "gul", "mur", "at", "ser", "dar", "yer",
             "mek", "bol", "at", "dau", "let", "sul", "tan", "er", "lan", "ka", "mal", "tim",
             "ur", "ali", "sha", "kat", "ol", "zhas", "ba", "yev", "ra", "khim", "dil", "no",
             "za", "bay", "ib", "ro", "vo", "ko", "mir", "sa", "dyk", "ul", "an", "ik"]

HEADLINES = [
    "{L} meets {L2} in {city}",
    "{L} holds talks with {L2} on {topic} cooperation",
    "{L}, {L2} discuss {topic} and {topic2}",
    "{L} arrives in {city} for {org} summit",
    "{L} arrives in {city} on state visit",
    "{L} receives {C2} foreign minister",
    "{L} calls for stronger {topic} ties within {org}",
    "{L} sums up results of {C}'s {org} chairmanship",
    "{C} hands over {org} chairmanship to {C2}",
    "{C} takes over {org} presidency for {span} period",
    "{C} to chair {org} in {year}",
    "{org} summit opens in {city}",
    "{org} summit to be held in {city} in {year}",
    "{org} foreign ministers meet in {city}",
    "{org} {topic} ministers adopt joint statement in {city}",
    "{org} members sign agreement on {topic} cooperation",
    "{C} ratifies {org} agreement on {topic}",
    "{C} officially joins {org} {topic} initiative",
    "{C} joins {org} drills in {city}",
    "{C} becomes {org} dialogue partner",
    "{C} applies for {org} observer status",
    "{org} Secretary General visits {city}",
    "{name} appointed {C} ambassador to {C2}",
    "{name} appointed deputy Secretary General of {org}",
    "{n} {topic} events held during {C}'s {org} presidency",
    "{city} named {org} tourism and cultural capital for {span}",
    "{org} youth council meets in {city}",
    "{org} business forum opens in {city}",
    "{L} warns of {threat}",
    "{L} calls for building fair world order",
    "{C} and {C2} sign {topic} agreement worth ${n} million",
    "{org} {topic} strategy until {year} approved",
    "{C} {topic} exports to {C2} grow {pct}%",
    "{city} to host {org} summit in {year}",
    "{org} observers monitor elections in {C}",
    "{L} congratulates {L2} on re-election",
    "{L} pays official visit to {C2}",
    "{org} anti-terrorism drills held near {city}",
    "{org} RATS council meets in {city}",
    "Heads of {org} states to meet in {city} in {month}",
    "{C} hosts {org} {topic} forum",
    "{city} hosts {org} film festival",
    "{L} attends {org} summit in {city}",
    "{org} leaders adopt {city} Declaration",
    "{L} and {L2} open {topic} centre in {city}",
    "{C} becomes {ordinal} member of {org}",
    "{L} hails {org} role in regional {topic}",
    "{org} {topic} conference kicks off in {city}",
    "{L} proposes new {topic} initiative at {org} meeting",
    "{C} and {C2} agree to boost {topic} ties",
]
SENTENCES = [
    "{Full} said that {topic} cooperation between {C} and {C2} has great potential.",
    "The parties discussed prospects for expanding trade and economic cooperation, as well as cooperation in {topic}, {topic2} and {topic3}.",
    "According to the {ministry}, trade turnover between the two countries reached ${n} billion in {year}.",
    "{Full}, {title}, noted the importance of the {orgname} in ensuring regional security and stability.",
    "The meeting was attended by representatives of {C}, {C2}, {C3} and {C4}.",
    "The sides agreed to intensify contacts at the highest level and to hold the next meeting in {city}.",
    "Special attention was paid to combating terrorism, separatism, extremism and drug trafficking.",
    "{name}, {role} of {C}, said the agenda included {topic} and {topic2} issues.",
    "In {year}, {n} joint projects worth ${n2} million were implemented in the {topic} sector.",
    "Earlier it was reported that {city} would host the next {org} meeting in {month} {year}.",
    "The transition to payments in national currencies was also discussed.",
    "The leaders reaffirmed their commitment to the principles of good-neighborliness and mutual trust.",
    "{Full} expressed gratitude for the warm welcome and hospitality of the people of {C}.",
    "The document provides for cooperation in {topic}, {topic2} and the exchange of experience.",
    "{name} of the {org} told reporters that the {topic} roadmap will be adopted by {year}.",
    "Participants noted that the {org} format has become more attractive for international partners.",
    "A memorandum of understanding was signed between the {org} Secretariat and the {org2} Secretariat.",
    "The delegation visited {city}, where it got acquainted with {topic} projects.",
    "The summit in {city} brought together heads of state and government of {k} countries.",
    "{Full} stressed that {C} is ready to share its experience in {topic} with partners.",
    "The {org} was founded in {founded} and currently unites {k} member states.",
    "Experts estimate that {topic} investment in the region will exceed ${n} billion by {year}.",
    "The next round of consultations on {topic} is scheduled for {month} in {city}.",
    "{Full} also met with business leaders to discuss {topic} and {topic2} projects worth ${n2} million.",
    "The sides exchanged views on topical regional and international issues, including the situation in Afghanistan.",
    "{name}, head of the {org} {topic} working group, presented a report on the implementation of the action plan.",
    "The agreement on {topic} cooperation was signed for the period of {span}.",
    "Kazinform News Agency correspondent reports from {city}.",
    "{Full} invited {Full2} to pay an official visit to {C} next year.",
    "The cultural programme included a concert, an exhibition of {C} crafts and a tour of {city}.",
    "Both presidents reiterated mutual commitment to regular political dialogue in bilateral and multilateral formats.",
    "The {org} youth council and business council held joint events in {city} and {city2}.",
]
RU_LEADERS = [  # (nominative, instrumental)
    ("Токаев", "Токаевым"), ("Путин", "Путиным"), ("Си Цзиньпин", "Си Цзиньпином"),
    ("Лукашенко", "Лукашенко"), ("Моди", "Моди"), ("Эрдоган", "Эрдоганом"),
    ("Мирзиёев", "Мирзиёевым"), ("Жапаров", "Жапаровым"), ("Рахмон", "Рахмоном"),
    ("Шариф", "Шарифом"), ("Пезешкиан", "Пезешкианом"), ("Алиев", "Алиевым"),
]
RU_CITIES = [  # (nominative, prepositional "в ...", accusative "в ...")
    ("Астана", "Астане", "Астану"), ("Алматы", "Алматы", "Алматы"), ("Пекин", "Пекине", "Пекин"),
    ("Москва", "Москве", "Москву"), ("Ташкент", "Ташкенте", "Ташкент"),
    ("Бишкек", "Бишкеке", "Бишкек"), ("Душанбе", "Душанбе", "Душанбе"), ("Минск", "Минске", "Минск"),
    ("Циндао", "Циндао", "Циндао"), ("Тяньцзинь", "Тяньцзине", "Тяньцзинь"),
]
RU_ORGS = ["ШОС", "ОДКБ", "СНГ", "ЕАЭС", "БРИКС", "ООН", "РАТС ШОС", "СВМДА"]
RU_TOPICS = ["энергетики", "торговли", "безопасности", "транспорта", "туризма", "цифровизации",
             "сельского хозяйства", "образования", "инвестиций", "водных ресурсов"]
RU_COUNTRIES = ["Казахстан", "Россия", "Китай", "Беларусь", "Узбекистан", "Кыргызстан",
                "Таджикистан", "Иран", "Пакистан", "Индия", "Монголия", "Азербайджан"]
RU_HEADLINES = [
    "{L} провёл переговоры с {L2i} в {cityp}",
    "{L} встретился с {L2i}",
    "{L} прибыл в {citya} с официальным визитом",
    "Саммит {org} открылся в {cityp}",
    "{C} и {C2} подписали соглашение о сотрудничестве в сфере {topic}",
    "Министры {org} обсудили вопросы {topic} в {cityp}",
    "{L} призвал укреплять сотрудничество в рамках {org}",
    "{C} присоединилась к учениям {org}",
    "В {cityp} прошло заседание СМИД {org}",
    "{L} поздравил {L2a} с переизбранием",
]
RU_SENTENCES = [
    "Стороны обсудили вопросы торгово-экономического сотрудничества, а также взаимодействия в сфере {topic}.",
    "{L} отметил, что товарооборот между странами в {year} году вырос на {pct} процентов.",
    "Особое внимание было уделено вопросам {topic} и {topic2}.",
    "Встреча прошла в {cityp} в рамках подготовки к саммиту {org}.",
    "По итогам переговоров подписан пакет документов на сумму {n} миллионов долларов.",
    "Лидеры подтвердили приверженность принципам добрососедства и взаимного доверия.",
    "Следующее заседание планируется провести в {cityp} в {year} году.",
]
KK_LEADERS = [  # (nominative, with "-мен/-пен")
    ("Тоқаев", "Тоқаевпен"), ("Путин", "Путинмен"), ("Си Цзиньпин", "Си Цзиньпинмен"),
    ("Мирзиёев", "Мирзиёевпен"), ("Жапаров", "Жапаровпен"), ("Рахмон", "Рахмонмен"),
    ("Лукашенко", "Лукашенкомен"), ("Әлиев", "Әлиевпен"),
]
KK_CITIES = ["Астанада", "Алматыда", "Ташкентте", "Бишкекте", "Бейжіңде", "Мәскеуде", "Душанбеде"]
KK_ORGS = ["ШЫҰ", "ҰҚШҰ", "ТМД", "ЕАЭО", "БРИКС", "АӨСШК"]
KK_TOPICS = ["энергетика", "сауда", "қауіпсіздік", "көлік", "туризм", "білім", "су ресурстары"]
KK_HEADLINES = [
    "{L} {L2m} кездесті",
    "{city} {org} саммиті өтті",
    "{org} сыртқы істер министрлері {city} бас қосты",
    "Қазақстан мен Өзбекстан {topic} саласындағы ынтымақтастықты талқылады",
    "{L} {org} жиынына қатысты",
]
KK_SENTENCES = [
    "Тараптар {topic} саласындағы ынтымақтастықты дамыту мәселелерін талқылады.",
    "Кездесу {city} өтті, деп хабарлайды Kazinform тілшісі.",
    "{org} аясындағы өзара іс-қимыл жоғары деңгейде екені атап өтілді.",
    "Келесі отырыс {year} жылы өтеді.",
]


def _pseudo_name(rng: random.Random) -> str:
    first = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{first} {last}{rng.choice(['ov', 'ev', 'uly', 'yev', 'bekov', 'ova', ''])}"


def _fill(rng: random.Random, template: str) -> str:
    l1, l2 = rng.sample(LEADERS, 2)
    c1, c2, c3, c4 = rng.sample(COUNTRIES, 4)
    t1, t2, t3 = rng.sample(TOPICS, 3)
    o1, o2 = rng.sample(ORGS, 2)
    city, city2 = rng.sample(CITIES, 2)
    year = rng.randint(2019, 2030)
    start = rng.choice([2023, 2025, 2026, 2027])
    span = rng.choice([f"{start}-{(start + 1) % 100:02d}", f"{start}-{start + 2}", f"{start}-{start + 1}"])
    return template.format(
        L=l1[0], L2=l2[0], Full=l1[1], Full2=l2[1], title=l1[2], C=c1, C2=c2, C3=c3, C4=c4,
        topic=t1, topic2=t2, topic3=t3, org=o1, org2=o2, orgname=ORG_NAMES[o1], city=city,
        city2=city2, year=year, span=span, n=rng.randint(2, 400), n2=rng.randint(5, 900),
        pct=rng.randint(3, 60), name=_pseudo_name(rng), role=rng.choice(ROLES),
        ministry=rng.choice(MINISTRIES), month=rng.choice(MONTHS), threat=rng.choice(THREATS),
        k=rng.randint(5, 30), founded=rng.choice([1991, 1992, 2001, 2002, 2015]),
        ordinal=rng.choice(["5th", "9th", "11th", "12th", "7th"]),
    )


def _fill_ru(rng: random.Random, template: str) -> str:
    l1, l2 = rng.sample(RU_LEADERS, 2)
    city = rng.choice(RU_CITIES)
    c1, c2 = rng.sample(RU_COUNTRIES, 2)
    t1, t2 = rng.sample(RU_TOPICS, 2)
    return template.format(
        L=l1[0], L2i=l2[1], L2a=l2[1], cityp=city[1], citya=city[2], org=rng.choice(RU_ORGS),
        C=c1, C2=c2, topic=t1, topic2=t2, year=rng.randint(2019, 2026), pct=rng.randint(3, 40),
        n=rng.randint(10, 900),
    )


def _fill_kk(rng: random.Random, template: str) -> str:
    l1, l2 = rng.sample(KK_LEADERS, 2)
    return template.format(
        L=l1[0], L2m=l2[1], city=rng.choice(KK_CITIES), org=rng.choice(KK_ORGS),
        topic=rng.choice(KK_TOPICS), year=rng.randint(2019, 2026),
    )


def _article(headline: str, when: date, paragraphs: tuple[str, ...], source: str, line: int) -> Article:
    key = content_key(headline, when, paragraphs[0] if paragraphs else "")
    return Article(key, when, None, headline, paragraphs, source, line, key)


def iter_distractors(count: int, seed: int = 2024, paragraphs: tuple[int, int] = (4, 10)) -> Iterator[Article]:
    """Yield ``count`` synthetic articles; ``paragraphs`` bounds paragraphs per article (~40 words each)."""
    rng = random.Random(seed)
    first = date(2023, 1, 1)
    summit = [date(2024, 7, 3), date(2024, 7, 4), date(2024, 7, 5)]
    for i in range(count):
        when = rng.choice(summit) if rng.random() < 0.03 else first + timedelta(days=rng.randrange(1096))
        language = rng.random()
        lo, hi = paragraphs
        if language < 0.06:
            headline = _fill_ru(rng, rng.choice(RU_HEADLINES))
            body = tuple(
                " ".join(_fill_ru(rng, rng.choice(RU_SENTENCES)) for _ in range(rng.randint(2, 3)))
                for _ in range(rng.randint(lo, hi))
            )
        elif language < 0.09:
            headline = _fill_kk(rng, rng.choice(KK_HEADLINES))
            body = tuple(
                " ".join(_fill_kk(rng, rng.choice(KK_SENTENCES)) for _ in range(rng.randint(2, 3)))
                for _ in range(rng.randint(lo, hi))
            )
        else:
            headline = _fill(rng, rng.choice(HEADLINES))
            body = tuple(
                " ".join(_fill(rng, rng.choice(SENTENCES)) for _ in range(rng.randint(2, 3)))
                for _ in range(rng.randint(lo, hi))
            )
        yield _article(headline, when, body, "synthetic", i + 1)


def distractors(count: int = 3000, seed: int = 2024, paragraphs: tuple[int, int] = (4, 10)) -> list[Article]:
    """The first ``count`` articles of :func:`iter_distractors`."""
    return list(iter_distractors(count, seed, paragraphs))


def targets() -> list[Article]:
    """Hand-written articles (not generated) that some relevance queries aim at."""
    specs = [
        (
            "Токаев провёл переговоры с Путиным в Акорде",
            date(2024, 7, 3),
            (
                "Президент Казахстана Касым-Жомарт Токаев провёл переговоры с Президентом России Владимиром Путиным, прибывшим в Астану для участия в саммите ШОС.",
                "Стороны обсудили состояние и перспективы казахстанско-российского стратегического партнёрства, а также вопросы энергетики и промышленной кооперации.",
                "Глава государства пригласил Владимира Путина посетить Казахстан с государственным визитом осенью в связи с сессией Совета коллективной безопасности ОДКБ.",
            ),
        ),
        (
            "Қазақстан ШЫҰ төрағалығын Қытайға тапсырды",
            date(2024, 7, 4),
            (
                "Астанада өткен Шанхай ынтымақтастық ұйымының саммитінде Қазақстан ұйымдағы төрағалықты Қытай Халық Республикасына тапсырды.",
                "Қытай 2024-2025 жылдары ұйымға төрағалық етеді, деп хабарлайды Kazinform тілшісі.",
            ),
        ),
        (
            "Беларусь стала десятым членом ШОС",
            date(2024, 7, 4),
            (
                "На саммите в Астане лидеры государств-членов ШОС подписали решение о завершении процедуры принятия Республики Беларусь в организацию.",
                "Александр Лукашенко поблагодарил партнёров за поддержку.",
            ),
        ),
        (
            "Тоқаев ШЫҰ саммитінде сөз сөйледі",
            date(2024, 7, 4),
            (
                "Мемлекет басшысы Қасым-Жомарт Тоқаев Шанхай ынтымақтастық ұйымы мемлекет басшылары кеңесінің отырысында сөз сөйледі.",
                "Президент Қазақстанның төрағалығы кезінде 150-ден астам іс-шара өткенін атап өтті.",
            ),
        ),
        (
            "Си Цзиньпин предостерёг страны ШОС от менталитета холодной войны",
            date(2024, 7, 5),
            (
                "Председатель КНР Си Цзиньпин призвал государства-члены ШОС обеспечивать безопасность перед лицом реальной угрозы менталитета холодной войны.",
                "Он выступил на заседании Совета глав государств ШОС в Астане.",
            ),
        ),
        (
            "Erdoğan calls for Türkiye's deeper engagement with SCO",
            date(2024, 7, 4),
            (
                "Turkish President Recep Tayyip Erdoğan, attending the SCO+ meeting in Astana, said Türkiye wants a deeper engagement with the organization as a dialogue partner.",
                "He held bilateral meetings on the sidelines with the leaders of Kazakhstan and Azerbaijan.",
            ),
        ),
        (
            "Pezeshkian and Sharif discuss gas pipeline on sidelines of SCO+ meeting",
            date(2024, 7, 4),
            (
                "Iranian and Pakistani leaders discussed the long-delayed gas pipeline project and border trade on the sidelines of the SCO+ meeting in Astana.",
                "The sides also agreed to set up a joint working group on electricity supplies.",
            ),
        ),
        (
            "Water-energy consortium for Central Asia back on SCO agenda",
            date(2024, 7, 5),
            (
                "Experts say the idea of a regional water-energy consortium has returned to the agenda of the Shanghai Cooperation Organization.",
                "Upstream countries want compensation for operating hydropower reservoirs on the Syr Darya and Amu Darya, while downstream states need irrigation water in summer.",
                "A feasibility study is expected to be presented to energy ministers next year.",
            ),
        ),
    ]
    return [_article(h, d, p, "targets", i + 1) for i, (h, d, p) in enumerate(specs)]


def archive(count: int = 3000, seed: int = 2024) -> list[Article]:
    """Seed bulletin + distractors with the hand-written targets spread among them."""
    from sco_reader.loader import bundled_seeds, load_library

    seed_articles = load_library(bundled_seeds()).articles
    pool = distractors(count, seed)
    extra = targets() + list(seed_articles)
    rng = random.Random(seed + 1)
    for article in extra:
        pool.insert(rng.randrange(len(pool) + 1), article)
    return pool
