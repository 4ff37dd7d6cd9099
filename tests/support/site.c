/*
 * site.c - the generated test site and its reference crawl (see site.h).
 *
 * Runs in the test process and in trawl-testsrv.  Built once per test; a
 * few hundred nodes of a dozen links each.  Rendering happens per request,
 * from the same links the model walks.
 */
#include "site.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SITE_ORIGIN "http://127.0.0.1:@PORT@"

/* The hosts of the special pages: tree page numbers, clamped to N-1. */
enum {
	HOST_ITEM = 1,
	HOST_PDF = 2,
	HOST_EMPTY = 3,
	HOST_BROKEN = 4,
	HOST_BASE = 5,
	HOST_NOFOLLOW = 6,
	HOST_MISSING = 7,
	NSPECIAL = 10,
};

/* The ways a page writes the href of child K, picked by K % NFORMS. */
enum { NFORMS = 10 };

static void add_link(struct site_node *nd, enum site_elem elem, int target,
		     char *href, char *url)
{
	struct site_link *l;

	nd->links = xrealloc(nd->links, (nd->nlinks + 1) * sizeof *nd->links);
	l = &nd->links[nd->nlinks++];
	l->href = href;
	l->url = url;
	l->target = target;
	l->elem = elem;
}

static int add_node(struct site *s, enum site_kind kind, const char *path,
		    int parent)
{
	struct site_node *nd = &s->nodes[s->nnodes];

	memset(nd, 0, sizeof *nd);
	nd->kind = kind;
	nd->path = xstrdup(path);
	nd->status = 200;
	nd->content_type = "text/html";
	nd->html = true;
	nd->parent = parent;
	return (int)s->nnodes++;
}

static void set_text(struct site_node *nd, const char *title,
		     const char *desc)
{
	if (title)
		nd->title = nd->title_buf = xstrdup(title);
	if (desc)
		nd->description = nd->desc_buf = xstrdup(desc);
}

/* Link to tree page CHILD from tree page I, in the form CHILD selects. */
static void add_child_link(struct site_node *nd, int child)
{
	char *url = xasprintf(SITE_ORIGIN "/p/%d.html", child);
	char *href = NULL;
	enum site_elem elem = SITE_A;

	switch (child % NFORMS) {
	case 0: href = xasprintf(SITE_ORIGIN "/p/%d.html", child); break;
	case 1: href = xasprintf("/p/%d.html", child); break;
	case 2: href = xasprintf("%d.html", child); break;
	case 3: href = xasprintf("./%d.html", child); break;
	case 4: href = xasprintf("../p/%d.html", child); break;
	case 5: href = xasprintf("%d.html#part-2", child); break;
	case 6: href = xasprintf("  /p/%d.html\n  ", child); break;
	case 7: href = xasprintf("%d.html", child); elem = SITE_AREA; break;
	case 8:
		href = xasprintf("//127.0.0.1:@PORT@/p/%d.html#x", child);
		break;
	default:
		href = xasprintf("HTTP://127.0.0.1:@PORT@/p/%d.html", child);
		break;
	}
	add_link(nd, elem, child, href, url);
}

static int clamp_host(const struct site *s, int host)
{
	return host < s->npages ? host : s->npages - 1;
}

static void add_specials(struct site *s)
{
	struct site_node *nd;
	int host, n, child;

	/* /item?id=3&v=1: only reachable if "&amp;" is decoded. */
	host = clamp_host(s, HOST_ITEM);
	n = add_node(s, SITE_ITEM, "/item?id=3&v=1", host);
	set_text(&s->nodes[n], "Item 3", "An item behind a query string");
	add_link(&s->nodes[n], SITE_A, 0, xstrdup("/p/0.html"),
		 xstrdup(SITE_ORIGIN "/p/0.html"));
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/item?id=3&amp;v=1"),
		 xstrdup(SITE_ORIGIN "/item?id=3&v=1"));

	host = clamp_host(s, HOST_PDF);
	n = add_node(s, SITE_PDF, "/files/report.pdf", host);
	nd = &s->nodes[n];
	nd->content_type = "application/pdf";
	nd->html = false;
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/files/report.pdf"),
		 xstrdup(SITE_ORIGIN "/files/report.pdf"));

	host = clamp_host(s, HOST_EMPTY);
	n = add_node(s, SITE_EMPTY, "/empty.html", host);
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/empty.html"),
		 xstrdup(SITE_ORIGIN "/empty.html"));

	/* The title is not exactly predictable (invalid UTF-8): NULL. */
	host = clamp_host(s, HOST_BROKEN);
	n = add_node(s, SITE_BROKEN, "/broken.html", host);
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/broken.html"),
		 xstrdup(SITE_ORIGIN "/broken.html"));
	child = add_node(s, SITE_BROKEN_CHILD, "/broken/child.html", n);
	set_text(&s->nodes[child], "Child of the broken page",
		 "Reached through broken HTML");
	add_link(&s->nodes[child], SITE_A, 0, xstrdup("../p/0.html"),
		 xstrdup(SITE_ORIGIN "/p/0.html"));
	add_link(&s->nodes[n], SITE_A, child, xstrdup("broken/child.html"),
		 xstrdup(SITE_ORIGIN "/broken/child.html"));

	/* <base href="/sub/">: "leaf.html" is /sub/leaf.html, not
	 * /base/leaf.html. */
	host = clamp_host(s, HOST_BASE);
	n = add_node(s, SITE_BASE, "/base/page.html", host);
	set_text(&s->nodes[n], "Base href page", "Relative links use <base>");
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/base/page.html"),
		 xstrdup(SITE_ORIGIN "/base/page.html"));
	child = add_node(s, SITE_LEAF, "/sub/leaf.html", n);
	set_text(&s->nodes[child], "Leaf", "A page under /sub/");
	add_link(&s->nodes[child], SITE_A, 0, xstrdup("../p/0.html"),
		 xstrdup(SITE_ORIGIN "/p/0.html"));
	add_link(&s->nodes[n], SITE_A, child, xstrdup("leaf.html"),
		 xstrdup(SITE_ORIGIN "/sub/leaf.html"));
	add_link(&s->nodes[n], SITE_A, 0, xstrdup("/p/0.html"),
		 xstrdup(SITE_ORIGIN "/p/0.html"));

	/* Its child is linked from nowhere else: fetching it is a bug. */
	host = clamp_host(s, HOST_NOFOLLOW);
	n = add_node(s, SITE_NOFOLLOW, "/nofollow.html", host);
	s->nodes[n].nofollow = true;
	set_text(&s->nodes[n], "Nofollow page", "Links here are not followed");
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/nofollow.html"),
		 xstrdup(SITE_ORIGIN "/nofollow.html"));
	child = add_node(s, SITE_HIDDEN, "/hidden.html", n);
	set_text(&s->nodes[child], "Hidden", "Only a nofollow page links here");
	add_link(&s->nodes[child], SITE_A, 0, xstrdup("/p/0.html"),
		 xstrdup(SITE_ORIGIN "/p/0.html"));
	add_link(&s->nodes[n], SITE_A, child, xstrdup("hidden.html"),
		 xstrdup(SITE_ORIGIN "/hidden.html"));

	host = clamp_host(s, HOST_MISSING);
	n = add_node(s, SITE_MISSING, "/missing.html", host);
	s->nodes[n].status = 404;
	add_link(&s->nodes[host], SITE_A, n, xstrdup("/missing.html"),
		 xstrdup(SITE_ORIGIN "/missing.html"));
}

/* Links every tree page carries after its children and specials. */
static void add_tail_links(struct site_node *nd)
{
	add_link(nd, SITE_A, -1, xstrdup("mailto:editor@example.invalid"),
		 NULL);
	add_link(nd, SITE_A, -1, xstrdup("javascript:void(0)"), NULL);
	add_link(nd, SITE_A, -1,
		 xstrdup("data:text/html,%3Ca%20href%3D%22%2Fp%2F0.html%22%3E"),
		 NULL);
	add_link(nd, SITE_A, -1, xstrdup("http://127.0.0.2:@PORT@/x.html"),
		 xstrdup("http://127.0.0.2:@PORT@/x.html"));
	add_link(nd, SITE_A, -1, xstrdup("http://EXT.invalid"),
		 xstrdup("http://ext.invalid/"));
}

struct site *site_new(int npages, int fanout)
{
	struct site *s = xcalloc(1, sizeof *s);
	char path[64];
	int i, k;

	if (npages < 1)
		npages = 1;
	if (fanout < 1)
		fanout = 1;
	s->npages = npages;
	s->fanout = fanout;
	s->nodes = xcalloc((size_t)npages + NSPECIAL, sizeof *s->nodes);

	for (i = 0; i < npages; i++) {
		struct site_node *nd;
		char title[64], desc[64];

		snprintf(path, sizeof path, "/p/%d.html", i);
		add_node(s, SITE_PAGE, path, i ? (i - 1) / fanout : -1);
		nd = &s->nodes[i];
		snprintf(title, sizeof title, "Page %d", i);
		snprintf(desc, sizeof desc, "Description of page %d", i);
		set_text(nd, title, desc);
		nd->canonical = true;
		add_link(nd, SITE_A, i, xstrdup("#top"),
			 xasprintf(SITE_ORIGIN "/p/%d.html", i));
		add_link(nd, SITE_A, 0, xstrdup("/p/0.html"),
			 xstrdup(SITE_ORIGIN "/p/0.html"));
		if (nd->parent >= 0)
			add_link(nd, SITE_A, nd->parent,
				 xasprintf("../p/%d.html", nd->parent),
				 xasprintf(SITE_ORIGIN "/p/%d.html",
					   nd->parent));
		for (k = 1; k <= fanout; k++) {
			long child = (long)i * fanout + k;
			if (child >= npages)
				break;
			add_child_link(nd, (int)child);
		}
	}
	add_specials(s);
	for (i = 0; i < npages; i++)
		add_tail_links(&s->nodes[i]);
	return s;
}

void site_free(struct site *s)
{
	size_t i, j;

	if (!s)
		return;
	for (i = 0; i < s->nnodes; i++) {
		struct site_node *nd = &s->nodes[i];
		for (j = 0; j < nd->nlinks; j++) {
			free(nd->links[j].href);
			free(nd->links[j].url);
		}
		free(nd->links);
		free(nd->path);
		free(nd->title_buf);
		free(nd->desc_buf);
	}
	free(s->nodes);
	free(s);
}

int site_find(const struct site *s, const char *path)
{
	size_t i;

	if (strncmp(path, "/p/", 3) == 0) {
		char buf[64];
		char *end;
		long k = strtol(path + 3, &end, 10);

		if (end == path + 3 || k < 0 || k >= s->npages)
			return -1;
		snprintf(buf, sizeof buf, "/p/%ld.html", k);
		return strcmp(buf, path) == 0 ? (int)k : -1;
	}
	for (i = (size_t)s->npages; i < s->nnodes; i++)
		if (strcmp(s->nodes[i].path, path) == 0)
			return (int)i;
	return -1;
}

char *site_subst(const char *tmpl, int port)
{
	static const char key[] = "@PORT@";
	char portstr[16];
	size_t cap, len = 0, plen;
	const char *p;
	char *out;

	plen = (size_t)snprintf(portstr, sizeof portstr, "%d", port);
	cap = strlen(tmpl) + 1;
	for (p = tmpl; (p = strstr(p, key)); p += sizeof key - 1)
		cap += plen;
	out = xmalloc(cap);
	for (p = tmpl; *p;) {
		if (strncmp(p, key, sizeof key - 1) == 0) {
			memcpy(out + len, portstr, plen);
			len += plen;
			p += sizeof key - 1;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	return out;
}

char *site_url(const struct site *s, int i, int port)
{
	char *tmpl = xasprintf(SITE_ORIGIN "%s", s->nodes[i].path);
	char *url = site_subst(tmpl, port);

	free(tmpl);
	return url;
}

/* A growable byte buffer for rendering. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_add(b, s, (size_t)n);
	free(s);
}

static void render_link(struct buf *b, const struct site_link *l, size_t j,
			int port)
{
	char *href = site_subst(l->href, port);

	if (l->elem == SITE_AREA)
		buf_printf(b,
			   "<p><map name=\"m%zu\"><area shape=\"rect\" "
			   "coords=\"0,0,10,10\" href=\"%s\" alt=\"link %zu\">"
			   "</map></p>\n",
			   j, href, j);
	else if (strcmp(l->href, "#top") == 0)
		buf_printf(b, "<p><a id=\"top\" href=\"%s\">top</a></p>\n",
			   href);
	else
		buf_printf(b, "<p><a href=\"%s\">link %zu</a></p>\n", href, j);
	free(href);
}

static void render_page(struct buf *b, const struct site *s, int i, int port)
{
	const struct site_node *nd = &s->nodes[i];
	size_t j;

	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		      "<meta charset=\"utf-8\">\n");
	if (nd->title)
		buf_printf(b, "<title>%s</title>\n", nd->title);
	if (nd->description)
		buf_printf(b, "<meta name=\"description\" content=\"%s\">\n",
			   nd->description);
	if (nd->nofollow)
		buf_printf(b, "<meta name=\"robots\" content=\"nofollow\">\n");
	if (nd->kind == SITE_BASE)
		buf_printf(b, "<base href=\"/sub/\">\n");
	if (nd->canonical) {
		char *url = site_url(s, i, port);
		buf_printf(b, "<link rel=\"canonical\" href=\"%s\">\n", url);
		free(url);
	}
	buf_printf(b, "</head>\n<body>\n<h1>%s</h1>\n",
		   nd->title ? nd->title : "");
	for (j = 0; j < nd->nlinks; j++)
		render_link(b, &nd->links[j], j, port);
	buf_printf(b, "<p>Generated page for the trawl integration tests.</p>\n"
		      "</body>\n</html>\n");
}

/* Unclosed tags, invalid UTF-8 in the title, a NUL and stray bytes after
 * the one link, which must still be found. */
static void render_broken(struct buf *b, const struct site *s, int i,
			  int port)
{
	static const char head[] =
		"<html><head><title>Broken \xff\xfe page \xc3\x28 end</title>\n"
		"<body><div><p>unclosed <b>bold <i>italic\n"
		"<table><tr><td>cell <td>cell\n";
	static const char tail[] =
		"\n<p>\x00\x01\x02 garbage \x80\x81\xfe <<<>>> &&& &#xD800; "
		"&bogus; \xed\xa0\x80 <div <p </ \n<script>if (a < b) {</";
	const struct site_node *nd = &s->nodes[i];
	size_t j;

	buf_add(b, head, sizeof head - 1);
	for (j = 0; j < nd->nlinks; j++)
		render_link(b, &nd->links[j], j, port);
	buf_add(b, tail, sizeof tail - 1);
}

char *site_render(const struct site *s, int i, int port, size_t *len)
{
	static const char pdf[] =
		"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
		"1 0 obj << /Type /Catalog >> endobj\n"
		"<html><body><a href=\"/p/from-pdf.html\">not a link</a>\n"
		"trailer << /Root 1 0 R >>\n%%EOF\n";
	static const char missing[] =
		"<!DOCTYPE html>\n<html><head><title>Not Found</title></head>"
		"<body><h1>Not Found</h1></body></html>\n";
	struct buf b = { NULL, 0, 0 };

	buf_add(&b, "", 0);
	switch (s->nodes[i].kind) {
	case SITE_PDF:
		buf_add(&b, pdf, sizeof pdf - 1);
		break;
	case SITE_EMPTY:
		break;
	case SITE_MISSING:
		buf_add(&b, missing, sizeof missing - 1);
		break;
	case SITE_BROKEN:
		render_broken(&b, s, i, port);
		break;
	default:
		render_page(&b, s, i, port);
		break;
	}
	*len = b.len;
	return b.p;
}

char **site_links(const struct site *s, int i, int port, size_t *n)
{
	const struct site_node *nd = &s->nodes[i];
	char **v = xcalloc(nd->nlinks + 1, sizeof *v);
	size_t j, k;

	*n = 0;
	if (!nd->html || nd->status != 200)
		return v;
	for (j = 0; j < nd->nlinks; j++) {
		char *url;

		if (!nd->links[j].url)
			continue;
		url = site_subst(nd->links[j].url, port);
		for (k = 0; k < *n; k++)
			if (strcmp(v[k], url) == 0)
				break;
		if (k < *n)
			free(url);
		else
			v[(*n)++] = url;
	}
	return v;
}

void site_strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct site_expect *site_expected_ex(const struct site *s,
				     const struct site_crawl *how, size_t *n)
{
	static const int root = 0;
	const int *seeds = how->seeds ? how->seeds : &root;
	size_t nseeds = how->seeds ? how->nseeds : 1;
	int *depth = xmalloc(s->nnodes * sizeof *depth);
	int *queue = xmalloc(s->nnodes * sizeof *queue);
	struct site_expect *out = xcalloc(s->nnodes, sizeof *out);
	size_t head = 0, tail = 0, i, j;

	for (i = 0; i < s->nnodes; i++)
		depth[i] = -1;
	for (i = 0; i < nseeds; i++) {
		int k = seeds[i];
		if (k < 0 || (size_t)k >= s->nnodes || depth[k] >= 0)
			continue;
		depth[k] = 0;
		queue[tail++] = k;
	}
	while (head < tail) {
		int u = queue[head++];
		const struct site_node *nd = &s->nodes[u];

		out[head - 1] = (struct site_expect){
			.node = u, .path = nd->path, .depth = depth[u],
			.status = nd->status,
		};
		if (!nd->html || nd->nofollow || nd->status != 200)
			continue;
		if (how->max_depth >= 0 && depth[u] + 1 > how->max_depth)
			continue;
		for (j = 0; j < nd->nlinks; j++) {
			int t = nd->links[j].target;

			if (t < 0 || depth[t] >= 0)
				continue;
			if (how->allow) {
				char *url = site_url(s, t, how->port);
				bool ok = how->allow(url, how->arg);
				free(url);
				if (!ok)
					continue;
			}
			depth[t] = depth[u] + 1;
			queue[tail++] = t;
		}
	}
	*n = tail;
	free(depth);
	free(queue);
	return out;
}

struct site_expect *site_expected(const struct site *s, int max_depth,
				  size_t *n)
{
	struct site_crawl how = { .max_depth = max_depth };

	return site_expected_ex(s, &how, n);
}
