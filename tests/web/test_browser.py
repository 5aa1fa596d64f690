"""The page in a real browser (headless Chromium): ask, abstain, check a quote, open a citation."""

from __future__ import annotations

import json

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from webtools import PHONE, screenshot, set_viewport

AGING = "How many people does Japan lose every day through aging?"
OFF_TOPIC = "How do I bake a chocolate cake?"
DOC_000 = "000_7df7bf7b1c44685e"
DOC_002 = "002_d4ea2832484711c0"


# WebDriverWait looks again every 0.5 s by default, which was most of a browser test's time.
POLL_S = 0.05


def until(driver, timeout: float, condition):
    return WebDriverWait(driver, timeout, poll_frequency=POLL_S).until(condition)


def wait_for(driver, selector: str, timeout: float = 30):
    return until(driver, timeout, ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def text_of(driver, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text


def ask(driver, base: str, question: str) -> None:
    driver.get(base + "/")
    box = wait_for(driver, "#question")
    box.send_keys(question, Keys.ENTER)


def in_viewport(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;", element)


def covered(driver, element) -> bool:
    """True when something (e.g. the sticky citation bar) sits on the middle of the element's first line."""
    return driver.execute_script(
        "const r = arguments[0].getClientRects()[0];"
        "const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return !(top === arguments[0] || arguments[0].contains(top));", element)


def fits_width(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth;")


def test_ask_shows_the_answer_highlighted_with_its_source(page, live_server):
    ask(page, live_server, AGING)
    answer = wait_for(page, "#answer")
    assert "2,500" in answer.find_element(By.CSS_SELECTOR, "mark").text
    assert "Asia Media Centre" in text_of(page, "#answer .source")
    assert "2 July 2025" in text_of(page, "#answer .source")
    confidence = page.find_element(By.CSS_SELECTOR, "#answer .confidence")
    level = next(c for c in ("high", "medium") if c in confidence.get_attribute("class").split())
    assert text_of(page, "#answer .confidence").startswith(f"{level.capitalize()} confidence")
    link = answer.find_element(By.LINK_TEXT, "Read it in the article").get_attribute("href")
    assert f"/read/{DOC_000}#" in link
    passages = page.find_elements(By.CSS_SELECTOR, "#ask-more li.passage")
    assert passages and passages[0].find_elements(By.CSS_SELECTOR, "mark")
    assert page.find_element(By.CSS_SELECTOR, "#ask-live").get_attribute("aria-live") == "polite"
    screenshot(page, "ask-desktop")
    set_viewport(page, PHONE)
    assert fits_width(page), "the page scrolls sideways on a phone"
    screenshot(page, "ask-phone")


def test_the_answer_phrase_is_bold_inside_the_marked_sentence(page, live_server):
    ask(page, live_server, "How many Chinese nationals lived in Japan at the end of 2024?")
    mark = wait_for(page, "#answer mark")
    assert mark.find_element(By.CSS_SELECTOR, "strong.answer-span").text == "approximately 870,000"
    assert "870,000 Chinese nationals were living in Japan" in mark.text  # the sentence stays marked whole


def test_ask_shows_a_clear_abstention(page, live_server):
    page.get(live_server + "/")
    # The page counts the articles from /documents (the corpus may not be the five seeds).
    until(page, 10, lambda d: "over five articles on" in text_of(d, ".tagline"))
    wait_for(page, "#question").send_keys(OFF_TOPIC, Keys.ENTER)
    abstain = wait_for(page, "#abstain")
    assert "don’t answer" in abstain.text
    assert "Nothing in the five articles answers" in abstain.text
    assert not page.find_elements(By.CSS_SELECTOR, "#answer")
    assert "Closest passages" in text_of(page, "#ask-more")


def test_a_misspelled_name_says_what_was_searched_instead(page, live_server):
    ask(page, live_server, "What book did Takehiro Masotomo write?")
    line = wait_for(page, "#did-you-mean")
    assert "Searched for Masutomo" in line.text and "you typed Masotomo" in line.text
    wait_for(page, "#answer, #abstain")  # answered or not is the answer model's call; the line shows either way
    screenshot(page, "ask-did-you-mean")


def test_chinese_and_japanese_are_typed_shown_and_marked_with_their_language(page, live_server):
    assert page.execute_script("return document.documentElement.lang") == "en"
    ask(page, live_server, "2024年大阪有多少中国籍居民？")
    assert "57,396" in wait_for(page, "#answer mark").text
    assert page.find_element(By.CSS_SELECTOR, "#question").get_attribute("value") == "2024年大阪有多少中国籍居民？"
    assert page.find_element(By.CSS_SELECTOR, '#ask-languages [lang="ja"]').text == "日本語"
    screenshot(page, "ask-chinese")
    ask(page, live_server, "如何烤巧克力蛋糕？")
    reason = wait_for(page, "#abstain .reason")
    assert reason.get_attribute("lang") == "zh" and "文章中没有" in reason.text
    font = page.execute_script("return getComputedStyle(arguments[0]).fontFamily", reason)
    assert "Noto Sans CJK SC" in font  # the Chinese font stack, not the Japanese one, comes first
    screenshot(page, "abstain-chinese")


def test_keyboard_alone_reaches_the_question_and_gets_an_answer(page, live_server):
    page.get(live_server + "/")
    wait_for(page, "#question")
    for _ in range(10):
        ActionChains(page).send_keys(Keys.TAB).perform()
        if page.switch_to.active_element.get_attribute("id") == "question":
            break
    focused = page.switch_to.active_element
    assert focused.get_attribute("id") == "question"
    assert page.execute_script("return getComputedStyle(document.activeElement).outlineStyle") != "none"
    focused.send_keys(AGING, Keys.ENTER)
    wait_for(page, "#answer mark")


@pytest.mark.parametrize(("quote", "verdict", "label"), [
    ("Japan is simple to enter and invest in.", "near", "Reworded"),
    ("Japan urgently needs foreign workers to fuel its economy", "exact", "Exact"),
    ("Cao says she regrets moving to Tokyo and plans to return to China next year.", "not_found", "Not found"),
])
def test_check_a_quote_shows_verdict_original_and_diff(page, live_server, quote, verdict, label):
    page.get(live_server + "/")
    page.find_element(By.LINK_TEXT, "Check a quote").click()
    box = wait_for(page, "#quote-text")
    box.send_keys(quote)
    page.find_element(By.CSS_SELECTOR, "#quote-form button[type=submit]").click()
    card = wait_for(page, "#verdict")
    assert card.find_element(By.CSS_SELECTOR, ".badge").text == label
    assert verdict in card.get_attribute("class").split()
    if verdict == "near":
        assert "Japan is easy to enter and invest in." in text_of(page, "#verdict blockquote.original")
        assert "easy" in text_of(page, "#verdict .diff del")
        assert "simple" in text_of(page, "#verdict .diff ins")
        assert "Asia Media Centre" in text_of(page, "#verdict .source")
    if verdict == "exact":
        assert quote in text_of(page, "#verdict blockquote.original")
        assert page.find_elements(By.CSS_SELECTOR, "#quote-more li.card"), "the second occurrence is listed"
    if verdict == "not_found":
        assert not page.find_elements(By.CSS_SELECTOR, "#verdict blockquote")
    screenshot(page, f"quote-{verdict}")


def check_quote(driver, base: str, quote: str):
    driver.get(base + "/#quote")
    box = wait_for(driver, "#quote-text")
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));",
                          box, quote)
    driver.find_element(By.CSS_SELECTOR, "#quote-form button[type=submit]").click()
    return wait_for(driver, "#verdict")


def toast(driver) -> str:
    until(driver, 5, lambda d: "copied" in d.find_element(By.ID, "status").text)
    return driver.find_element(By.ID, "status").text


def test_a_changed_figure_is_shown_as_a_material_change(page, live_server):
    card = check_quote(page, live_server, "Economist Jasper Koll estimates that Japan loses 3,500 people every "
                                          "day through aging.")
    assert card.find_element(By.CSS_SELECTOR, ".badge").text == "Altered"
    assert "altered" in card.get_attribute("class").split()
    change = text_of(page, "#verdict .material")
    assert "The figure differs from the source" in change and "2,500" in change and "3,500" in change
    assert "The figure differs" in text_of(page, "#verdict .explanation")
    assert "2,500" in text_of(page, "#verdict .diff del") and "3,500" in text_of(page, "#verdict .diff ins")
    screenshot(page, "quote-altered-figure")


def test_another_name_is_shown_as_a_material_change(page, live_server):
    card = check_quote(page, live_server, "Vietnamese residents now represent the largest group of foreign "
                                          "nationals in Japan, outnumbering Chinese.")
    assert card.find_element(By.CSS_SELECTOR, ".badge").text == "Altered"
    changes = text_of(page, "#verdict .material")
    assert changes.count("A name differs from the source") == 2 and "Vietnamese" in changes
    assert text_of(page, "#verdict .explanation").startswith("A name differs from the source")
    screenshot(page, "quote-altered-name")


def test_an_ellipsis_quote_is_exact_with_its_omissions_listed(page, live_server):
    card = check_quote(page, live_server, "Under the program, hundreds of thousands of young workers from Asia "
                                          "took jobs in Japanese farms ... and long-term care facilities.")
    assert card.find_element(By.CSS_SELECTOR, ".badge").text == "Exact"
    assert "ellipses stand for" in text_of(page, "#verdict .explanation")
    assert [li.text for li in page.find_elements(By.CSS_SELECTOR, "#verdict .omissions li")] == ["factories"]
    assert "farms, factories, and long-term care" in text_of(page, "#verdict blockquote.original")
    screenshot(page, "quote-ellipsis")


def test_a_long_exact_text_says_so_once(page, live_server):
    text = httpx.get(f"{live_server}/documents/{DOC_002}").json()["text"]
    check_quote(page, live_server, text[text.index("Cao reckons"):text.index("Cao is now plotting")].strip())
    assert text_of(page, "#verdict .badge") == "Exact"
    folded = page.find_element(By.CSS_SELECTOR, "#quote-more details#sentences")
    assert folded.get_attribute("open") is None, "the per-sentence cards repeat the verdict: folded away"


def test_a_copied_citation_carries_author_and_link(page, live_server):
    check_quote(page, live_server, "Japan is simple to enter and invest in.")
    page.find_element(By.XPATH, "//*[@id='verdict']//button[text()='Copy citation']").click()
    copied = toast(page)
    for part in ("Asia Media Centre", "Philip Turner", "“Chinese Run To Japan”", "2 July 2025",
                 "“Japan is easy to enter and invest in.”", f"{live_server}/read/{DOC_000}#2545-2582"):
        assert part in copied
    unknown = page.execute_script("return formatCitation(arguments[0])", {
        "doc_id": "x", "start": 0, "end": 5, "text": "Hello", "title": None, "publication": None, "author": None,
        "date": None, "url": "https://example.org/story", "link": "https://quotes.example.org/read/x#0-5"})
    assert unknown == ("unknown publication, unknown author, untitled, undated: “Hello” https://example.org/story "
                       "(excerpt: https://quotes.example.org/read/x#0-5)")
    page.find_element(By.CSS_SELECTOR, "#verdict details.formats summary").click()
    page.find_element(By.CSS_SELECTOR, "#verdict button[data-format=csl]").click()
    [item] = json.loads(toast(page).split("copied: ", 1)[1])
    assert item["author"] == [{"literal": "Philip Turner"}] and item["issued"] == {"date-parts": [[2025, 7, 2]]}
    assert item["container-title"] == "Asia Media Centre" and item["URL"].endswith(f"/read/{DOC_000}#2545-2582")
    bibtex = page.execute_script("return formatBibtex(arguments[0])", {
        "doc_id": DOC_000, "start": 1, "end": 2, "text": "50% & more", "title": "Chinese Run To Japan",
        "publication": "Asia Media Centre", "author": "Philip Turner", "date": "2025-07-02", "url": None,
        "link": "http://h/read/x#1-2"})
    assert bibtex.startswith("@article{Turner2025_1,") and "author = {Philip Turner}" in bibtex
    assert "note = {Quoted: 50\\% \\& more. Excerpt: http://h/read/x\\#1-2}" in bibtex
    assert "url = {http://h/read/x#1-2}" in bibtex


def test_a_shared_quote_link_reproduces_the_check(page, live_server):
    quote = "Japan is stable...It has rational politics"
    check_quote(page, live_server, quote)
    shared = page.current_url
    assert shared == f"{live_server}/?quote=Japan%20is%20stable...It%20has%20rational%20politics#quote"
    page.find_element(By.ID, "copy-check-link").click()
    assert "Link to this check copied: " + f"{live_server}/?quote=Japan+is+stable...It+has+rational+politics#quote" \
        in toast(page)
    page.get("about:blank")
    page.get(f"{live_server}/?quote=Japan+is+stable...It+has+rational+politics")
    card = wait_for(page, "#verdict")
    assert page.find_element(By.ID, "quote-text").get_attribute("value") == quote
    assert card.find_element(By.CSS_SELECTOR, ".badge").text == "Exact"
    assert not page.find_element(By.ID, "quote").get_attribute("hidden")
    screenshot(page, "quote-shared-link")


def test_a_text_over_the_limit_is_refused_with_the_limit_shown(page, live_server):
    page.get(live_server + "/#quote")
    box = wait_for(page, "#quote-text")
    page.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));",
                        box, "Japan is stable. " * 353)
    assert "6,001 / 5,000 characters: 1,001 over the limit" in text_of(page, "#quote-count")
    page.find_element(By.CSS_SELECTOR, "#quote-form button[type=submit]").click()
    assert "over the limit of 5,000. Nothing was cut" in wait_for(page, "#quote-live .error").text
    assert len(box.get_attribute("value")) == 6001


def test_a_citation_opens_the_article_with_the_span_highlighted_in_view(page, live_server):
    ask(page, live_server, AGING)
    wait_for(page, "#answer").find_element(By.LINK_TEXT, "Read it in the article").click()
    mark = wait_for(page, "mark#cited")
    start, end = (int(x) for x in page.current_url.split("#")[1].split("-"))
    text = httpx.get(f"{live_server}/documents/{DOC_000}").json()["text"]
    cited = "".join(m.text for m in page.find_elements(By.CSS_SELECTOR, "mark.cited"))
    assert cited == text[start:end]
    until(page, 5, lambda d: in_viewport(d, mark))
    assert page.execute_script("return window.scrollY") > 0, "the span should be scrolled to"
    assert page.switch_to.active_element == mark
    for part in ("Asia Media Centre", "Philip Turner", "“Chinese Run To Japan”", "2 July 2025", text[start:end],
                 page.current_url):
        until(page, 5, lambda d: part in d.find_element(By.ID, "citation-text").text)
    page.find_element(By.ID, "copy-citation").click()
    until(page, 5, lambda d: "Citation copied" in d.find_element(By.ID, "status").text)


def test_a_shared_link_deep_in_a_long_article(page, live_server):
    """A link opened cold: the span is highlighted and scrolled into view, on a desktop and on a phone."""
    text = httpx.get(f"{live_server}/documents/{DOC_002}").json()["text"]
    for size, (start, end), name in ((None, (19437, 19509), "read-desktop"),
                                     (PHONE, (19678, 19759), "read-phone")):
        if size:
            set_viewport(page, size)
        page.get(f"{live_server}/read/{DOC_002}#{start}-{end}")
        mark = wait_for(page, "mark#cited")
        assert mark.text == text[start:end]
        until(page, 5, lambda d: in_viewport(d, mark) and not covered(d, mark))
        assert page.execute_script("return window.scrollY") > 1000
        assert "Financial Times" in page.find_element(By.ID, "citation-text").get_attribute("textContent")
        assert fits_width(page)
        screenshot(page, name)


def test_a_citation_outside_the_article_says_so(page, live_server):
    page.get(f"{live_server}/read/{DOC_002}#999990-999999")
    assert "outside this article" in wait_for(page, "#read-results .error").text
    assert not page.find_elements(By.CSS_SELECTOR, "mark.cited")
