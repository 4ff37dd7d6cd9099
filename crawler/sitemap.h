/*
 * sitemap.h - the URLs a sitemap lists (sitemaps.org protocol 0.9).
 *
 * sitemap_parse() reads one fetched sitemap body: an XML <urlset> (its
 * <url> entries: <loc> and <lastmod>; changefreq and priority are not
 * kept), an XML <sitemapindex> (its <sitemap> entries: further sitemaps
 * to fetch), or a plain-text sitemap (one URL per line).  A body that
 * starts with the gzip magic bytes 1f 8b is inflated first, whatever its
 * Content-Type said.
 *
 * What comes out:
 *  - Each loc is a normalized URL (url.h): absolute http(s), printable
 *    ASCII, at most URL_MAX_LEN bytes, so it can be fingerprinted as is.
 *    A loc is trimmed of whitespace and its entities decoded; one that
 *    starts with '/' is resolved against the sitemap's URL (the protocol
 *    wants absolute URLs, but "/page" means one thing only); other
 *    relative locs ("page.html", "www.example.com/x", which is more often
 *    a host without its scheme than a path) and other schemes are dropped.
 *  - Locs are distinct, in file order; a repeated one keeps its first
 *    place and lastmod.
 *  - lastmod is a W3C datetime as written (whitespace trimmed), or NULL
 *    when absent or not of the grammar YYYY, YYYY-MM, YYYY-MM-DD, or
 *    YYYY-MM-DDThh:mm[:ss[.s+]] followed by Z or +hh:mm / -hh:mm, with
 *    months, days (leap years included) and times in range.
 *  - Nothing else: the protocol's rule that a sitemap lists URLs only
 *    under its own location is left to the caller's scope.
 *
 * XML: element names are matched by local name, with or without a
 * namespace or prefix; <url>, <sitemap>, <loc> and <lastmod> count only in
 * the root element's namespace, so extensions such as <image:loc> are not
 * read.  An XML body is one whose first byte, after a UTF-8 byte order
 * mark and whitespace, is '<', or that starts as UTF-16 (byte order mark
 * or "<" NUL); libxml2 decodes the encoding it declares.  Any other body
 * is read as text: UTF-8 lines, each one loc; invalid UTF-8 lines are
 * dropped.  The parse stops at the first well-formedness error
 * (SITEMAP_CUT_ERROR): entries complete before it are kept, none after.
 * Parsing is safe on hostile input: libxml2's push parser with SAX
 * callbacks (no tree), no network, no DTD loaded, no entity but the five
 * predefined ones and character references (any other is an error).
 *
 * Every buffer has a ceiling: the protocol's 50,000 entries and 50 MiB
 * uncompressed per file, read streaming in 64 KiB pieces, so a gzip bomb
 * costs at most SITEMAP_MAX_SIZE bytes of inflating, never of memory;
 * memory is the entries plus what libxml2 buffers of an unfinished
 * construct (a comment, a tag), which it caps at 10 MB (then an error).
 *
 * Runs in the coordinator, once per fetched sitemap, and blocks it while
 * it parses: about 15 ms per 10,000 entries (75 ms for a full file of
 * 50,000), under 0.1 s for a 50 MiB gzip bomb.
 */
#ifndef TRAWL_SITEMAP_H
#define TRAWL_SITEMAP_H

#include <stdbool.h>
#include <stddef.h>

/* Entries kept per file; the rest of the file is not read. */
#define SITEMAP_MAX_ENTRIES 50000
/* Bytes of a body read, after inflating; the rest is not read. */
#define SITEMAP_MAX_SIZE (50 * 1024 * 1024)

enum sitemap_kind {
	SITEMAP_UNKNOWN, /* not a sitemap: XML of another root or none, or
			  * text without a URL; no entries */
	SITEMAP_URLSET,  /* <urlset> or a text sitemap: pages to crawl */
	SITEMAP_INDEX,   /* <sitemapindex>: sitemaps to fetch */
};

/* Why a parse did not read the whole body (bits of sitemap.cuts). */
enum sitemap_cut {
	SITEMAP_CUT_SIZE = 1 << 0,    /* over SITEMAP_MAX_SIZE bytes */
	SITEMAP_CUT_ENTRIES = 1 << 1, /* over SITEMAP_MAX_ENTRIES entries */
	SITEMAP_CUT_ERROR = 1 << 2,   /* malformed XML, or corrupt or cut gzip */
};

struct sitemap_entry {
	char *loc;     /* normalized http(s) URL */
	char *lastmod; /* W3C datetime as written, or NULL */
};

struct sitemap {
	enum sitemap_kind kind;
	struct sitemap_entry *e; /* n entries in file order */
	size_t n;
	size_t dropped;          /* locs or lines not kept (duplicates aside) */
	unsigned cuts;           /* enum sitemap_cut bits, 0 if read whole */
};

/* Parses the LEN bytes of BODY, fetched from URL (absolute http(s): the
 * base of locs starting with '/').  Fills *SM (caller releases it with
 * sitemap_release(), also after a failure).  Never fails on content:
 * garbage gives no entries and kind SITEMAP_UNKNOWN.  Returns 0, or -1
 * if URL is not an absolute http(s) URL (logged; *SM is empty). */
int sitemap_parse(struct sitemap *sm, const char *body, size_t len, const char *url);

/* Frees the contents of SM (NULL is fine) and empties it. */
void sitemap_release(struct sitemap *sm);

#endif
