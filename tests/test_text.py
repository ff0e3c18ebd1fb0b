"""The text toolkit, on invented texts."""

import pytest

from rag.chunking import Passage
from rag.language import clearly_other_language, detect_language
from rag.text import (
    Quantity,
    bounded_figures,
    compares_pair,
    content_stems,
    denied_words,
    fraction_percentages,
    linking_names,
    measures_in,
    meets_amount_bound,
    meets_bound,
    numbered_text,
    other_amounts,
    proportions_in,
    quantities_in,
    ranked_lower,
    sentences,
    stem,
    ungrouped,
    unsupported_facts,
    words,
)


def test_words_keep_hyphenated_compounds() -> None:
    assert words("De AI-start-up groeit, zegt men.") == ["de", "ai-start-up", "groeit", "zegt", "men"]


def test_stems_meet_across_inflections() -> None:
    assert stem("investeerde") == stem("investeren")
    assert stem("controlled") == stem("controls")
    assert "molen" in content_stems("De molens draaien") or "mol" in content_stems("De molens draaien")


def test_sentences_carry_document_offsets_once() -> None:
    text = "Eerste zin hier. Tweede zin daar."
    a = Passage("d.txt", 100, 100 + len(text), text)
    found = sentences([a, a])
    assert [s.text for s in found] == ["Eerste zin hier.", "Tweede zin daar."]
    assert [(s.start, s.end) for s in found] == [(100, 116), (117, 133)]


def test_language_of_short_questions() -> None:
    assert detect_language("Hoeveel kost een kaartje?") == "nl"
    assert detect_language("Is the bridge open on Sunday?") == "en"
    assert detect_language("") == "nl"


def test_short_answers_are_never_clearly_the_other_language() -> None:
    assert not clearly_other_language("Schierhorn.", "en")
    assert not clearly_other_language("45 minuten", "en")
    assert clearly_other_language("De overtocht naar het eiland duurt ongeveer drie kwartier.", "en")
    assert not clearly_other_language(
        "The crossing to the island takes about three quarters of an hour.", "en"
    )


def test_negations_in_both_languages() -> None:
    from rag.text import negates

    assert negates("Het wordt niet gebouwd.") and negates("Zonder vergunning.") and negates("It isn't open.")
    assert not negates("De nieuwe fabriek opent in mei.") and not negates("Nothingness")


def test_each_sentence_of_a_passage_gets_its_number_and_the_text_between_stays() -> None:
    text = "# Veer\n\nDe veerboot is oud. Hij vaart zes keer per dag."
    passage = Passage("veer.md", 100, 100 + len(text), text)
    numbered = sentences([passage])
    assert (
        numbered_text(passage, numbered)
        == "[1] # Veer\n\n[2] De veerboot is oud. [3] Hij vaart zes keer per dag."
    )
    # Numbers run on over the passages of one context.
    later = Passage("veer.md", 300, 314, "Het is gratis.")
    assert numbered_text(later, sentences([passage, later])).startswith("[4] Het")


@pytest.mark.parametrize(
    ("text", "percentages"),
    [
        ("Een kwart van de leden stemde.", {"25"}),
        ("Ongeveer een op de vijf bewoners fietst.", {"20"}),
        ("Twee derde van de daken heeft panelen.", {"67", "66.7"}),
        ("One third of the shares were sold.", {"33", "33.3"}),
        ("1 in 4 homes has a heat pump.", {"25"}),
        ("De bus kwam op 1 maart 2023 in dienst.", set()),  # a date, not a fraction
        ("Hij won 1 in 2021 en 2 in 2022.", set()),
        ("Driekwart van de bussen rijdt elektrisch.", {"75"}),
        ("Gooi de helft van het water weg.", {"50"}),
        ("3/4 of the homes have solar panels.", {"75"}),
        ("De derde fabriek opent in mei.", set()),  # an order, not a third
    ],
)
def test_fractions_read_as_percentages(text, percentages) -> None:
    assert fraction_percentages(text) == percentages


def test_a_percentage_may_stand_for_the_texts_fraction() -> None:
    text = "Een kwart van de ritten ging naar het station."
    assert unsupported_facts("25% van de ritten", [text]) == []
    assert unsupported_facts("40% van de ritten", [text]) == ["40"]


def test_a_fraction_in_the_answer_must_be_the_texts() -> None:
    text = "Three quarters of the homes have solar panels."
    assert unsupported_facts("3/4 of the homes", [text]) == []
    assert unsupported_facts("75% of the homes", [text]) == []
    assert unsupported_facts("2/3 of the homes", [text]) == ["2"]  # "three" is the text's
    assert unsupported_facts("een derde van de huizen", [text]) == ["een derde"]
    # Before a noun it is an order: "a third party" states no fraction.
    assert unsupported_facts("Ze werken met een derde partij.", [text]) == []


def test_measures_are_numbers_with_the_word_after_them() -> None:
    assert measures_in("Meng 50 gram meel met 50 ml water, in 2024 voor 3 miljard.") == {
        "50": {"gram", "ml"},
    }
    assert measures_in("De rit duurt 4,5 uur.") == {"4.5": {"uur"}}
    # Spelled out too, and a number is nobody's unit: "dag 1 twaalf uur" is 12 hours.
    assert measures_in("Laat het deeg op dag 1 twaalf uur rijzen.") == {"12": {"uur"}}
    assert measures_in("The bus takes sixteen minutes.") == {"16": {stem("minutes")}}


def test_a_number_the_text_spells_out_may_be_given_in_digits() -> None:
    text = "De pont vaart zes keer per dag en doet twaalf minuten over de overtocht."
    assert unsupported_facts("6 keer per dag, 12 minuten", [text]) == []
    assert unsupported_facts("7 keer per dag", [text]) == ["7"]
    # Asked with the spelled-out number, the text's other figure in that unit settles it.
    asked = "Duurt de overtocht twaalf minuten?"
    assert other_amounts("De pont doet 20 minuten over de overtocht.", asked) == [f"12 {stem('minuten')}"]


@pytest.mark.parametrize(
    ("text", "asked", "denied"),
    [
        ("De bakker verkoopt geen taart en blijft bij brood.", "Verkoopt de bakker taart?", ["taart"]),
        ("Het museum wordt niet door de gemeente betaald.", "Betaalt de gemeente het museum?", ["gemeente"]),
        ("Dogs are welcome, so cats cannot enter.", "Can cats enter the shop?", ["enter"]),
        ("The bridge does not open in winter.", "Does the bridge open in winter?", ["open", "winter"]),
        # The negation ends with its clause: "niet nieuw, maar oud" does not deny "oud".
        ("De boot is niet nieuw, maar oud.", "Is de boot oud?", []),
        ("De club is niet verhuisd en speelt thuis.", "Speelt de club thuis?", []),
        # Too far on: "nooit ... op zondag" reaches four words.
        ("De markt is nooit open geweest op zondag.", "Is er een markt op zondag?", []),
    ],
)
def test_a_negation_denies_the_words_right_after_it_in_its_clause(text, asked, denied) -> None:
    assert denied_words(text, asked) == denied


def test_an_ordinal_ranks_a_superlative_below_the_first() -> None:
    asked = "Is de toren het hoogste gebouw van de stad?"
    assert ranked_lower("De toren is het op één na hoogste gebouw van de stad.", asked) == [
        "op één na hoogste"
    ]
    assert ranked_lower("De toren is het tweede hoogste gebouw.", asked) == ["tweede hoogste"]
    assert ranked_lower("The tower is the second-tallest building.", "Is the tower the tallest?") == [
        "second-tallest"
    ]
    # An order before a noun ranks nothing; a question that asks for the rank is answered by it.
    assert ranked_lower("De stad bouwt een tweede toren.", "Bouwt de stad een toren?") == []
    assert (
        ranked_lower("De toren is het tweede hoogste gebouw.", "Is de toren het tweede hoogste gebouw?") == []
    )


def test_the_texts_other_number_for_the_asked_unit() -> None:
    text = "De molen maalt 300 kilo graan per dag."
    assert other_amounts(text, "Maalt de molen 500 kilo per dag?") == ["500 kilo"]
    assert other_amounts(text, "Maalt de molen 300 kilo per dag?") == []
    assert other_amounts(text, "Werken er 500 mensen?") == []  # another unit: not settled
    fund = "Het fonds geeft 45 miljoen euro."
    assert other_amounts(fund, "Geeft het fonds 54 miljoen euro?") == ["54 (e6)"]
    assert other_amounts(fund, "Geeft het fonds 45 miljoen euro?") == []
    assert other_amounts(fund, "Geeft het fonds 2 miljard euro?") == []  # another magnitude


def test_a_bounded_number_is_no_other_amount() -> None:
    text = "De molen maalt ongeveer 520 kilo graan per dag."
    assert other_amounts(text, "Maalt de molen meer dan 500 kilo per dag?") == []
    assert other_amounts(text, "Maalt de molen zo'n 500 kilo per dag?") == []
    assert other_amounts(text, "Maalt de molen 500 kilo per dag?") == ["500 kilo"]


def test_the_figures_a_question_bounds() -> None:
    assert bounded_figures("Gaat er meer dan 4 miljoen ton door, in 12 schepen?") == "4 miljoen"
    assert bounded_figures("Is it under €25000, or about a third of 90 days?") == "25000 a third"
    assert bounded_figures("Kost het 5 euro?") == ""


def test_figures_carry_their_unit_bound_and_rounding() -> None:
    assert quantities_in("Er gaat ruim 4,2 miljoen ton door, voor €2.5 million en 1.250.000 stuks.") == [
        Quantity(">", 4.2e6, 0.05e6, "ton"),
        Quantity("=", 2.5e6, 0.05e6, "euro"),
        Quantity("=", 1_250_000, 0.5, "stuk"),
    ]
    assert quantities_in("In 2024 voor het eerst; 4,200 mensen.") == []  # a stop word; "4,200" is ambiguous


@pytest.mark.parametrize(
    ("text", "asked", "met"),
    [
        ("Jaarlijks gaat er ongeveer 4,2 miljoen ton door.", "Gaat er meer dan 4 miljoen ton door?", True),
        ("Jaarlijks gaat er ongeveer 3,8 miljoen ton door.", "Gaat er meer dan 4 miljoen ton door?", False),
        ("Jaarlijks gaat er ongeveer 4 miljoen ton door.", "Gaat er meer dan 4 miljoen ton door?", None),
        ("The loan is at most €20,000.", "Is the loan under €25,000?", None),  # "20,000" ambiguous
        ("The loan is at most €20000.", "Is the loan under €25000?", True),
        ("The loan is at least €30000.", "Is the loan under €25000?", False),
        ("The loan is at least €20000.", "Is the loan under €25000?", None),  # open
        ("The bus takes 40 minutes, the train 25 minutes.", "Does it take over 30 minutes?", None),
        ("The bus takes 40 minutes.", "Does it weigh over 30 kilos?", None),  # another unit
        ("The bus takes 40 minutes.", "Does it take 30 minutes?", None),  # no bound asked
    ],
)
def test_a_figure_meets_or_misses_the_asked_bound(text, asked, met) -> None:
    assert meets_amount_bound(text, asked) is met


def test_a_hyphenated_name_is_known_by_its_parts() -> None:
    text = "Elke Zeerover-boot telt 40 zitplaatsen; de boten varen dagelijks."
    assert unsupported_facts("Varen de Zeerover-boten elke dag?", [text]) == []
    assert unsupported_facts("Vaart de Zeerover-Express?", [text]) == ["zeerover-express"]


def test_proportions_carry_the_bound_written_before_them() -> None:
    assert proportions_in("Hoogstens 40 procent, ruim een kwart en 12% van de rest.") == [
        ("<=", 40.0),
        (">", 25.0),
        ("=", 12.0),
    ]
    assert proportions_in("Is it more than half of the price?") == [(">", 50.0)]
    assert proportions_in("Half the town came.") == []  # "half" alone is no proportion


@pytest.mark.parametrize(
    ("text", "asked", "met"),
    [
        ("The grant pays at most 40 percent of the bill.", "Does it pay more than half?", False),
        ("The grant pays at least 60 percent of the bill.", "Does it pay more than half?", True),
        ("The grant pays at most 40 percent of the bill.", "Does it pay less than half?", True),
        ("Ongeveer een op de vijf bewoners fietst.", "Fietst meer dan 10 procent?", True),
        ("De gemeente houdt een kwart.", "Houdt de gemeente meer dan een derde?", False),
        ("The grant pays at least 30 percent.", "Does it pay more than half?", None),  # open
        ("The grant pays 30 percent, the town 20 percent.", "Does it pay more than half?", None),
        ("The grant pays 30 percent.", "Does it pay half?", None),  # no bound asked
    ],
)
def test_a_proportion_meets_or_misses_the_asked_bound(text, asked, met) -> None:
    assert meets_bound(text, asked) is met


@pytest.mark.parametrize(
    ("text", "asked", "first"),
    [
        ("De veerboot is sneller dan de trein.", "Is de trein sneller dan de veerboot?", False),
        ("De veerboot is sneller dan de trein.", "Is de veerboot sneller dan de trein?", True),
        ("The ferry is the cheaper of the two.", "Is the train cheaper than the ferry?", False),
        (
            "The ferry is less comfortable than the train.",
            "Is the ferry more comfortable than the train?",
            False,
        ),
        (
            "Een deeg in een warme keuken rijst sneller dan een deeg in een koude keuken.",
            "Rijst een deeg in een koude keuken sneller dan een deeg in een warme keuken?",
            False,
        ),
        # Where one thing is cut short ("dan in een koude"), its words on both sides do not
        # tell the frame from the difference: left to the model.
        (
            "Een deeg in een warme keuken rijst sneller dan in een koude.",
            "Rijst een deeg in een koude keuken sneller dan in een warme?",
            None,
        ),
        # Neither thing before the comparison, or a denial: the text does not tell.
        ("Sneller dan de trein is niets.", "Is de veerboot sneller dan de trein?", None),
        ("The ferry is not cheaper than the train.", "Is the train cheaper than the ferry?", None),
        ("De veerboot vertrekt om negen uur.", "Wat gebeurt er dan?", None),
        # No comparative right before "dan": a year is not one of two things compared.
        (
            "In 2024 maakte de bakkerij 900 taarten.",
            "Werden er in 2024 minder taarten gemaakt dan in 2023?",
            None,
        ),
    ],
)
def test_a_comparison_of_two_things_says_which_way_it_goes(text, asked, first) -> None:
    assert compares_pair(text, asked) is first


def test_a_number_grouped_by_thousands_is_the_same_number_written_without_them() -> None:
    text = ["De school heeft 4.750 leerlingen en een tuin van 2,5 hectare."]
    assert unsupported_facts("4750 leerlingen", text) == []
    assert unsupported_facts("4,750 pupils", text) == []
    assert unsupported_facts("2500", text) == ["2500"]  # a decimal is no grouping
    assert ungrouped("1.250.000") == "1250000" and ungrouped("2.5") == "2.5"


def test_the_names_a_bridge_sentence_brings_are_those_the_question_lacks() -> None:
    question = "Hoeveel leden heeft de club die traint bij de Oude Sluis?"
    document = "Het botenhuis van Spaanroei ligt aan het meer. Elke zomer roeit Spaanroei een race."
    bridge = "Spaanroei traint bij de Oude Sluis in het dorp Kleiveen."
    # Its first word is a name: the document writes it capitalised within a sentence.
    assert linking_names(bridge, question, document) == {"spaanroei", "kleiveen"}
    # A capitalised first word the document never writes so is no name.
    assert linking_names("Vanuit de Oude Sluis vaart een pont.", question, document) == set()
