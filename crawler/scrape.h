/*
 * scrape.h - extraction rules: the items a user asks trawl to take from
 * pages (config key "extractors", see config/README.md).
 *
 * An extractor applies to the pages whose URL matches its "match" regex
 * (every page when it has none).  Without a "scope" it makes one item per
 * page; with one (a CSS selector or an XPath, e.g. every "div.product")
 * it makes one item per scope node, its fields evaluated relative to that
 * node.  A field is a CSS selector (compiled to XPath once, css.h) or an
 * XPath 1.0 expression, with options: "attr" (take an attribute of the
 * matched elements), "all" (a JSON array of every match instead of the
 * first), "type" (value.h; "url" is resolved against the page), "normalize"
 * (whitespace, default true), "regex" (keep its first capture group, or
 * the whole match), "default" and "required".
 *
 * Every field is in every item, always with the same JSON type: its type's,
 * null when nothing matched (an empty array for "all", false for a bool),
 * unless a default is given.  An item whose required field is missing or
 * does not convert is still made, with "error" saying what failed.
 *
 * Compiled in the coordinator at config load (errors name the extractor,
 * the field and the option); workers inherit the compiled rules across
 * fork() and apply them to each HTML page an extractor matches, on a DOM
 * built for that purpose (pages no extractor matches are never built).
 */
#ifndef TRAWL_SCRAPE_H
#define TRAWL_SCRAPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct scrape;

/* Items taken from one page, at most; a listing with more is cut there. */
#define SCRAPE_MAX_ITEMS 10000

/* Where a rule is wrong, for the config loader's FILE:LINE:COLUMN. */
struct scrape_err {
	int rule;             /* index in the extractors array, -1: the array */
	char field[128];      /* field name, "" if the error is not in one */
	char option[32];      /* key inside the rule or field, "" if none */
	char msg[512];
};

/* Compiles the "extractors" array V.  Returns the rules (caller frees with
 * scrape_free()), or NULL with *ERR saying what is wrong and where. */
struct scrape *scrape_compile(const json_t *v, struct scrape_err *err);
void scrape_free(struct scrape *s);

/* True if some extractor applies to URL. */
bool scrape_wants(const struct scrape *s, const char *url);

/* Parses the LEN bytes of BODY, an HTML page fetched from URL (CHARSET
 * from Content-Type, or NULL), and applies every extractor matching URL.
 * Returns the items as the text of a JSON array of
 * {"extractor": NAME, "fields": {...}, "error": null | "..."}, or NULL
 * when none was made.  Caller frees with free(). */
char *scrape_page(const struct scrape *s, const char *body, size_t len,
		  const char *url, const char *charset);

#endif
