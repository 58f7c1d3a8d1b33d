"""extractors.furniture: generic, per-page residual furniture, by family.

The furniture here is written in other words (and other languages) than the seeds': the seeds
only show which families exist. Body paragraphs that merely mention a furniture word stay.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.furniture import FAMILIES, FurnitureResult, Removed, strip_furniture

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

BODY = [
    "The Commerce Department on Tuesday widened its restrictions on advanced AI accelerators, adding "
    "three more countries to the list of destinations that need a licence for Nvidia's H20 and AMD's MI308.",
    "Officials said the rule was meant to close a loophole that let Chinese cloud providers rent capacity "
    "in data centres abroad, a practice that had grown quickly since the first controls in October 2022.",
    "Nvidia said in a filing that it expected no material impact this quarter, but warned that sales to "
    "the affected regions could fall by as much as a fifth over the coming year.",
    "Analysts in Shanghai said domestic suppliers such as Huawei and Cambricon stood to gain, although "
    "their chips still trail Nvidia's flagship parts on memory bandwidth and software support.",
    "Beijing's commerce ministry called the measures discriminatory and said it would take the steps "
    "needed to protect the rights of Chinese companies.",
]
ARTICLE = "\n".join(BODY)


def clean(text: str, **kw) -> FurnitureResult:
    return strip_furniture(text, **kw)


def kept(text: str, **kw) -> list[str]:
    return clean(text, **kw).text.split("\n")


def assert_body_intact(text: str, **kw) -> FurnitureResult:
    result = clean(text, **kw)
    assert result.text.split("\n") == BODY, result.removed
    return result


def families(result: FurnitureResult) -> set[str]:
    return {r.family for r in result.removed}


# --- the API ---------------------------------------------------------------------------------


def test_api_shapes():
    result = strip_furniture(ARTICLE + "\nAdvertisement")
    assert isinstance(result, FurnitureResult)
    assert result.removed == (Removed("Advertisement", "widget"),)
    assert all(r.family in FAMILIES for r in result.removed)


def test_clean_article_loses_nothing():
    result = strip_furniture(ARTICLE)
    assert result.text == ARTICLE and result.removed == ()


def test_naive_capture_with_blank_lines_comes_out_one_paragraph_a_line():
    assert strip_furniture("\n\n".join(BODY) + "\n\n\n").text == ARTICLE


def test_empty_and_blank():
    assert strip_furniture("").text == ""
    assert strip_furniture("  \n\n \t").text == ""


# --- families, in other words than the seeds ---------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        ["Haftungsausschluss: Dieser Beitrag stellt keine Anlageberatung dar."],
        ["Avertissement : cet article ne constitue pas un conseil en investissement."],
        ["Aviso legal: este contenido no constituye asesoramiento financiero y tiene fines informativos."],
        ["The views expressed here are those of the author and do not constitute investment advice."],
        ["© 2025 Example Media Group. All rights reserved."],
        ["We may earn a commission when you buy through links on our site."],
    ],
)
def test_disclaimers(tail):
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(tail))
    assert families(result) == {"disclaimer"}


@pytest.mark.parametrize(
    "lines",
    [
        ["Diesen Artikel teilen", "Link kopieren"],
        ["Partager sur Facebook", "Partager sur LinkedIn"],
        ["Compartir en WhatsApp"],
        ["Share on LinkedIn", "Share via Email"],
        ["Enjoyed this piece? Share it with your colleagues!"],
        ["Folgen Sie uns auf Twitter und Instagram."],
        ["Suivez-nous sur X et sur LinkedIn."],
        ["Síguenos en Facebook y en Instagram."],
        ["Follow our tech desk on Bluesky and Threads for more."],
    ],
)
def test_share_and_follow_prompts(lines):
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(lines))
    assert families(result) == {"share"}


@pytest.mark.parametrize(
    "lines",
    [
        ["Melden Sie sich für unseren Newsletter an und verpassen Sie keine Analyse."],
        ["Inscrivez-vous à notre lettre d'information hebdomadaire."],
        ["Suscríbete a nuestro boletín semanal sobre tecnología."],
        ["The Chip Brief", "Get our weekly briefing delivered straight to your inbox."],
        ["Never miss a story: sign up for our morning newsletter."],
    ],
)
def test_newsletter_prompts(lines):
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(lines))
    assert "newsletter" in families(result)


@pytest.mark.parametrize(
    "label",
    ["Lesen Sie auch", "À lire aussi", "Te puede interesar", "More from our markets desk", "Popular right now",
     "You might also like", "Recommended for you", "Meistgelesene Artikel", "Les plus lus", "Lo más leído",
     "Weiterführende Links", "Weitere Beiträge zum Thema", "Entdecke weitere Reportagen", "Kommende Veranstaltungen"],
)
def test_related_rails_at_the_bottom(label):
    headlines = [
        "Huawei's Ascend roadmap slips into next year",
        "Inside the race to build China's own HBM memory",
        "Why TSMC's Arizona fab matters for Washington",
    ]
    result = assert_body_intact(ARTICLE + "\n" + label + "\n" + "\n".join(headlines))
    assert families(result) == {"related"}
    assert len(result.removed) == 4


@pytest.mark.parametrize(
    "widget",
    ["LESEN SIE AUCH: Huawei baut eigene KI-Chips", "Read next: Nvidia's China revenue slides",
     "À lire aussi : la Chine accélère sur les puces", "[Related: The export rules, explained]",
     "Advertisement", "Anzeige", "Publicidad", "Story continues below advertisement", "Share this article",
     "Photo: Ann Wang / Reuters", "Image credit: Getty Images", "Page 2 of 3", "Seite 1 von 2",
     "Featured Advertising", "Sponsored Links"],
)
def test_unmistakable_single_line_widgets_mid_body(widget):
    text = "\n".join(BODY[:2] + [widget] + BODY[2:])
    result = assert_body_intact(text)
    assert [r.line for r in result.removed] == [widget]


@pytest.mark.parametrize("items", [
    ["- Mazda fertigt flexibler 4. November 2021", "- Spar-Spaß mit dem Cupra Formentor 2.0 TDI 3. November 2021",
     "3. November 2021", "- Französischer Gleiter 2. November 2021"],
    ["• Huawei prépare une nouvelle puce 12 mars 2025", "• Les règles américaines, expliquées 11 mars 2025"],
])
def test_an_unintroduced_run_of_dated_links_at_the_end(items):
    """Related links with their dates after them, in languages without Title Case headlines."""
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(items))
    assert families(result) == {"related"} and len(result.removed) == len(items)


def test_a_dated_list_the_article_introduces_stays():
    timeline = ["- Erste Regeln für KI-Chips 7. Oktober 2022", "- Verschärfung der Regeln 17. Oktober 2023"]
    text = ARTICLE + "\nDie Regeln kamen in zwei Schritten:\n" + "\n".join(timeline)
    assert strip_furniture(text).removed == ()


def test_a_syndicated_teaser_note_at_the_end():
    note = "The full article contains 345 words and appears in Press Association newspaper."
    result = assert_body_intact(ARTICLE + "\n" + note)
    assert [r.line for r in result.removed] == [note]


TEASERS = ["Other News in Science", "High-Altitude Telescope Will Begin Operation Shortly",
           "The observatory, a joint project of two space agencies, nears operational status after years of delays "
           "and will carry a telescope of two and a half metres to the stratosphere.",
           "NASA Sets February 7 As Atlantis' Launch Date",
           "NASA officials announced that February 7 is the new launch date of the space shuttle Atlantis, which will "
           "carry the European laboratory Columbus to the station.",
           "» E-mail To A Friend » Print » Text size:"]


@pytest.mark.parametrize("notice", ["© 2007 - 2008 - eFluxMedia", "©All rights reserved, news from Canadian Press",
                                    "Copyright (c) PA Sport 2008, All Rights Reserved."])
def test_what_follows_the_articles_copyright_notice(notice):
    """Other stories' headlines with their teaser sentences under the article's notice: the
    anchored pass stops at a sentence; most lines are headlines or furniture, so they go."""
    result = assert_body_intact(ARTICLE + "\n" + notice + "\n" + "\n".join(TEASERS))
    assert result.text == ARTICLE


def test_a_notice_followed_by_prose_or_a_credit_mid_body_keeps_the_text():
    prose = BODY[:3] + ["© 2024 Reuters"] + BODY[3:]  # the rest is paragraphs, not headlines
    assert strip_furniture("\n".join(prose)).text.count("\n") >= len(BODY) - 1
    caption = BODY[:2] + ["The new fab outside Phoenix, photographed in May. © AFP 2023"] + BODY[2:] + TEASERS[1:3]
    kept = strip_furniture("\n".join(caption)).text
    assert all(p in kept for p in BODY)


@pytest.mark.parametrize("meta", [
    "05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde - Tags: sad arrombamento veiculo",
    "New Delhi, News Nation Bureau | Updated : 19 November 2019, 09:01 AM",
    "Tuesday, 12 March 2024 | Reuters Staff",
])
def test_a_line_of_the_pages_metadata_at_either_edge(meta):
    for text in (meta + "\n" + ARTICLE, ARTICLE + "\n" + meta):
        result = assert_body_intact(text)
        assert [r.line for r in result.removed] == [meta]


def test_a_sentence_with_dashes_and_a_date_is_no_metadata():
    line = "Nvidia - the chipmaker - said on 5 May 2024 that it would comply with the rules"
    assert strip_furniture(line + "\n" + ARTICLE).removed == ()


def test_related_box_mid_body_takes_its_headlines():
    text = "\n".join(BODY[:2] + ["Mehr zum Thema", "Huawei stellt neuen KI-Chip vor", "Was die neuen Regeln bedeuten"] + BODY[2:])
    result = assert_body_intact(text)
    assert families(result) == {"related"} and len(result.removed) == 3


@pytest.mark.parametrize(
    "lines",
    [
        ["Schreibe einen Kommentar", "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert."],
        ["Laisser un commentaire", "Votre adresse e-mail ne sera pas publiée."],
        ["Deja una respuesta", "Tu dirección de correo electrónico no será publicada."],
        ["Les commentaires sont fermés."],
        ["12 comentarios"],
        ["Join the conversation"],
        ["17 Comments"],
        ["You must be logged in to post a comment."],
        ["Post Comment (+)"],
    ],
)
def test_comment_forms_and_stubs(lines):
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(lines))
    assert families(result) == {"comments"}


@pytest.mark.parametrize(
    "line",
    ["Foto: Kay Nietfeld / dpa", "Imagen: EFE", "Photo : AFP", "Picture courtesy of the company",
     "(Reporting by Jane Doe in Taipei; Editing by John Roe)", "Additional reporting by Max Muster in Berlin.",
     "Mit Material von dpa und Reuters"],
)
def test_credits(line):
    result = assert_body_intact(ARTICLE + "\n" + line)
    assert families(result) == {"credit"}


def test_toc_widget_glued_onto_first_word():
    text = "In this guide\nTable of ContentsThe Commerce Department" + ARTICLE[len("The Commerce Department"):]
    result = assert_body_intact(text)
    assert families(result) == {"widget"}
    assert Removed("Table of Contents", "widget") in result.removed


def test_glued_toggle_is_only_cut_at_a_capitalised_word():
    assert kept("Toggles and switches are what the new firmware exposes to users.") == [
        "Toggles and switches are what the new firmware exposes to users."
    ]


@pytest.mark.parametrize("line", ["Inhaltsverzeichnis", "Table des matières", "Show more", "Chargement en cours…",
                                  "Loading comments…", "Cargando..."])
def test_widget_labels_and_placeholders(line):
    result = assert_body_intact(line + "\n" + ARTICLE + "\n" + line)
    assert families(result) == {"widget"}


def test_own_url_split_over_two_lines_and_aggregator_chrome():
    url = "https://news.example.org/story/us-widens-ai-chip-rules-to-more-countries-7f3a9c"
    text = "\n".join(BODY + [url[:60], url[60:], "Read the full story", "Related questions",
                             "Will the new rule slow Huawei's cloud business?", "Who gains from the loophole closing?",
                             "Report this", "More actions"])
    result = assert_body_intact(text, url=url)
    assert {"url", "aggregator"} <= families(result)
    assert assert_body_intact(text).removed  # without the URL too


def test_french_and_spanish_aggregator_links():
    for tail in (["Lire la suite sur Les Échos", "Signaler ce contenu"], ["Seguir leyendo", "Denunciar"]):
        result = assert_body_intact(ARTICLE + "\n" + "\n".join(tail))
        assert families(result) == {"aggregator"}


def test_title_repeated_and_dateline_without_known_title():
    title = "Washington tightens the screws on AI chip exports"
    result = assert_body_intact(f"{title}\n\n{title}\n\n" + "\n\n".join(BODY))
    assert [r.family for r in result.removed] == ["title", "title"]
    result = assert_body_intact(f"{title}\nAktualisiert am 12.03.2025, 14:05 Uhr\n" + ARTICLE)
    assert [r.family for r in result.removed] == ["title", "dateline"]
    result = assert_body_intact(f"{title}\nPublié le 3 mars 2025 à 10h12\n" + ARTICLE)
    assert [r.family for r in result.removed] == ["title", "dateline"]


def test_title_known_with_site_suffix_and_section_label():
    result = assert_body_intact("Technology\nU.S. widens AI chip curbs\n" + ARTICLE,
                                title="U.S. widens AI chip curbs | Example News")
    assert [r.family for r in result.removed] == ["section", "title"]


def test_section_label_and_tags_at_the_bottom():
    result = assert_body_intact(ARTICLE + "\nWirtschaft\nÄhnliche Artikel\nSo teuer wird der Chipstreit\nTags: Nvidia, Exportkontrollen")
    assert {"section", "related"} <= families(result)


def test_summary_box_at_the_top():
    text = "\n".join(["Das Wichtigste in Kürze", "• Die USA weiten die Regeln aus", "• Nvidia erwartet kaum Folgen"] + BODY)
    result = assert_body_intact(text)
    assert families(result) == {"summary"}


def test_agency_blurb_and_address_at_the_top():
    text = "\n".join(["Wir sind eine Digitalagentur aus Berlin und entwickeln Apps für Unternehmen.",
                      "Musterstraße 12", "10115 Berlin", "Über 300 Bewertungen von Kunden"] + BODY)
    result = assert_body_intact(text)
    assert families(result) == {"blurb"}


@pytest.mark.parametrize(
    "lines",
    [
        ["One thought on \u201cWashington tightens the screws\u201d"],
        ["3 Responses to \u201cChip curbs\u201d", "Sign in to comment"],
        ["Kommentare (12)"],
        ["Share this:", "Like Loading..."],
        ["Getty Images"],
        ["Archivado en:", "Nvidia \u00b7 Huawei \u00b7 China"],
        ["Read more at Reuters"],
        ["Preguntas frecuentes", "\u00bfQui\u00e9n gana con las nuevas reglas?", "\u00bfQu\u00e9 har\u00e1 Pek\u00edn?"],
    ],
)
def test_more_phrasings_at_the_bottom(lines):
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(lines))
    assert len(result.removed) == len(lines)


def test_caption_with_agency_credit_mid_body():
    caption = "A worker inspects a wafer at a plant in Hsinchu. (AP Photo/Chiang Ying-ying)"
    result = assert_body_intact("\n".join(BODY[:2] + [caption] + BODY[2:]))
    assert families(result) == {"credit"}


# --- the guard: body text that merely mentions furniture words -------------------------------

GUARDED = [
    "Nvidia shareholders reacted calmly, and analysts said the disclaimer in its annual filing had already "
    "flagged the export risk.",
    "Cloud customers who subscribe to rented GPU capacity abroad would need to show who the end user is.",
    "The secretary's comments drew a sharp response from Beijing, which said it would share its concerns with "
    "the World Trade Organization.",
    "In a disclaimer attached to the filing, the company said it could not predict future licensing decisions.",
    "Follow-on rules are expected later this year, officials said.",
    "Readers of the agency's newsletter had been warned about the loophole in March.",
    "Photos from the launch event show Huawei's new chip next to an Nvidia board.",
    "Images taken from satellites show new fabs rising near Shanghai.",
]


def test_guard_paragraphs_mentioning_furniture_words_stay():
    for para in GUARDED:
        for text in (ARTICLE + "\n" + para, para + "\n" + ARTICLE, "\n".join(BODY[:2] + [para] + BODY[2:])):
            assert strip_furniture(text).text == text, (para, strip_furniture(text).removed)


def test_short_last_paragraph_after_a_mid_body_widget_stays():
    text = "\n".join(BODY[:3] + ["Advertisement"] + BODY[3:] + ["The rule takes effect on Friday."])
    assert kept(text) == BODY + ["The rule takes effect on Friday."]


@pytest.mark.parametrize(
    "first",
    ["On March 3, 2025, officials met in Geneva.", "2024 was a turbulent year for Nvidia's China business.",
     "Place your bets: the rules are coming, one official said.", "10 ways the new rules change the market"],
)
def test_first_body_line_that_looks_like_a_date_or_address_stays(first):
    text = first + "\n" + ARTICLE
    assert strip_furniture(text).text == text


def test_short_quote_after_a_share_bar_at_the_end_stays():
    text = "\n".join(BODY + ["Share this article", "\u201cWe will comply,\u201d the company said."])
    assert kept(text) == BODY + ["\u201cWe will comply,\u201d the company said."]


def test_final_list_of_phrases_after_a_sentence_stays():
    text = ARTICLE + "\nThe rule covers three kinds of chips.\n- accelerators sold to cloud providers\n- chips inside servers shipped abroad\n- parts for domestic supercomputers"
    assert strip_furniture(text).text == text


def test_list_introduced_by_the_article_stays():
    text = ARTICLE + "\nThe countries added on Tuesday are:\n- Malaysia and Thailand\n- The United Arab Emirates\n- Saudi Arabia"
    assert strip_furniture(text).text == text


# --- leftovers of real pages (issue 15): related-link lines, deal boxes, CJK prompts, tables of contents


@pytest.mark.parametrize(
    "line, family",
    [
        ("You Can Also Check: Gold Rate in Bhopal Today", "related"),
        ("Also read - Huawei ships its new accelerator to cloud providers", "related"),
        ("Must read: Five charts that explain the chip war", "related"),
        ("View Deal", "deal"),
        ("$299 at Amazon", "deal"),
        ("€1.299 bei MediaMarkt", "deal"),
        ("Check price at Best Buy", "deal"),
        ("続きを読むには会員登録が必要です", "newsletter"),
        ("この記事は有料会員限定です。残り1234文字", "newsletter"),
        ("로그인하고 전체 기사를 읽으세요", "newsletter"),
        ("Jump to: Reviews", "toc"),
    ],
)
def test_leftover_lines_go_anywhere(line, family):
    text = "\n".join(BODY[:2] + [line] + BODY[2:])
    result = assert_body_intact(text)
    assert [(r.line, r.family) for r in result.removed] == [(line, family)]


LEFTOVER_GUARDED = [
    "Nvidia's H20 sold for $12,000 at launch, and resellers in Shenzhen asked twice as much by the summer.",
    "Also, the ministry said it would check the final users of rented capacity before approving licences.",
    "同社は有料会員の数が前年から二割増えたと発表した。",  # a sentence about members, not a prompt
    "Check Point Software said the rules would not affect its business in the region this year.",
]


def test_leftover_guards_stay():
    for para in LEFTOVER_GUARDED:
        text = "\n".join(BODY[:2] + [para] + BODY[2:])
        assert strip_furniture(text).text == text, (para, strip_furniture(text).removed)


def test_table_of_contents_built_from_paragraph_starts():
    toc = ["In this article", "The Commerce Department on Tuesday…", "Officials said the rule…",
           "Analysts in Shanghai said…"]
    result = clean("\n".join(toc + BODY))
    assert result.text.split("\n") == BODY
    assert {r.family for r in result.removed} == {"toc"}


def test_table_of_contents_of_section_headings():
    body = [BODY[0], "Who is affected", BODY[1], BODY[2], "What Beijing said", BODY[3], "What comes next", BODY[4]]
    toc = ["Who is affected", "What Beijing said", "What comes next"]
    assert kept("\n".join(body[:1] + toc + body[1:])) == body


def test_a_block_repeated_down_the_page_is_not_a_table_of_contents():
    day = ["Pre-workout snack", "Drink 20 minutes before your workout", "Post-workout meal"]
    text = "\n".join([BODY[0]] + day + [BODY[1]] + day + [BODY[2]] + day + [BODY[3]])
    assert strip_furniture(text).text == text


# --- the seeds ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter:
    toks = _TOKEN.findall(text)
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i:i + n])


def _f1(true: str, pred: str) -> float:
    t, p = _shingles(true), _shingles(pred)
    tp = sum((t & p).values())
    if not tp:
        return 0.0
    precision, recall = tp / sum(p.values()), tp / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def _seed_pairs():
    if not (SEEDS / "raw").is_dir():
        return []
    return sorted((SEEDS / "raw").glob("*.txt"))


@pytest.mark.skipif(not (SEEDS / "raw").is_dir(), reason="../shared/seeds is not here")
@pytest.mark.parametrize("raw", _seed_pairs(), ids=lambda p: p.name[:3])
def test_seed_bodies(raw):
    truth = (SEEDS / "clean" / raw.name).read_text(encoding="utf-8")
    result = strip_furniture(raw.read_text(encoding="utf-8"))
    assert _f1(truth, result.text) >= 0.97
    truth_lines = {line.strip() for line in truth.splitlines() if line.strip()}
    left = [line for line in result.text.split("\n") if line and line not in truth_lines]
    assert left == [], left
    assert truth_lines <= set(result.text.split("\n"))


# --- properties --------------------------------------------------------------------------------

FURNITURE_SAMPLES = [
    "Share this article", "Advertisement", "Most read", "Comments are closed", "Leave a Reply",
    "Related News", "Photo: Jane Doe / Reuters", "Loading...", "Toggle", "questions", "flag content",
    "Subscribe to our newsletter", "Disclaimer: not investment advice.", "https://example.com/a-b-c",
    "Business", "What's Included?", "ToggleArtificial", "Sun Sep 08 2024", "In this post:", "• bullet",
    "Lesen Sie auch", "Tags: chips", "© 2024 Example", "- A headline in a list", "Why? Because.", "",
]
LINE = st.one_of(st.sampled_from(FURNITURE_SAMPLES + BODY + GUARDED), st.text(max_size=80))
TEXTS = st.lists(LINE, max_size=25).flatmap(
    lambda lines: st.sampled_from(["\n", "\n\n", "\r\n"]).map(lambda sep: sep.join(lines))
)
TITLES = st.one_of(st.none(), st.sampled_from(BODY[:1] + ["Business", "A headline in a list"]), st.text(max_size=40))
URLS = st.one_of(st.none(), st.just("https://example.com/a-b-c"), st.text(max_size=30))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, title=TITLES, url=URLS)
def test_never_raises_never_adds_text_and_is_idempotent(text, title, url):
    result = strip_furniture(text, title=title, url=url)
    assert isinstance(result.text, str)
    for line in result.text.split("\n"):
        assert line in text
    assert "\n\n" not in result.text
    again = strip_furniture(result.text, title=title, url=url)
    assert again.text == result.text
    for removed in result.removed:
        assert removed.line in text and removed.family in FAMILIES


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_text(text):
    result = strip_furniture(text)
    assert all(line in text for line in result.text.split("\n"))


# --- Chinese and Japanese pages: credits, sources, rights notices, related labels, dates ---------

ZH_BODY = [
    "美国商务部周二公布新规，要求英伟达在向中国出口H200芯片之前，必须先由第三方测试其人工智能能力，"
    "销往中国的芯片数量也不得超过其卖给美国客户总量的一半。",
    "此外，英伟达还必须证明美国境内有足够的H200芯片供应，中国客户也必须展示充分的安全程序，并承诺不会将芯片用于军事用途。",
    "不过，知情人士称，中国已告知部分科技公司，只有在大学研发实验室等特殊情况下才会批准采购英伟达H200芯片。",
]
JA_BODY = [
    "米商務省は、エヌビディアが中国に先端半導体を輸出する際、第三者による性能試験を義務付けると発表した。"
    "対象はH200で、販売数量も米国向けの半分までに制限される。",
    "中国政府は一部の企業に対し、大学の研究開発などの例外を除いて購入を認めない方針を伝えたという。",
]


@pytest.mark.parametrize(
    "top, bottom, body",
    [
        (["记者 张三 李四", "发布时间：2025年12月05日 10:30", "来源：新华网"],
         ["责任编辑：王五", "（编辑：赵六）", "版权声明：本文版权归原作者所有，未经授权不得转载。", "相关阅读", "英伟达发布新一代芯片",
          "华为昇腾芯片出货量大增"], ZH_BODY),
        (["某某新聞 / 王小明編譯", "記者王小明／台北報導", "（圖／路透社）", "2025年12月5日 週五"],
         ["※ 資料來源：路透社", "中央社(翻譯)", "本文為某某新聞授權刊登，原文標題為「輝達獲准出口H200晶片」", "延伸閱讀：《輝達H200獲准出口》"],
         ZH_BODY),
        (["2025年12月5日 10:30", "（写真＝ロイター）"],
         ["（ワシントン＝山田太郎）", "【関連記事】", "エヌビディア、中国向け新型半導体を開発", "無断転載・複製を禁じます"], JA_BODY),
    ],
)
def test_chinese_and_japanese_furniture_at_the_edges(top, bottom, body):
    result = strip_furniture("\n".join(top + body + bottom))
    assert result.text.split("\n") == body, result.removed
    assert {r.line for r in result.removed} == set(top + bottom)


def test_chinese_caption_with_photo_credit_mid_body():
    caption = "▲英伟达执行长黄仁勋在台北电脑展上演讲。（图／路透）"
    text = "\n".join(ZH_BODY[:1] + [caption] + ZH_BODY[1:])
    result = strip_furniture(text)
    assert result.text.split("\n") == ZH_BODY
    assert [(r.line, r.family) for r in result.removed] == [(caption, "credit")]


CJK_GUARDED = [
    # an interview's question starts with the reporter's label, and ends as a sentence
    "记者：您如何看待美国对英伟达芯片的出口管制？",
    # "without a licence" is the topic's own wording, not a rights notice
    "检方称，该公司未经许可向中国出口了价值数千万美元的英伟达芯片。",
    # a Chinese agency's name closing the last paragraph signs the story: it stays with it
    "黄仁勋表示，他将继续支持中国客户。（中央社）",
    "本文认为，出口管制在短期内难以阻止中国获得先进芯片。",
]


@pytest.mark.parametrize("para", CJK_GUARDED)
def test_chinese_sentences_that_share_the_labels_stay(para):
    for text in ("\n".join(ZH_BODY + [para]), "\n".join(ZH_BODY[:2] + [para] + ZH_BODY[2:]),
                 "\n".join([para] + ZH_BODY)):
        assert strip_furniture(text).text == text, (para, strip_furniture(text).removed)


# --- a site's footer inside the extraction: legal links, notes about the site ------------------


@pytest.mark.parametrize(
    "lines",
    [
        ["Privacy Policy | Terms of Use | Contact Us"],
        ["Copyright The Associated Press."],
        ["Send questions and comments about this website to the Newsroom Webmaster.",
         "For more information on this site, please read our Privacy Policy and Terms of Service."],
        ["Home page | RSS Feed | Site map | See the forecast | Contact us"],
        ["Impressum | Datenschutzerklärung | Nutzungsbedingungen"],
        ["Mentions légales - Politique de confidentialité"],
    ],
)
def test_site_footer_at_the_bottom(lines):
    result = assert_body_intact(ARTICLE + "\n" + "\n".join(lines))
    assert families(result) and families(result) <= {"disclaimer", "widget"}  # a link row is a menu too


@pytest.mark.parametrize(
    "last",
    ["The company updated its privacy policy on Tuesday to bar sales of accounts to buyers in China.",
     "Meta's terms of service ban the resale of compute credits, the filing says."],
)
def test_a_story_about_a_privacy_policy_keeps_its_last_paragraph(last):
    text = ARTICLE + "\n" + last
    assert strip_furniture(text).text == text


# --- rows of a layout table that held a menu ------------------------------------------------


MENU_ROWS = ["| My Wire |  |  | RSS |  | Mobile |  | Newsletter |  | Align Center |",
             "|  |  | HOME |  | F1 |  | NEWS |  | ARCHIVE |  | FORUMS |", "|  | Markets |  |"]


def test_menu_rows_of_layout_tables_go_at_the_edges_and_mid_body():
    text = "\n".join(MENU_ROWS[:2] + BODY[:2] + [MENU_ROWS[2]] + BODY[2:] + MENU_ROWS)
    result = assert_body_intact(text)
    assert families(result) == {"widget"}


@pytest.mark.parametrize(
    "rows",
    [
        ["| Pos. | Driver | Points |", "| 1 | Kyle Busch | 5040 |", "| 2 |  | 5035 |"],
        ["| Docker Desktop for Mac (macOS) |  |  |", "| Docker Desktop for Windows |  |  |"],
        ["|  | Predictable monthly repayments |  | Cannot be deducted from tax |"],
        ["| H20 |  | 96 GB |  |"],
    ],
)
def test_data_table_rows_with_empty_cells_stay(rows):
    text = "\n".join(BODY[:3] + rows + BODY[3:])
    assert strip_furniture(text).text == text, strip_furniture(text).removed


@pytest.mark.parametrize(
    "top",
    [["Home > Headlines > Commerce widens AI chip rules"], ["Startseite » Wirtschaft » Halbleiter"],
     ["News > World > Asia"], ["Canada | World | Business | Entertainment | Sport | Technology"]],
)
def test_breadcrumbs_and_menus_written_as_text_at_the_top(top):
    result = assert_body_intact("\n".join(top + BODY))
    assert families(result) == {"widget"}


@pytest.mark.parametrize(
    "line",
    ["To read this article in full you must be registered with the site.",
     "To continue reading, subscribe now.",
     "To read this article in full you must have registered and have a Premium Content Subscription."],
)
def test_paywall_notices(line):
    result = assert_body_intact(ARTICLE + "\n" + line + "\nSubscribe")
    assert families(result) == {"newsletter"}


def test_prose_with_angle_brackets_and_reading_stays():
    lines = ["To read the report, the committee said, lawmakers must first agree on its scope.",
             "Profits rose > 5% in the third quarter > analysts' 4% estimate > last year's 3%."]
    text = "\n".join(BODY[:2] + lines + BODY[2:])
    assert strip_furniture(text).text == text


@pytest.mark.parametrize("line", ["Others in the industry agreed.", "More from the region is expected.",
                                  "Latest on the list: Malaysia.", "More on that later.",
                                  "Copyright disputes were not part of the case.",
                                  "Subscribe-only briefings were held for lawmakers."])
def test_short_sentences_that_open_like_furniture_stay(line):
    """A rail label never ends on a full stop, a copyright notice names a year, a holder's rights
    or ©, a prompt is an imperative: these are the article's sentences."""
    for text in ("\n".join(BODY[:2] + [line] + BODY[2:]), ARTICLE + "\n" + line):
        assert strip_furniture(text).text == text, (line, strip_furniture(text).removed)
