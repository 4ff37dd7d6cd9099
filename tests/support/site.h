/*
 * site.h - a generated test site with a known link graph, and the crawl a
 * correct crawler makes of it (the reference model).
 *
 * Used by the integration tests and trawl-testsrv, in the test process only.
 * One data structure drives both sides: testsrv renders every response from
 * the nodes below, and site_expected() walks the same nodes' links, so the
 * server and the model cannot disagree about what the site contains.
 *
 * Shape of site_new(npages, fanout):
 *
 *   - Tree pages /p/0.html .. /p/N-1.html; the seed is /p/0.html.  The
 *     children of page i are i*fanout+1 .. i*fanout+fanout (those < N).
 *     Each page links, in this document order, to itself ("#top"), the root,
 *     its parent, its children (the form of each child's href varies with the
 *     child's number: absolute, scheme-relative, upper-case scheme,
 *     root-relative, "K.html", "./K.html", "../p/K.html", with a #fragment,
 *     with whitespace around it, or through <area href>), the special pages
 *     it hosts, mailto:/javascript:/data: links (dropped by the crawler) and
 *     two out-of-scope links (http://127.0.0.2:PORT/x.html and
 *     http://EXT.invalid).  Back links go to ancestors only, so a page's
 *     shortest depth is its tree depth whatever the fetch order.  Pages have
 *     title "Page K", description "Description of page K" and a
 *     <link rel="canonical"> to themselves.
 *   - Special pages hang off fixed tree pages (clamped to N-1):
 *       page 1 hosts /item?id=3&v=1, linked as "/item?id=3&amp;v=1"
 *              (the server answers 404 to the undecoded form);
 *       page 2 hosts /files/report.pdf (application/pdf; its bytes contain
 *              an <a href> that must NOT be followed);
 *       page 3 hosts /empty.html (200, text/html, no bytes);
 *       page 4 hosts /broken.html (unclosed tags, a NUL and garbage bytes,
 *              invalid UTF-8 in the title), which links to
 *              /broken/child.html;
 *       page 5 hosts /base/page.html with <base href="/sub/">, whose link
 *              "leaf.html" means /sub/leaf.html;
 *       page 6 hosts /nofollow.html (<meta name="robots"
 *              content="nofollow">), whose only child /hidden.html must
 *              never be fetched;
 *       page 7 hosts /missing.html, which answers 404.
 *
 * Every path and URL here is a template in which "@PORT@" stands for the
 * server's port: the site exists before the server has a port.  Functions
 * taking a port return strings with it substituted.
 */
#ifndef TRAWL_TEST_SITE_H
#define TRAWL_TEST_SITE_H

#include <stdbool.h>
#include <stddef.h>

enum site_kind {
	SITE_PAGE,         /* tree page /p/K.html */
	SITE_ITEM,         /* /item?id=3&v=1 */
	SITE_PDF,          /* /files/report.pdf */
	SITE_EMPTY,        /* /empty.html */
	SITE_BROKEN,       /* /broken.html */
	SITE_BROKEN_CHILD, /* /broken/child.html */
	SITE_BASE,         /* /base/page.html */
	SITE_LEAF,         /* /sub/leaf.html */
	SITE_NOFOLLOW,     /* /nofollow.html */
	SITE_HIDDEN,       /* /hidden.html */
	SITE_MISSING,      /* /missing.html, 404 */
};

enum site_elem { SITE_A, SITE_AREA };

struct site_link {
	char *href;          /* attribute text as written, HTML-escaped */
	char *url;           /* normalized absolute URL the crawler records in
	                        "links", or NULL if it must drop the link */
	int target;          /* node the link leads to, -1 if out of scope */
	enum site_elem elem;
};

struct site_node {
	enum site_kind kind;
	char *path;               /* what the crawler requests: path?query */
	int status;               /* 200, or 404 */
	const char *content_type; /* sent as Content-Type */
	bool html;                /* links are parsed from it */
	bool nofollow;            /* its links must not be followed */
	const char *title;        /* expected title, NULL if none (or not
	                             exactly predictable: the broken page) */
	const char *description;  /* expected description, NULL if none */
	bool canonical;           /* has <link rel="canonical"> to itself */
	int parent;               /* tree parent / host, -1 for the root */
	struct site_link *links;  /* in document order */
	size_t nlinks;
	char *title_buf, *desc_buf; /* storage behind title/description */
};

struct site {
	int npages, fanout;
	struct site_node *nodes;  /* npages tree pages, then the specials */
	size_t nnodes;
};

/* One fetch the crawl must make. */
struct site_expect {
	int node;
	const char *path;         /* borrowed from the node */
	int depth;
	int status;
};

/* How the modelled crawl runs; zero-initialize, then set what differs. */
struct site_crawl {
	const int *seeds;         /* node indexes at depth 0; NULL: {0} */
	size_t nseeds;
	int max_depth;            /* -1 unlimited; note 0 means seeds only */
	int port;                 /* substituted into URLs given to allow() */
	/* Models --include/--exclude: a link is followed only if allow()
	 * returns true for its absolute URL.  NULL allows everything.  Seeds
	 * are not filtered. */
	bool (*allow)(const char *url, void *arg);
	void *arg;
};

/* npages >= 1, fanout >= 1.  Caller frees with site_free(). */
struct site *site_new(int npages, int fanout);
void site_free(struct site *s);

/* Node index whose path is exactly PATH (path?query, as requested), or -1.
 * O(1) for tree pages. */
int site_find(const struct site *s, const char *path);

/* The response body of node I for a server on PORT.  Caller frees with
 * free(); *len gets its length (bodies may hold NUL bytes). */
char *site_render(const struct site *s, int i, int port, size_t *len);

/* The "links" array a correct export shows for node I: absolute normalized
 * URLs, deduplicated, in document order, dropped links left out, out of
 * scope links kept.  Empty for non-HTML and 404 nodes.  Caller frees with
 * site_strv_free(v, *n). */
char **site_links(const struct site *s, int i, int port, size_t *n);
void site_strv_free(char **v, size_t n);

/* Absolute URL of node I (or of any "@PORT@" template).  Caller frees. */
char *site_url(const struct site *s, int i, int port);
char *site_subst(const char *tmpl, int port);

/* The fetches a correct crawl makes, in BFS order: from the seeds over
 * followable links (in scope, allowed, not from nofollow or non-HTML or
 * non-200 nodes), each node once, at its shortest depth, up to max_depth.
 * Caller frees the array with free(); paths are borrowed from S. */
struct site_expect *site_expected(const struct site *s, int max_depth,
				  size_t *n);
struct site_expect *site_expected_ex(const struct site *s,
				     const struct site_crawl *how, size_t *n);

#endif
