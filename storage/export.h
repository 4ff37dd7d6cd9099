/*
 * export.h - streams a job's pages, items or links out as JSON Lines, one
 * JSON array, or CSV, optionally gzip-compressed.
 *
 * Records (DESIGN.md):
 *   pages  {"job","url","final_url","status","depth","fetched_at",
 *           "content_type","bytes","elapsed_ms","title","description",
 *           "canonical","links":[...],"fields":{...},"error"}
 *   items  {"job","extractor","url","fetched_at","fields":{...},"error"}
 *   links  {"job","from","to"}, one per link of each page
 * CSV has a header row and RFC 4180 quoting (CRLF line ends); items get one
 * column per field name (first-seen order) then _url, _extractor,
 * _fetched_at, _error.
 *
 * Invariants: rows are read from one snapshot and written through one
 * fixed-size buffer, so memory stays constant whatever the row count;
 * output is valid UTF-8 whatever the database holds (invalid bytes become
 * U+FFFD); JSON Lines never has a newline inside a record.
 *
 * Runs in `trawl export`; safe while a crawl is writing the database.
 */
#ifndef TRAWL_EXPORT_H
#define TRAWL_EXPORT_H

#include <signal.h>
#include <stdint.h>

#include "store.h"

enum export_format { EXPORT_JSONL, EXPORT_JSON, EXPORT_CSV };
enum export_what { EXPORT_PAGES, EXPORT_ITEMS, EXPORT_LINKS };

struct export_opts {
	enum export_what what;
	enum export_format fmt;
	/* The final file name, or NULL / "-" for standard output.  A regular
	 * file is written to a temporary name beside it, synced, and renamed
	 * over PATH only once complete; a name ending in ".gz" is
	 * gzip-compressed.  Not a regular file (/dev/null, a FIFO): written
	 * in place. */
	const char *path;
	struct store_filter filter;
	/* When not NULL and set (by a signal handler), the export stops at
	 * the next row and fails, leaving no temporary file. */
	volatile sig_atomic_t *stop;
};

/* The option parsers: 0, or -1 after logging the option, the value and
 * what is accepted (a usage error: exit status 2). */

/* "jsonl" (or "ndjson"), "json", "csv". */
int export_format_parse(const char *s, enum export_format *f);
/* "pages", "items", "links". */
int export_what_parse(const char *s, enum export_what *w);
/* --since: an ISO 8601 date (UTC midnight) or date-time with Z or an
 * offset ("2026-11-21", "2026-11-21T23:00:00Z", "...T23:00+02:00",
 * fractions of a second allowed), or a span before NOW_MS: a number and
 * s, m, h, d or w ("30m", "7d").  Sets *MS, ms since the epoch. */
int export_since_parse(const char *s, int64_t now_ms, int64_t *ms);
/* --status, for pages and links: a code "404", a class "4xx", a range
 * "200-299", "ok" (no error) or "error" (the fetch failed); for items the
 * codes apply to the item's page, and "valid" / "invalid" select items by
 * their own error.  Several may be given separated by commas (at most one
 * code and one outcome).  Updates F's status and outcome. */
int export_status_parse(const char *s, enum export_what w, struct store_filter *f);

/* Writes JOB's records as O says.  Returns the number of records, -1
 * (logged) on error or when stopped; then a PATH that is a regular file
 * is left as it was. */
long export_run(struct store *s, int64_t job, const struct export_opts *o);

/* export_run() of all pages in FMT to PATH. */
long export_pages(struct store *s, int64_t job, enum export_format fmt,
		  const char *path);

#endif
