/* Run-ri Q&A web page: ask, check a quote, read an article at a cited span.
   Plain DOM code, no framework, no build step. Every text from the API is inserted as text, never HTML. */
"use strict";

const $ = (selector) => document.querySelector(selector);

/** el("a", {href: "/"}, "text", child) — attributes set as attributes, children appended as text/nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** GET (no body) or POST JSON; an API error {error, message} becomes an Error with that message. */
async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
  };
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new Error("The service cannot be reached. Is it still running?");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error((data && data.message) || `The service answered ${response.status}.`);
  return data;
}

/* Offsets from the API count Unicode code points (Python), JS strings count UTF-16 units: slice by code point. */
const codePoints = (text) => Array.from(text);
const slice = (chars, start, end) => chars.slice(start, end).join("");

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

function formatDate(iso) {
  if (!iso) return null;
  const [year, month, day] = iso.split("-").map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

const percent = (x) => `${Math.round(x * 100)}%`;
const readLink = (src) => `/read/${encodeURIComponent(src.doc_id)}#${src.start}-${src.end}`;
const oneLine = (text) => text.replace(/\s+/g, " ").trim();
/** The shareable link: the API puts it on RUNRI_PUBLIC_URL (or this host); older data gets this origin. */
const shareLink = (src) => src.link || `${location.origin}${readLink(src)}`;

/* ---------- citations: plain text, CSL-JSON, BibTeX ---------- */

/** Publication, author, "title", date, the quoted text and its links: what a journalist pastes into notes.
    A field the article does not state is named as unknown, never left out silently. */
function formatCitation(src) {
  const where = [
    src.publication || "unknown publication",
    src.author || "unknown author",
    src.title ? `“${src.title}”` : "untitled",
    formatDate(src.date) || "undated",
  ].join(", ");
  const original = src.url ? ` ${src.url}` : "";
  return `${where}: “${oneLine(src.text)}”${original} (excerpt: ${shareLink(src)})`;
}

/** One CSL-JSON item (the format Zotero, Mendeley and pandoc read), as JSON text. */
function formatCslJson(src) {
  const item = {
    id: `${src.doc_id}:${src.start}-${src.end}`,
    type: "article-newspaper",
    title: src.title || undefined,
    "container-title": src.publication || undefined,
    author: src.author ? [{literal: src.author}] : undefined,
    issued: src.date ? {"date-parts": [src.date.split("-").map(Number)]} : undefined,
    URL: src.url || shareLink(src),
    note: `Quoted: “${oneLine(src.text)}” Excerpt: ${shareLink(src)}`,
  };
  return JSON.stringify([item], null, 2);
}

/** Braces and backslashes escaped; outside `url`, LaTeX's special characters too. */
function bibtexValue(name, text) {
  const braced = text.replace(/[\\{}]/g, (c) => `\\${c}`);
  return name === "url" ? braced : braced.replace(/[%&$#_]/g, (c) => `\\${c}`);
}

/** One BibTeX @article entry; unknown fields are left out, as BibTeX expects. */
function formatBibtex(src) {
  const key = `${(src.author || src.publication || "article").split(/\s+/).pop().replace(/\W/g, "")}` +
    `${src.date ? src.date.slice(0, 4) : "nd"}_${src.start}`;
  const fields = [
    ["author", src.author], ["title", src.title], ["journal", src.publication], ["date", src.date],
    ["url", src.url || shareLink(src)],
    ["note", `Quoted: ${oneLine(src.text)}. Excerpt: ${shareLink(src)}`],
  ].filter(([, value]) => value);
  return `@article{${key},\n${fields.map(([name, value]) => `  ${name} = {${bibtexValue(name, value)}}`).join(",\n")}\n}`;
}

function sourceLine(src) {
  return el("p", {class: "source"},
    el("cite", {}, src.title || "Untitled article"), " — ",
    src.publication || "Unknown publication",
    src.author ? ` · ${src.author}` : "",
    " · ", formatDate(src.date) || "undated");
}

/* ---------- status toast and copying ---------- */

let toastTimer;
function announce(message) {
  const status = $("#status");
  status.textContent = message;
  status.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => status.classList.remove("shown"), 6000);
}

/** The Clipboard API needs a secure context (not a LAN http address): fall back to a hidden textarea. */
async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) { /* fall through */ }
  const focused = document.activeElement;
  const area = el("textarea", {class: "offscreen", readonly: true, "aria-hidden": "true"});
  area.value = text;
  document.body.append(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
  area.remove();
  if (focused) focused.focus();
  return copied;
}

const FORMATS = {
  text: ["Citation", formatCitation],
  csl: ["CSL-JSON citation", formatCslJson],
  bibtex: ["BibTeX citation", formatBibtex],
};

async function copyCitation(src, format = "text") {
  const [name, formatter] = FORMATS[format];
  const citation = formatter(src);
  const copied = await copyText(citation);
  announce(copied ? `${name} copied: ${citation}` : `Copying failed; select and copy this: ${citation}`);
}

/** "Copy citation" (plain text) plus the reference-manager formats, folded away until wanted. */
function copyButtons(src) {
  return [
    el("button", {type: "button", class: "secondary", onclick: () => copyCitation(src)}, "Copy citation"),
    el("details", {class: "formats"}, el("summary", {}, "Other formats"),
      el("button", {type: "button", class: "secondary", "data-format": "csl",
        onclick: () => copyCitation(src, "csl")}, "Copy CSL-JSON"),
      el("button", {type: "button", class: "secondary", "data-format": "bibtex",
        onclick: () => copyCitation(src, "bibtex")}, "Copy BibTeX")),
  ];
}

function citeActions(src, label = "Read it in the article") {
  return el("div", {class: "actions"},
    el("a", {href: readLink(src), class: "button-link"}, label),
    copyButtons(src));
}

/** `text` starts at document offset `base`; `spans` are document offsets; each becomes a <mark>. */
function marked(text, base, spans) {
  const chars = codePoints(text);
  const parts = [];
  let pos = 0;
  const local = spans.map((s) => [Math.max(0, s.start - base), Math.min(chars.length, s.end - base)])
    .filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  for (const [a, b] of local) {
    const from = Math.max(a, pos);
    if (from >= b) continue;
    if (from > pos) parts.push(slice(chars, pos, from));
    parts.push(el("mark", {}, slice(chars, from, b)));
    pos = b;
  }
  if (pos < chars.length) parts.push(slice(chars, pos));
  return parts;
}

/* ---------- Ask ---------- */

/** Up to `max` characters of context next to the answer, cut at a word and marked with an ellipsis. */
function trimContext(text, max, side) {
  if (text.length <= max) return text;
  if (side === "before") return "…" + text.slice(text.length - max).replace(/^\S*\s/, "");
  return text.slice(0, max).replace(/\s\S*$/, "") + "…";
}

/** The answer sentence, marked; the exact answer phrase inside it (answer.span), when there is one, in bold. */
function answerMark(answer) {
  if (!answer.span) return el("mark", {}, answer.text);
  const chars = codePoints(answer.text);
  const [a, b] = [answer.span.start - answer.start, answer.span.end - answer.start];
  return el("mark", {}, slice(chars, 0, a), el("strong", {class: "answer-span"}, slice(chars, a, b)), slice(chars, b));
}

function answerCard(result) {
  const answer = result.answer;
  const passage = result.passages.find((p) =>
    p.doc_id === answer.doc_id && p.start <= answer.start && answer.end <= p.end);
  const quote = el("blockquote", {class: "excerpt"});
  if (passage) {
    const chars = codePoints(passage.text);
    quote.append(trimContext(slice(chars, 0, answer.start - passage.start), 160, "before"),
      answerMark(answer),
      trimContext(slice(chars, answer.end - passage.start), 160, "after"));
  } else {
    quote.append(answerMark(answer));
  }
  const bar = el("span", {class: "bar", "aria-hidden": "true"}, el("span"));
  bar.firstChild.style.width = percent(result.confidence);
  return el("article", {class: "card answer", id: "answer"},
    el("h2", {}, "Answer"),
    quote,
    sourceLine(answer),
    el("p", {class: `confidence ${result.confidence_level}`},
      `${LEVELS[result.confidence_level] || "Confidence"} `, el("strong", {}, percent(result.confidence)), bar),
    citeActions(answer));
}

// The confidence is a calibrated probability that the answer sentence answers the question.
const LEVELS = {high: "High confidence", medium: "Medium confidence", low: "Low confidence"};

function abstainCard(result) {
  const reason = result.abstained_reason || "no sentence is close enough to the question";
  return el("article", {class: "card abstain", id: "abstain"},
    el("h2", {}, "The articles don’t answer this"),
    el("p", {}, `Nothing in ${theArticles()} answers the question: `,
      el("span", {lang: result.language || "en", class: "reason"}, reason), "."),
    el("p", {class: "meta confidence low"}, `Low confidence: ${percent(result.confidence)} that the closest sentence `
      + "answers it. ",
      "Try other words, or read the closest passages below."));
}

function passageItem(p) {
  return el("li", {class: "card passage"},
    el("blockquote", {class: "excerpt"}, marked(p.text, p.start, p.highlights || [])),
    sourceLine(p),
    el("p", {class: "meta"}, `Found by ${p.retrievers.join(" + ")} search`),
    citeActions(p, "Open in the article"));
}

function alsoItem(c) {
  return el("li", {class: "card also"},
    el("blockquote", {class: "excerpt"}, c.text),
    sourceLine(c),
    el("p", {class: "meta"}, `Similarity to the answer ${percent(c.similarity)}`),
    citeActions(c, "Open in the article"));
}

// "Searched for Masutomo (you typed Masotomo)": the corrections the service made to names.
function didYouMean(result) {
  const pairs = Object.entries(result.did_you_mean || {});
  if (!pairs.length) return [];
  const parts = pairs.flatMap(([typed, term], i) => [i ? ", " : "", el("strong", {}, term),
    " (you typed ", el("span", {class: "typed"}, typed), ")"]);
  return [el("p", {class: "did-you-mean", id: "did-you-mean"}, "Searched for ", ...parts)];
}

function renderAsk(result) {
  const more = [];
  if (result.answer && result.also_reported_in.length) {
    more.push(el("section", {class: "group"},
      el("h2", {}, "Also reported in"),
      el("ul", {class: "cards"}, result.also_reported_in.map(alsoItem))));
  }
  if (result.passages.length) {
    more.push(el("section", {class: "group"},
      el("h2", {}, result.answer ? "Supporting passages" : "Closest passages (they do not answer it)"),
      el("ol", {class: "cards"}, result.passages.map(passageItem))));
  }
  $("#ask-live").replaceChildren(...didYouMean(result), result.answer ? answerCard(result) : abstainCard(result));
  $("#ask-more").replaceChildren(...more);
}

/* ---------- Check a quote ---------- */

const VERDICTS = {
  exact: ["Exact", "The text appears word for word in the article."],
  near: ["Reworded", "Close to the article, but some words were changed, added or dropped."],
  altered: ["Altered", "The wording matches the article, but the quote changes what it says."],
  paraphrase: ["Paraphrase", "The same idea in other words: the original wording is below."],
  not_found: ["Not found", () => `Nothing in ${theArticles()} is close to this text.`],
};

const explain = (text) => (typeof text === "function" ? text() : text || "");

const MATERIAL = {
  figure: "The figure differs from the source",
  negation: "A negation was added or dropped",
  name: "A name differs from the source",
};

const badge = (verdict) => el("span", {class: `badge ${verdict}`}, (VERDICTS[verdict] || [verdict])[0]);

/** Word-level diff: <del> the article's words, <ins> the pasted ones; an ellipsis shows what it stands for. */
function renderDiff(ops) {
  const line = el("p", {class: "diff"});
  ops.forEach((op, i) => {
    if (i) line.append(" ");
    const pasted = (op.pasted || "").trim();
    const original = (op.original || "").trim();
    if (op.op === "equal") {
      line.append(original || pasted);
      return;
    }
    if (op.op === "omit") {
      line.append(el("span", {class: "omitted"}, el("span", {class: "sr-only"}, "[omitted: "),
        pasted || "…", " ", el("s", {}, original), el("span", {class: "sr-only"}, "]")));
      return;
    }
    if (original) line.append(el("del", {}, el("span", {class: "sr-only"}, "[article: "), original,
      el("span", {class: "sr-only"}, "]")));
    if (original && pasted) line.append(" ");
    if (pasted) line.append(el("ins", {}, el("span", {class: "sr-only"}, "[yours: "), pasted,
      el("span", {class: "sr-only"}, "]")));
  });
  return line;
}

/** A changed figure, negation or name, said first and plainly: it changes the claim. */
function materialList(match) {
  if (!match.material_changes || !match.material_changes.length) return null;
  return el("ul", {class: "material"}, match.material_changes.map((change) => el("li", {},
    el("strong", {}, `${MATERIAL[change.kind] || change.kind}: `),
    change.original ? el("del", {}, change.original) : el("em", {}, "nothing"), " in the article, ",
    change.pasted ? el("ins", {}, change.pasted) : el("em", {}, "nothing"), " in your text.")));
}

function omissionList(match) {
  if (!match.omissions || !match.omissions.length) return [];
  return [
    el("h3", {}, match.omissions.length === 1 ? "What the ellipsis leaves out" : "What the ellipses leave out"),
    el("ol", {class: "omissions"}, match.omissions.map((o) => el("li", {}, el("q", {}, o.text)))),
  ];
}

function matchDetails(match, heading) {
  const parts = [
    materialList(match),
    el(heading, {}, "Original wording"),
    el("blockquote", {class: "excerpt original"}, match.text),
  ];
  if (match.diff && match.diff.some((op) => op.op !== "equal")) {
    const edited = match.diff.some((op) => !["equal", "omit"].includes(op.op));
    parts.push(el(heading, {}, match.verdict === "exact" ? "How it was shortened" : "What changed"),
      renderDiff(match.diff),
      edited ? el("p", {class: "legend meta"}, el("del", {}, "struck out"), ": the article’s words; ",
        el("ins", {}, "underlined"), ": your text’s words") : null);
  }
  parts.push(...omissionList(match), sourceLine(match),
    el("p", {class: "meta"}, `Match score ${percent(match.score)}`), citeActions(match));
  return parts;
}

function verdictText(result) {
  const best = result.whole.matches[0];
  const partly = result.verdict === "not_found" && result.sentences.some((s) => s.matches.length);
  if (partly) return `The text as a whole is not in ${theArticles()}, but some of its sentences are: see below.`;
  if (result.verdict === "exact" && best && best.omissions && best.omissions.length) {
    return "Each part appears word for word in the article, in order; the ellipses stand for the passages listed below.";
  }
  if (result.verdict === "altered" && best) {
    const kinds = new Set(best.material_changes.map((c) => c.kind));
    const what = kinds.has("figure") ? "The figure" : kinds.has("negation") ? "A negation" : "A name";
    return `${what} differs from the source: the rest of the wording matches the article.`;
  }
  return explain((VERDICTS[result.verdict] || [])[1]);
}

/** The sentence-by-sentence cards, folded away when the whole text is exact (they would say it again). */
function sentenceSection(result) {
  const list = el("ol", {class: "cards"}, result.sentences.map((s) =>
    el("li", {class: "card sentence"},
      el("p", {}, badge(s.verdict), " ", el("q", {}, s.text)),
      s.matches[0] ? matchDetails(s.matches[0], "h3") : null)));
  if (result.verdict === "exact") {
    return el("details", {class: "group sentences", id: "sentences"},
      el("summary", {}, `Sentence by sentence (${result.sentences.length}, each found too)`), list);
  }
  return el("section", {class: "group sentences", id: "sentences"}, el("h2", {}, "Sentence by sentence"), list);
}

function shareCheckButton(result) {
  const link = result.link || `${location.origin}/?quote=${encodeURIComponent(result.text)}#quote`;
  return el("button", {type: "button", class: "secondary", id: "copy-check-link", onclick: async () => {
    const copied = await copyText(link);
    announce(copied ? `Link to this check copied: ${link}` : `Copying failed; select and copy this: ${link}`);
  }}, "Copy link to this check");
}

function renderQuote(result) {
  const whole = result.whole;
  const best = whole.matches[0];
  const card = el("article", {class: `card verdict ${result.verdict}`, id: "verdict"},
    el("h2", {}, "Verdict: ", badge(result.verdict)),
    el("p", {class: "explanation"}, verdictText(result)),
    result.partial ? el("p", {class: "partial", role: "status"}, `Partial result: ${result.note}.`) : null,
    best ? matchDetails(best, "h3") : null,
    el("div", {class: "actions"}, shareCheckButton(result)));
  const more = [];
  if (whole.matches.length > 1) {
    more.push(el("section", {class: "group"},
      el("h2", {}, "Also found at"),
      el("ul", {class: "cards"}, whole.matches.slice(1).map((m) =>
        el("li", {class: "card"}, badge(m.verdict), matchDetails(m, "h3"))))));
  }
  if (result.sentences.length) more.push(sentenceSection(result));
  $("#quote-live").replaceChildren(card);
  $("#quote-more").replaceChildren(...more);
}

/** "1,234 / 5,000 characters"; over the limit it says so, and the check is refused, never cut. */
function updateCounter() {
  const box = $("#quote-text");
  const counter = $("#quote-count");
  const limit = Number(box.dataset.limit);
  const length = codePoints(box.value).length;
  const over = length - limit;
  counter.textContent = over > 0
    ? `${length.toLocaleString("en")} / ${limit.toLocaleString("en")} characters: ${over.toLocaleString("en")} over the limit. Shorten it or check it in parts.`
    : `${length.toLocaleString("en")} / ${limit.toLocaleString("en")} characters`;
  counter.classList.toggle("over", over > 0);
  box.setAttribute("aria-invalid", over > 0 ? "true" : "false");
  return over;
}

/* ---------- forms ---------- */

/** Runs `work` for a form submit, with a busy message, and shows API errors in the results. */
function handleForm(form, prefix, work) {
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const results = $(`#${prefix}-results`);
    results.setAttribute("aria-busy", "true");
    $(`#${prefix}-more`).replaceChildren();
    $(`#${prefix}-live`).replaceChildren(el("p", {class: "loading"}, "Searching the articles…"));
    try {
      await work();
    } catch (err) {
      $(`#${prefix}-live`).replaceChildren(el("p", {class: "card error", role: "alert"}, err.message));
    } finally {
      busy = false;
      results.removeAttribute("aria-busy");
    }
  });
}

function showTool(moveFocus) {
  const wanted = location.hash === "#quote" ? "quote" : "ask";
  for (const tool of ["ask", "quote"]) {
    $(`#${tool}`).hidden = tool !== wanted;
    if (tool === wanted) $(`#tab-${tool}`).setAttribute("aria-current", "page");
    else $(`#tab-${tool}`).removeAttribute("aria-current");
  }
  if (moveFocus) $(wanted === "ask" ? "#question" : "#quote-text").focus();
}

/* The corpus is whatever the service indexes (seeds plus added articles): the page counts it. */
const NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
  "twelve"];
let articleCount = null;

function articlesPhrase(n) {
  return `${NUMBER_WORDS[n] || n.toLocaleString("en")} article${n === 1 ? "" : "s"}`;
}

const theArticles = () => (articleCount === null ? "the articles" : `the ${articlesPhrase(articleCount)}`);

async function listDocuments() {
  const list = $("#documents");
  try {
    const docs = await api("/documents");
    articleCount = docs.length;
    $("#corpus-size").textContent = articlesPhrase(articleCount);
    list.replaceChildren(...docs.map((d) => el("li", {},
      el("a", {href: `/read/${encodeURIComponent(d.id)}`}, d.title || "Untitled article"),
      el("span", {class: "meta"}, ` — ${d.publication || "Unknown publication"} · ${formatDate(d.date) || "undated"}`))));
  } catch (err) {
    list.replaceChildren(el("li", {class: "meta"}, err.message));
  }
}

/** The optional date filter; undated articles stay in unless the box is unticked. */
function dateFilters() {
  const from = $("#date-from").value;
  const to = $("#date-to").value;
  if (!from && !to) return undefined;
  return {date_from: from || null, date_to: to || null, include_undated: $("#include-undated").checked};
}

function initHome() {
  showTool(false);
  window.addEventListener("hashchange", () => showTool(true));
  const question = $("#question");
  handleForm($("#ask-form"), "ask", async () => {
    const q = question.value.trim();
    if (!q) throw new Error("Type a question first.");
    renderAsk(await api("/ask", {question: q, k: 5, filters: dateFilters()}));
    history.replaceState(null, "", `/?q=${encodeURIComponent(q)}#ask`);
  });
  const quoteBox = $("#quote-text");
  quoteBox.addEventListener("input", updateCounter);
  updateCounter();
  handleForm($("#quote-form"), "quote", async () => {
    const text = quoteBox.value.trim();
    if (!text) throw new Error("Paste some text to check first.");
    const over = updateCounter();
    if (over > 0) {
      throw new Error(`The text is ${over.toLocaleString("en")} characters over the limit of ` +
        `${Number(quoteBox.dataset.limit).toLocaleString("en")}. Nothing was cut: shorten it or check it in parts.`);
    }
    renderQuote(await api("/cite", {text}));
    history.replaceState(null, "", `/?quote=${encodeURIComponent(text)}#quote`);
  });
  listDocuments();
  // A shared /?q=... link asks its question at once; a /?quote=... link runs its quote check.
  const params = new URLSearchParams(location.search);
  if (params.get("quote")) {
    if (location.hash !== "#quote") history.replaceState(null, "", `${location.pathname}${location.search}#quote`);
    showTool(false);
    quoteBox.value = params.get("quote");
    updateCounter();
    $("#quote-form").requestSubmit();
  } else if (params.get("q")) {
    question.value = params.get("q");
    $("#ask-form").requestSubmit();
  }
}

/* ---------- Read ---------- */

/** One <p> per line of the article; the cited span may cross lines, so each line gets its part of it. */
function renderArticle(chars, span) {
  const paragraphs = [];
  const marks = [];
  let lineStart = 0;
  for (let i = 0; i <= chars.length; i++) {
    if (i < chars.length && chars[i] !== "\n") continue;
    if (i > lineStart) {
      const p = el("p");
      if (span && span.start < i && span.end > lineStart) {
        const from = Math.max(lineStart, span.start);
        const to = Math.min(i, span.end);
        const mark = el("mark", {class: "cited"}, slice(chars, from, to));
        marks.push(mark);
        p.append(slice(chars, lineStart, from), mark, slice(chars, to, i));
      } else {
        p.append(slice(chars, lineStart, i));
      }
      paragraphs.push(p);
    }
    lineStart = i + 1;
  }
  $("#doc-text").replaceChildren(...paragraphs);
  return marks;
}

/** "#120-245" → {start, end}; null without a span; {error} when it does not fit the article. */
function parseSpan(hash, length) {
  if (!hash || hash === "#") return null;
  const found = /^#(\d+)-(\d+)$/.exec(hash);
  if (!found) return {error: `The link’s passage “${hash.slice(1)}” is not of the form start-end.`};
  const [start, end] = [Number(found[1]), Number(found[2])];
  if (!(start < end && end <= length)) {
    return {error: `The link’s passage ${start}-${end} is outside this article (${length} characters).`};
  }
  return {start, end};
}

function showCited() {
  const mark = $("#cited");
  if (!mark) return;
  mark.scrollIntoView({block: "center"});
  mark.focus({preventScroll: true});
}

function renderRead(doc, chars) {
  const span = parseSpan(location.hash, chars.length);
  const problem = span && span.error;
  $("#read-results").replaceChildren(problem ? el("p", {class: "card error", role: "alert"}, span.error) : "");
  const cited = span && !problem ? span : null;
  const marks = renderArticle(chars, cited);
  const box = $("#cite-box");
  box.hidden = !cited;
  if (!cited) return;
  const src = {doc_id: doc.id, title: doc.title, publication: doc.publication, author: doc.author, date: doc.date,
    url: doc.url, start: cited.start, end: cited.end, text: slice(chars, cited.start, cited.end)};
  marks[0].id = "cited";
  marks[0].tabIndex = -1;
  $("#cite-where").textContent = `Characters ${cited.start}–${cited.end} of ${chars.length}`;
  const show = () => { $("#citation-text").textContent = formatCitation(src); };
  show();
  $("#copy-citation").onclick = () => copyCitation(src);
  $("#copy-csl").onclick = () => copyCitation(src, "csl");
  $("#copy-bibtex").onclick = () => copyCitation(src, "bibtex");
  requestAnimationFrame(showCited);
  // The shareable link is the service's public one (RUNRI_PUBLIC_URL), which only the API knows.
  api(`/documents/${encodeURIComponent(doc.id)}/excerpt?start=${cited.start}&end=${cited.end}&context=0`)
    .then((excerpt) => { src.link = excerpt.link; show(); })
    .catch(() => { /* this page's own address stays the link */ });
}

async function initRead() {
  const docId = decodeURIComponent(location.pathname.split("/").pop());
  let doc;
  try {
    doc = await api(`/documents/${encodeURIComponent(docId)}`);
  } catch (err) {
    $("#doc-title").textContent = "This article cannot be shown";
    $("#read-results").replaceChildren(el("p", {class: "card error", role: "alert"}, err.message));
    return;
  }
  document.title = `${doc.title || doc.publication || "Article"} — Run-ri Q&A`;
  $("#doc-title").textContent = doc.title || "Untitled article";
  $("#doc-meta").replaceChildren([
    doc.publication || "Unknown publication",
    doc.author ? `by ${doc.author}` : "author unknown",
    formatDate(doc.date) || "undated",
  ].join(" · "), doc.url ? " · " : "", doc.url ? el("a", {href: doc.url, rel: "noopener noreferrer"}, "original article") : "");
  const chars = codePoints(doc.text);
  $("#show-cited").addEventListener("click", showCited);
  window.addEventListener("hashchange", () => renderRead(doc, chars));
  renderRead(doc, chars);
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "read") initRead();
  else initHome();
});
