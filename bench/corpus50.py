# ruff: noqa: E501  (the documents are prose templates, one paragraph a line)
"""A generated corpus for the speed bench: 50 short documents (~100,000 characters) about
invented places, firms, clubs, products and studies, with one question per document whose
answer the generator knows. Deterministic (seeded), so every run reads the same text.

    .venv/bin/python bench/corpus50.py OUT_DIR    writes the documents and questions.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

KINDS = ("gemeente", "bedrijf", "vereniging", "product", "onderzoek")
SYLLABLES = "vel der broek mar ling ham sto ven rijk holt dal bur ger wol kum tra sen lo mei zand".split()
MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()


def name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def amount(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high):,}".replace(",", ".")


def gemeente(rng: random.Random, n: int) -> tuple[str, str, dict]:
    town, river, mayor = f"{name(rng)}{n}", name(rng), f"{name(rng)} {name(rng, 3)}"
    people, year, km = amount(rng, 8000, 90000), rng.randint(1200, 1500), rng.randint(12, 80)
    text = f"""# {town}

{town} is een gemeente aan de rivier de {river}, met {people} inwoners. De plaats kreeg in {year} stadsrechten en groeide in de negentiende eeuw door de bouw van een spoorlijn. Het oude centrum ligt op een zandrug, terwijl de nieuwere wijken in de polder liggen.

Burgemeester is {mayor}. Het gemeentebestuur zetelt in een voormalig klooster aan de Markt. De gemeente telt {km} kilometer fietspad en drie basisscholen. Op zaterdag is er een weekmarkt met ongeveer {rng.randint(20, 60)} kramen.

De belangrijkste werkgevers zijn een zuivelfabriek, een distributiecentrum en het regionale ziekenhuis. Toeristen komen vooral voor de molen uit {rng.randint(1600, 1850)} en het natuurgebied langs de {river}. Jaarlijks vindt in {rng.choice(MONTHS)} het oogstfeest plaats, dat zo'n {amount(rng, 2000, 20000)} bezoekers trekt.

In {rng.randint(2015, 2024)} besloot de raad om alle straatverlichting te vervangen door ledlampen. Dat moest het stroomverbruik met {rng.randint(20, 70)} procent verlagen. Het project werd betaald uit een provinciale subsidie."""
    return f"{town.lower()}.nl.md", text, {"question": f"Hoeveel inwoners heeft {town}?", "expect": people}


def bedrijf(rng: random.Random, n: int) -> tuple[str, str, dict]:
    firm, city, ceo = f"{name(rng)}tech{n}", name(rng), f"{name(rng)} {name(rng, 3)}"
    staff, revenue, founded = amount(rng, 40, 4000), rng.randint(5, 900), rng.randint(1950, 2018)
    text = f"""# {firm} B.V.

{firm} is een producent van meetapparatuur voor de voedingsindustrie, gevestigd in {city}. Het bedrijf werd in {founded} opgericht als familiebedrijf en is sinds {rng.randint(2019, 2024)} in handen van een investeringsfonds.

Directeur is {ceo}. {firm} heeft {staff} medewerkers, van wie een derde in het buitenland werkt. De omzet bedroeg vorig jaar {revenue} miljoen euro, waarvan {rng.randint(30, 80)} procent uit export kwam.

Het bekendste product is een sensor die het vochtgehalte van graan meet. Daarnaast levert {firm} weegsystemen aan bakkerijen en zuivelbedrijven. De fabriek in {city} draait op stroom van {rng.randint(2, 40)} windturbines in de omgeving.

In een persbericht kondigde het bedrijf aan dat het een tweede vestiging opent in {name(rng)}. Daar komen {rng.randint(20, 200)} banen bij. De bouw begint naar verwachting in {rng.choice(MONTHS)}."""
    return f"{firm.lower()}.nl.md", text, {"question": f"Hoeveel medewerkers heeft {firm}?", "expect": staff}


def vereniging(rng: random.Random, n: int) -> tuple[str, str, dict]:
    club, chair, place = f"Roeivereniging {name(rng)}{n}", f"{name(rng)} {name(rng, 3)}", name(rng)
    members, founded, boats = amount(rng, 80, 2500), rng.randint(1880, 1990), rng.randint(10, 90)
    text = f"""# Jaarverslag {club}

{club} uit {place} werd opgericht in {founded} en telt {members} leden. Voorzitter is {chair}, die het bestuur sinds {rng.randint(2010, 2023)} leidt.

De vereniging beschikt over {boats} boten, waaronder {rng.randint(2, 9)} wedstrijdachten. Het botenhuis werd in {rng.randint(1995, 2022)} verbouwd; de kosten bedroegen {amount(rng, 100000, 900000)} euro. De jeugdafdeling groeide het afgelopen jaar met {rng.randint(5, 40)} procent.

Bij de nationale kampioenschappen won de vereniging {rng.randint(1, 8)} medailles. De contributie voor volwassenen is {rng.randint(150, 450)} euro per jaar, voor jeugdleden de helft daarvan.

Het bestuur wil de komende jaren investeren in een nieuwe steiger en in duurzame verwarming van het botenhuis. Daarvoor is een lening aangevraagd bij de gemeente {place}."""
    return f"roeivereniging-{n}.nl.md", text, {"question": f"Hoeveel leden telt {club}?", "expect": members}


def product(rng: random.Random, n: int) -> tuple[str, str, dict]:
    item, maker = f"{name(rng)} X{n}", f"{name(rng)} Labs"
    price, weight, hours = rng.randint(49, 999), rng.randint(150, 2400), rng.randint(4, 60)
    text = f"""# {item}: a portable water filter

The {item} is a portable water filter made by {maker}. It costs {price} euros and weighs {weight} grams. The filter removes bacteria and most viruses from river and lake water.

According to {maker}, one cartridge lasts for about {amount(rng, 500, 6000)} litres. The built-in battery powers an ultraviolet lamp for {hours} hours on a single charge. Charging takes roughly {rng.randint(1, 6)} hours over USB-C.

The first version was released in {rng.randint(2016, 2022)}. The current model adds a display that shows the remaining capacity of the cartridge. Reviewers praised its speed but criticised the price of replacement cartridges, which cost {rng.randint(15, 60)} euros each.

{maker} sells the filter in {rng.randint(5, 40)} countries and plans a cheaper model for schools next year."""
    return (
        f"{item.lower().replace(' ', '-')}.en.md",
        text,
        {"question": f"How much does the {item} weigh?", "expect": str(weight)},
    )


def onderzoek(rng: random.Random, n: int) -> tuple[str, str, dict]:
    topic = rng.choice(["slaap", "fietsgebruik", "leesgedrag", "thuiswerken", "sportdeelname"])
    institute, lead = f"Instituut {name(rng)}{n}", f"{name(rng)} {name(rng, 3)}"
    people, share, year = amount(rng, 300, 9000), rng.randint(11, 89), rng.randint(2019, 2025)
    text = f"""# Onderzoek naar {topic} ({institute})

Het {institute} publiceerde in {rng.choice(MONTHS)} {year} een onderzoek naar {topic} onder volwassenen. Onderzoeksleider was {lead}. Voor het onderzoek werden {people} mensen ondervraagd in {rng.randint(3, 12)} provincies.

Uit de resultaten blijkt dat {share} procent van de deelnemers tevreden is over de eigen situatie. Jongeren scoorden gemiddeld lager dan ouderen. Het verschil tussen mannen en vrouwen was klein.

De onderzoekers wijzen erop dat de vragenlijst online werd afgenomen, waardoor mensen zonder internet ondervertegenwoordigd zijn. Een vervolgonderzoek met interviews staat gepland voor {year + rng.randint(1, 3)}.

Het onderzoek werd gefinancierd door een fonds dat {amount(rng, 50000, 500000)} euro beschikbaar stelde. De volledige resultaten staan in een rapport van {rng.randint(40, 160)} pagina's."""
    return (
        f"onderzoek-{n}.nl.md",
        text,
        {
            "question": f"Hoeveel mensen werden ondervraagd voor het onderzoek van {institute}?",
            "expect": people,
        },
    )


EVENTS_NL = [
    "werd een nieuw bestuur gekozen na een lange discussie over de begroting",
    "trok een storm een deel van het dak los, waarna {n} vrijwilligers hielpen bij het herstel",
    "kwam er een samenwerking met een school uit de regio, die {n} stageplaatsen opleverde",
    "werd een prijs gewonnen voor duurzaamheid, met een geldbedrag van {n} euro",
    "werd het archief gedigitaliseerd; het ging om ruim {n} documenten",
    "opende een bezoekerscentrum dat in het eerste jaar {n} mensen ontving",
    "werd een klachtenregeling ingevoerd; er kwamen dat jaar {n} klachten binnen",
    "brak er brand uit in een bijgebouw; de schade werd geschat op {n} euro",
    "werd een nieuwe website gelanceerd, die in de eerste maand {n} keer werd bezocht",
    "kreeg de organisatie een subsidie van {n} euro voor het isoleren van de gebouwen",
    "werden {n} bomen geplant langs de toegangsweg",
    "stond een uitgebreid artikel in de regionale krant, waarna {n} mensen zich aanmeldden",
    "werd een jubileum gevierd met een feest voor {n} gasten",
    "moest een deel van de activiteiten tijdelijk stoppen door een overstroming",
]
EVENTS_EN = [
    "a recall affected {n} units because of a faulty seal",
    "the company opened a repair service that handled {n} requests in its first year",
    "an independent lab tested the filter against {n} samples of lake water",
    "a partnership with a hiking association brought {n} new customers",
    "the manual was translated into {n} languages",
    "a software update added a warning when the water temperature is too high",
    "the price was lowered by {n} cents after complaints from customers",
    "a new factory line increased production to {n} units a month",
    "the filter was used by {n} volunteers after a flood in the region",
    "a trade magazine named it product of the year among {n} entries",
    "the company moved its warehouse to a site with {n} square metres of space",
    "a study compared the filter with {n} competing products",
    "customer support started answering questions in the evening as well",
]


def history(rng: random.Random, subject: str, english: bool) -> str:
    """Three more paragraphs of dated events, so each document is about 2,000 characters."""
    events = rng.sample(EVENTS_EN if english else EVENTS_NL, 12)
    years = sorted(rng.sample(range(1960, 2025), 12))
    if english:
        lines = [f"In {y}, {e.format(n=amount(rng, 12, 4000))}." for y, e in zip(years, events, strict=True)]
        return f"## Timeline of {subject}\n\n" + "\n\n".join(" ".join(lines[i : i + 4]) for i in (0, 4, 8))
    lines = [f"In {y} {e.format(n=amount(rng, 12, 4000))}." for y, e in zip(years, events, strict=True)]
    return f"## Geschiedenis van {subject}\n\n" + "\n\n".join(" ".join(lines[i : i + 4]) for i in (0, 4, 8))


def generate(out: Path, seed: int = 50) -> list[dict]:
    """Write 50 documents into `out` and return one question per document."""
    rng = random.Random(seed)
    makers = [gemeente, bedrijf, vereniging, product, onderzoek]
    out.mkdir(parents=True, exist_ok=True)
    questions = []
    for n in range(50):
        filename, text, question = makers[n % len(makers)](rng, n)
        subject = text.splitlines()[0].lstrip("# ")
        text += "\n\n" + history(rng, subject, english=filename.endswith(".en.md"))
        (out / filename).write_text(text + "\n", encoding="utf-8")
        questions.append({"id": f"g{n:02d}", "doc": filename, **question})
    return questions


if __name__ == "__main__":
    target = Path(sys.argv[1])
    found = generate(target)
    (target.parent / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in found))
    total = sum(len(p.read_text()) for p in target.iterdir())
    print(f"{len(found)} documents, {total} characters in {target}")
