/*
 * extract.h - what a worker takes from an HTML page.
 *
 * One pass of libxml2's HTML parser in SAX mode (no tree is built): links
 * from <a href>, <area href> and <link rel=canonical>, the first <base
 * href>, the <title>, <meta name=description> and <meta name=robots>.
 * Links are resolved against the base after the parse (the first <base>
 * applies to every link, wherever it stands), normalized (url.h), made
 * unique, and kept in document order up to a cap.
 *
 * Parser settings: recover mode, no network, no entity loading, errors
 * silenced: broken HTML gives what can be recovered, never a failure.
 * Every string handed out is valid UTF-8.
 *
 * Runs in workers, once per HTML page: the CPU-heavy step of a crawl.
 */
#ifndef TRAWL_EXTRACT_H
#define TRAWL_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

struct extract {
	char *title;        /* NULL if none; whitespace collapsed */
	char *description;
	char *canonical;    /* resolved and normalized */
	bool noindex, nofollow;
	char *links;        /* each link followed by a NUL */
	size_t links_len;   /* bytes in links, NULs included */
	size_t nlinks;
};

/* Parses BODY (LEN bytes) fetched from URL (the final URL, for resolving
 * links).  CHARSET is the Content-Type header's charset or NULL (the
 * parser then looks at <meta> and falls back to its default).  Takes at
 * most MAX_LINKS links.  Fills *X; release it with extract_release().
 * Returns 0, or -1 if URL cannot serve as a base (nothing is resolved). */
int extract_html(struct extract *x, const char *body, size_t len,
		 const char *url, const char *charset, size_t max_links);

void extract_release(struct extract *x);

#endif
