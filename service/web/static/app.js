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

/** Publication, title, date and the quoted text, with a link back: what a journalist pastes into notes. */
function formatCitation(src) {
  const where = [
    src.publication || "Unknown publication",
    src.title ? `“${src.title}”` : "untitled article",
    formatDate(src.date) || "undated",
  ].join(", ");
  return `${where}: “${oneLine(src.text)}” ${location.origin}${readLink(src)}`;
}

function sourceLine(src) {
  return el("p", {class: "source"},
    el("cite", {}, src.title || "Untitled article"), " — ",
    src.publication || "Unknown publication", " · ", formatDate(src.date) || "undated");
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

async function copyCitation(src) {
  const citation = formatCitation(src);
  const copied = await copyText(citation);
  announce(copied ? `Citation copied: ${citation}` : `Copying failed; select and copy this: ${citation}`);
}

function citeActions(src, label = "Read it in the article") {
  return el("div", {class: "actions"},
    el("a", {href: readLink(src), class: "button-link"}, label),
    el("button", {type: "button", class: "secondary", onclick: () => copyCitation(src)}, "Copy citation"));
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

function answerCard(result) {
  const answer = result.answer;
  const passage = result.passages.find((p) =>
    p.doc_id === answer.doc_id && p.start <= answer.start && answer.end <= p.end);
  const quote = el("blockquote", {class: "excerpt"});
  if (passage) {
    const chars = codePoints(passage.text);
    quote.append(trimContext(slice(chars, 0, answer.start - passage.start), 160, "before"),
      el("mark", {}, answer.text),
      trimContext(slice(chars, answer.end - passage.start), 160, "after"));
  } else {
    quote.append(el("mark", {}, answer.text));
  }
  const bar = el("span", {class: "bar", "aria-hidden": "true"}, el("span"));
  bar.firstChild.style.width = percent(result.confidence);
  return el("article", {class: "card answer", id: "answer"},
    el("h2", {}, "Answer"),
    quote,
    sourceLine(answer),
    el("p", {class: "confidence"}, "Confidence ", el("strong", {}, percent(result.confidence)), bar),
    citeActions(answer));
}

function abstainCard(result) {
  const reason = result.abstained_reason || "no sentence is close enough to the question";
  return el("article", {class: "card abstain", id: "abstain"},
    el("h2", {}, "The articles don’t answer this"),
    el("p", {}, `Nothing in ${theArticles()} answers the question: ${reason}.`),
    el("p", {class: "meta"}, `Best match confidence ${percent(result.confidence)}, too low to give an answer. `,
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
  $("#ask-live").replaceChildren(result.answer ? answerCard(result) : abstainCard(result));
  $("#ask-more").replaceChildren(...more);
}

/* ---------- Check a quote ---------- */

const VERDICTS = {
  exact: ["Exact", "The text appears word for word in the article."],
  near: ["Altered", "Close to the article, but some words were changed, added or dropped."],
  paraphrase: ["Paraphrase", "The same idea in other words: the original wording is below."],
  not_found: ["Not found", () => `Nothing in ${theArticles()} is close to this text.`],
};

const explain = (text) => (typeof text === "function" ? text() : text || "");
const badge = (verdict) => el("span", {class: `badge ${verdict}`}, (VERDICTS[verdict] || [verdict])[0]);

/** Word-level diff: <del> the article's words, <ins> the pasted ones. */
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
    if (original) line.append(el("del", {}, el("span", {class: "sr-only"}, "[article: "), original,
      el("span", {class: "sr-only"}, "]")));
    if (original && pasted) line.append(" ");
    if (pasted) line.append(el("ins", {}, el("span", {class: "sr-only"}, "[yours: "), pasted,
      el("span", {class: "sr-only"}, "]")));
  });
  return line;
}

function matchDetails(match, heading) {
  const parts = [
    el(heading, {}, "Original wording"),
    el("blockquote", {class: "excerpt original"}, match.text),
  ];
  if (match.diff && match.diff.some((op) => op.op !== "equal")) {
    parts.push(el(heading, {}, "What changed"), renderDiff(match.diff),
      el("p", {class: "legend meta"}, el("del", {}, "struck out"), ": the article’s words; ",
        el("ins", {}, "underlined"), ": your text’s words"));
  }
  parts.push(sourceLine(match), el("p", {class: "meta"}, `Match score ${percent(match.score)}`),
    citeActions(match));
  return parts;
}

function renderQuote(result) {
  const whole = result.whole;
  const partly = result.verdict === "not_found" && result.sentences.some((s) => s.matches.length);
  const explanation = partly ? "The text as a whole is not in the articles, but some of its sentences are: see below."
    : explain((VERDICTS[result.verdict] || [])[1]);
  const best = whole.matches[0];
  const card = el("article", {class: `card verdict ${result.verdict}`, id: "verdict"},
    el("h2", {}, "Verdict: ", badge(result.verdict)),
    el("p", {}, explanation),
    best ? matchDetails(best, "h3") : null);
  const more = [];
  if (whole.matches.length > 1) {
    more.push(el("section", {class: "group"},
      el("h2", {}, "Also found at"),
      el("ul", {class: "cards"}, whole.matches.slice(1).map((m) =>
        el("li", {class: "card"}, badge(m.verdict), matchDetails(m, "h3"))))));
  }
  if (result.sentences.length) {
    more.push(el("section", {class: "group"},
      el("h2", {}, "Sentence by sentence"),
      el("ol", {class: "cards"}, result.sentences.map((s) =>
        el("li", {class: "card sentence"},
          el("p", {}, badge(s.verdict), " ", el("q", {}, s.text)),
          s.matches[0] ? matchDetails(s.matches[0], "h3") : null)))));
  }
  $("#quote-live").replaceChildren(card);
  $("#quote-more").replaceChildren(...more);
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

function initHome() {
  showTool(false);
  window.addEventListener("hashchange", () => showTool(true));
  const question = $("#question");
  handleForm($("#ask-form"), "ask", async () => {
    const q = question.value.trim();
    if (!q) throw new Error("Type a question first.");
    renderAsk(await api("/ask", {question: q, k: 5}));
    history.replaceState(null, "", `/?q=${encodeURIComponent(q)}#ask`);
  });
  handleForm($("#quote-form"), "quote", async () => {
    const text = $("#quote-text").value.trim();
    if (!text) throw new Error("Paste some text to check first.");
    renderQuote(await api("/cite", {text}));
  });
  listDocuments();
  // A shared /?q=... link asks its question at once.
  const shared = new URLSearchParams(location.search).get("q");
  if (shared) {
    question.value = shared;
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
  const src = {doc_id: doc.id, title: doc.title, publication: doc.publication, date: doc.date,
    start: cited.start, end: cited.end, text: slice(chars, cited.start, cited.end)};
  marks[0].id = "cited";
  marks[0].tabIndex = -1;
  $("#cite-where").textContent = `Characters ${cited.start}–${cited.end} of ${chars.length}`;
  $("#citation-text").textContent = formatCitation(src);
  $("#copy-citation").onclick = () => copyCitation(src);
  requestAnimationFrame(showCited);
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
    doc.author ? `by ${doc.author}` : null,
    formatDate(doc.date) || "undated",
  ].filter(Boolean).join(" · "));
  const chars = codePoints(doc.text);
  $("#show-cited").addEventListener("click", showCited);
  window.addEventListener("hashchange", () => renderRead(doc, chars));
  renderRead(doc, chars);
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "read") initRead();
  else initHome();
});
