from rag.answer_format import answer_part, is_refusal, strip_markers
from rag.chunking import Passage
from rag.citations import choose_citations, evidence_sentence
from rag.index import ScoredPassage
from rag.text import Sentence, amounts_in, names_in, numbers_in, sentences, unsupported_facts

P1 = "Dat meldt de Financial Times. De investering komt bovenop de 8 miljard dollar."
P2 = "Project Rainier in Indiana is goed voor 2,2 gigawatt aan stroomverbruik."
P3 = "Google, dat meer dan 3 miljard in Anthropic investeerde, blijft een medespeler."


def context() -> list[ScoredPassage]:
    texts = [P1, P2, P3]
    starts = [0, 100, 200]
    return [
        ScoredPassage(Passage("a.txt", s, s + len(t), t), score)
        for s, t, score in zip(starts, texts, [0.03, 0.02, 0.01], strict=False)
    ]


def test_numbers_read_decimal_comma_and_point_alike() -> None:
    assert numbers_in("2,2 gigawatt") == numbers_in("2.2 GW") == {"2.2"}


def test_amounts_know_magnitudes_in_both_languages() -> None:
    assert amounts_in("8 miljard dollar") == amounts_in("$8 billion") == {("8", "e9")}


def test_names_skip_sentence_starts_and_possessives() -> None:
    assert names_in("Yes, the money came from Anthropic's partner Amazon.") == {"anthropic", "amazon"}


def test_refusals_are_recognised() -> None:
    assert is_refusal("Dat staat niet in het artikel.")
    assert is_refusal("The article does not say.")
    assert not is_refusal("Amazon zegde 8 miljard toe.")


def test_markers_are_stripped() -> None:
    assert strip_markers("Het is 2,2 gigawatt [2].") == "Het is 2,2 gigawatt."
    assert strip_markers("Claude [2] en [3]") == "Claude"


def test_invented_facts_are_caught() -> None:
    passages = [P1, P2]
    assert unsupported_facts("Amazon zegde 8 miljard toe.", passages) == []
    assert unsupported_facts("Amazon invested 8 billion dollars.", passages) == []
    assert "9" in unsupported_facts("Het was 9 miljard.", passages)[0]
    assert unsupported_facts("It was 8 million.", passages) == ["8 (e6)"]
    assert unsupported_facts("De CEO is Dario Amodei.", passages) == ["amodei", "ceo", "dario"]


def test_citation_is_the_passage_holding_the_facts() -> None:
    cited = choose_citations("Project Rainier verbruikt 2,2 gigawatt.", "Hoeveel stroom?", context())
    assert [c.start for c in cited] == [100]
    assert cited[0].n == 1 and cited[0].text == P2


def test_citations_cover_facts_from_two_passages() -> None:
    answer = "Amazon zegde 8 miljard toe en Google investeerde 3 miljard."
    cited = choose_citations(answer, "Wie investeerde?", context())
    assert sorted(c.start for c in cited) == [0, 200]


def test_nothing_is_cited_without_support() -> None:
    assert choose_citations("Xyzzy.", "Qwerty?", context()) == []


def test_a_single_passage_is_cited_even_though_its_words_are_everywhere() -> None:
    only = [context()[1]]
    cited = choose_citations("Project Rainier ligt in Indiana.", "Waar ligt Project Rainier?", only)
    assert [c.start for c in cited] == [100]


def test_a_labelled_answer_is_read_past_its_labels() -> None:
    assert answer_part('Quote: "Dat meldt de Financial Times."\nAnswer: The Financial Times.') == (
        "The Financial Times."
    )
    assert answer_part("Gewoon een antwoord.") == "Gewoon een antwoord."
    assert answer_part("Quote: a\nAnswer: b\n\nQuote: c\nAnswer: d") == "b"


def test_the_evidence_is_the_sentence_holding_the_answers_facts() -> None:
    passage = context()[1].passage
    candidates = sentences([p.passage for p in context()])
    found = evidence_sentence("Het verbruikt 2,2 gigawatt.", "Hoeveel stroom?", candidates)
    assert found is not None and "2,2 gigawatt" in found[0].text and found[0].passage == passage
    assert found[1] > 0.5  # most of what the answer says
    nothing = evidence_sentence("Xyzzy.", "Hoeveel stroom?", candidates)
    assert nothing is not None and nothing[1] == 0.0  # a sentence, holding none of it
    assert evidence_sentence("Xyzzy.", "?", []) is None


def test_spelled_out_amounts_are_checked() -> None:
    assert amounts_in("twee miljoen") == {("2", "e6")}
    assert unsupported_facts("Amazon heeft twee miljoen medewerkers.", [P1]) == ["2 (e6)"]


def test_a_bare_yes_without_evidence_cites_nothing() -> None:
    assert choose_citations("Ja.", "Kost Project Rainier 2,2 gigawatt?", context()) == []
    rainier = context()[1].passage
    evidence = Sentence(rainier, rainier.start, rainier.end)
    cited = choose_citations("Ja.", "Kost het 2,2 gigawatt?", context(), evidence=evidence)
    assert [c.start for c in cited] == [100]


def test_each_citation_names_its_evidence_sentence() -> None:
    text = "De brug is oud. Hij is 40 meter lang en van ijzer. Er rijden trams over."
    passage = Passage("brug.txt", 10, 10 + len(text), text)
    cited = choose_citations(
        "De brug is 40 meter lang.", "Hoe lang is de brug?", [ScoredPassage(passage, 0.5)]
    )
    assert cited[0].sentence == "Hij is 40 meter lang en van ijzer."
    assert text[cited[0].sentence_start - 10 : cited[0].sentence_end - 10] == cited[0].sentence


def test_the_quoted_sentence_is_the_evidence_even_without_shared_facts() -> None:
    text = "De brug is oud. Hij is 40 meter lang. Er rijden trams over."
    passage = Passage("brug.txt", 0, len(text), text)
    evidence = Sentence(passage, 38, 59)
    assert evidence.text == "Er rijden trams over."
    cited = choose_citations(
        "Ja, trams.", "Rijden er trams?", [ScoredPassage(passage, 0.5)], evidence=evidence
    )
    assert cited[0].sentence == "Er rijden trams over."


FARM = (
    "De boerderij Hoeve Ooster ligt aan de dijk. Zij teelt aardappelen en uien. "
    "Op de markt verkoopt Marijke de Wit haar kaas. De hoeve is een erkende zorgboerderij. "
    "Kaasmakers uit de streek kopen er melk."
)


def farm() -> tuple[list[ScoredPassage], list[Sentence]]:
    passage = Passage("hoeve.txt", 0, len(FARM), FARM)
    return [ScoredPassage(passage, 0.5)], sentences([passage])


def test_a_name_from_another_sentence_than_the_evidence_is_cited_too() -> None:
    context, (dike, _crops, market, _care, kaas) = farm()
    cited = choose_citations("Hoeve Ooster en Marijke de Wit", "Welke namen noemt de tekst?", context, dike)
    assert [c.sentence for c in cited] == [dike.text, market.text]
    assert cited[1].start == cited[0].start  # the same passage, another sentence in it
    # A name may open the answer: a word the text writes with a capital wherever it uses it,
    # even where each use opens a sentence.
    cited = choose_citations("Marijke en de hoeve", "Wie wonen er?", context, dike)
    assert [c.sentence for c in cited] == [dike.text, market.text]
    cited = choose_citations("Kaasmakers en de hoeve", "Wie wonen er?", context, dike)
    assert [c.sentence for c in cited] == [dike.text, kaas.text]
    # A word the text also writes in lower case is no name.
    cited = choose_citations("Markt en hoeve", "Wat is er?", context, dike)
    assert [c.sentence for c in cited] == [dike.text]


def test_an_answer_that_took_nothing_from_its_evidence_cites_where_it_took_from() -> None:
    context, (dike, crops, _market, care, _kaas) = farm()
    cited = choose_citations("an erkende zorgboerderij", "What kind of farm is it?", context, dike)
    assert [c.sentence for c in cited] == [care.text]
    # One shared word is often chance: the evidence stands.
    cited = choose_citations("Ja, de markt.", "Verkoopt de hoeve iets?", context, crops)
    assert [c.sentence for c in cited] == [crops.text]
