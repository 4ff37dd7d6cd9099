/*
 * test_support.c - tests of the integration tests' own support code: the
 * site model (site.h) and the test server (testsrv.h).
 *
 * The model is checked against a small reference crawler written here with
 * the same libraries trawl uses (libcurl for fetching and curl_url for
 * resolution, libxml2's HTML parser for links): if it disagrees with
 * site_expected() or site_links(), the model is wrong, not trawl.  These
 * tests need no trawl binary.
 */
#include "log.h"
#include "proc.h"
#include "site.h"
#include "testsrv.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void init(void)
{
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void fini(void)
{
	curl_global_cleanup();
}

TestSuite(site, .init = init, .fini = fini, .timeout = 60);
TestSuite(testsrv, .init = init, .fini = fini, .timeout = 60);

/* ---- a tiny fetcher ------------------------------------------------ */

struct resp {
	long status;
	char *type;
	char *body;
	size_t len;
	long connects;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;

	r->body = xrealloc(r->body, r->len + size * n + 1);
	memcpy(r->body + r->len, p, size * n);
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static void fetch(CURL *h, const char *url, struct resp *r)
{
	char *type = NULL;
	CURLcode rc;

	memset(r, 0, sizeof *r);
	r->body = xstrdup("");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(h);
	cr_assert_eq(rc, CURLE_OK, "%s: %s", url, curl_easy_strerror(rc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->connects);
	r->type = xstrdup(type ? type : "");
}

static void resp_release(struct resp *r)
{
	free(r->type);
	free(r->body);
}

/* ---- a reference link extractor ------------------------------------ */

struct page {
	char *base;        /* document URL, or <base href> resolved */
	bool nofollow;
	char *title;
	char **links;      /* normalized, deduplicated, document order */
	size_t nlinks;
};

/* Resolve HREF against BASE and normalize it as trawl's contract says:
 * fragment dropped, scheme and host lower-case, default port dropped.
 * NULL for links the crawler drops (mailto:, javascript:, data:, ...). */
static char *resolve(const char *base, const char *href)
{
	CURLU *u = curl_url();
	char *trimmed, *host = NULL, *out = NULL, *p;
	size_t n;

	while (*href && strchr(" \t\n\r\f", *href))
		href++;
	n = strlen(href);
	while (n && strchr(" \t\n\r\f", href[n - 1]))
		n--;
	trimmed = xstrndup(href, n);
	p = trimmed;
	while (*p && (isalnum((unsigned char)*p) || strchr("+-.", *p)))
		p++;
	if (*p == ':' && p > trimmed && strncasecmp(trimmed, "http:", 5) &&
	    strncasecmp(trimmed, "https:", 6))
		goto out;
	/* curl 7.88 resolves "#frag" and "" against the directory, not the
	 * document (RFC 3986 5.2.2 says the document): do it by hand. */
	if (curl_url_set(u, CURLUPART_URL, base, 0) ||
	    (trimmed[0] && trimmed[0] != '#' &&
	     curl_url_set(u, CURLUPART_URL, trimmed, 0)) ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0))
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) == 0) {
		for (p = host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		curl_url_set(u, CURLUPART_HOST, host, 0);
		curl_free(host);
	}
	if (curl_url_get(u, CURLUPART_URL, &p, CURLU_NO_DEFAULT_PORT) == 0) {
		out = xstrdup(p);
		curl_free(p);
	}
out:
	free(trimmed);
	curl_url_cleanup(u);
	return out;
}

static void add_link(struct page *pg, char *url)
{
	size_t i;

	if (!url)
		return;
	for (i = 0; i < pg->nlinks; i++)
		if (strcmp(pg->links[i], url) == 0) {
			free(url);
			return;
		}
	pg->links = xrealloc(pg->links, (pg->nlinks + 1) * sizeof *pg->links);
	pg->links[pg->nlinks++] = url;
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcasecmp((const char *)n->name, name) == 0;
}

static char *attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* First pass: <base>, <meta name=robots>, <title>. */
static void walk_head(xmlNode *n, struct page *pg, bool *have_base)
{
	for (; n; n = n->next) {
		if (is(n, "base") && !*have_base) {
			char *href = attr(n, "href");
			if (href) {
				char *b = resolve(pg->base, href);
				if (b) {
					free(pg->base);
					pg->base = b;
					*have_base = true;
				}
				free(href);
			}
		} else if (is(n, "meta")) {
			char *name = attr(n, "name");
			char *content = attr(n, "content");
			if (name && content &&
			    strcasecmp(name, "robots") == 0 &&
			    strcasestr(content, "nofollow"))
				pg->nofollow = true;
			free(name);
			free(content);
		} else if (is(n, "title") && !pg->title) {
			xmlChar *t = xmlNodeGetContent(n);
			pg->title = xstrdup(t ? (const char *)t : "");
			xmlFree(t);
		}
		walk_head(n->children, pg, have_base);
	}
}

static void walk_links(xmlNode *n, struct page *pg)
{
	for (; n; n = n->next) {
		if (is(n, "a") || is(n, "area")) {
			char *href = attr(n, "href");
			if (href)
				add_link(pg, resolve(pg->base, href));
			free(href);
		}
		walk_links(n->children, pg);
	}
}

static void parse_page(const char *url, const char *body, size_t len,
		       struct page *pg)
{
	htmlDocPtr doc;
	bool have_base = false;

	memset(pg, 0, sizeof *pg);
	pg->base = xstrdup(url);
	doc = htmlReadMemory(body, (int)len, url, NULL,
			     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
			     HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (!doc)
		return;
	walk_head(xmlDocGetRootElement(doc), pg, &have_base);
	walk_links(xmlDocGetRootElement(doc), pg);
	xmlFreeDoc(doc);
}

static void page_release(struct page *pg)
{
	free(pg->base);
	free(pg->title);
	site_strv_free(pg->links, pg->nlinks);
}

/* ---- the tests ----------------------------------------------------- */

/* BFS with the reference crawler; compare every page with the model. */
static void reference_crawl(int npages, int fanout)
{
	struct site *s = site_new(npages, fanout);
	struct testsrv *srv = testsrv_start(s);
	struct site_expect *exp;
	int *depth, *queue;
	char *origin;
	size_t head = 0, tail = 0, n, i, j, fetched = 0;
	CURL *h = curl_easy_init();
	long connects = 0;

	cr_assert_not_null(srv);
	origin = testsrv_url(srv, "");
	depth = xmalloc(s->nnodes * sizeof *depth);
	queue = xmalloc(s->nnodes * sizeof *queue);
	for (i = 0; i < s->nnodes; i++)
		depth[i] = -1;
	depth[0] = 0;
	queue[tail++] = 0;
	while (head < tail) {
		int u = queue[head++];
		const struct site_node *nd = &s->nodes[u];
		char *url = site_url(s, u, testsrv_port(srv));
		struct resp r;
		struct page pg;
		char **want;
		size_t nwant;

		fetch(h, url, &r);
		fetched++;
		connects += r.connects;
		cr_assert_eq(r.status, nd->status, "%s: %ld", url, r.status);
		cr_assert_str_eq(r.type, nd->content_type, "%s", url);
		if (r.status != 200 || strncmp(r.type, "text/html", 9) != 0) {
			free(url);
			resp_release(&r);
			continue;
		}
		parse_page(url, r.body, r.len, &pg);
		want = site_links(s, u, testsrv_port(srv), &nwant);
		if (pg.nlinks != nwant) {
			for (j = 0; j < pg.nlinks; j++)
				fprintf(stderr, "parsed %zu: %s\n", j,
					pg.links[j]);
			for (j = 0; j < nwant; j++)
				fprintf(stderr, "model  %zu: %s\n", j, want[j]);
		}
		cr_assert_eq(pg.nlinks, nwant, "%s: %zu links, model says %zu",
			     url, pg.nlinks, nwant);
		for (j = 0; j < nwant; j++)
			cr_assert_str_eq(pg.links[j], want[j], "%s: link %zu",
					 url, j);
		cr_assert_eq(pg.nofollow, nd->nofollow, "%s", url);
		if (nd->title)
			cr_assert_str_eq(pg.title, nd->title, "%s", url);
		if (nd->kind == SITE_BROKEN)
			cr_assert(pg.title &&
				  strncmp(pg.title, "Broken", 6) == 0);
		for (j = 0; j < pg.nlinks && !pg.nofollow; j++) {
			int t;
			if (strncmp(pg.links[j], origin, strlen(origin)) != 0)
				continue;
			t = site_find(s, pg.links[j] + strlen(origin));
			cr_assert_geq(t, 0, "%s links to %s, unknown to the "
				      "model", url, pg.links[j]);
			if (depth[t] >= 0)
				continue;
			depth[t] = depth[u] + 1;
			queue[tail++] = t;
		}
		site_strv_free(want, nwant);
		page_release(&pg);
		resp_release(&r);
		free(url);
	}

	exp = site_expected(s, -1, &n);
	cr_assert_eq(n, tail, "reference crawl fetched %zu, model says %zu",
		     tail, n);
	for (i = 0; i < n; i++)
		cr_assert_eq(depth[exp[i].node], exp[i].depth, "%s: depth",
			     exp[i].path);
	for (i = 0; i < n; i++)
		cr_assert_eq(testsrv_hits(srv, exp[i].path), 1, "%s",
			     exp[i].path);
	cr_assert_eq(testsrv_page_hits(srv), fetched);
	cr_assert_eq(connects, 1, "keep-alive: %ld connections for %zu "
		     "requests", connects, fetched);
	/* Every node is reached except the one behind the nofollow page. */
	cr_assert_eq(n, s->nnodes - 1);

	curl_easy_cleanup(h);
	free(exp);
	free(depth);
	free(queue);
	free(origin);
	testsrv_stop(srv);
	site_free(s);
}

Test(site, reference_crawler_agrees_with_the_model)
{
	reference_crawl(300, 5);
}

Test(site, reference_crawler_agrees_on_tiny_sites)
{
	reference_crawl(1, 1);
	reference_crawl(3, 2);
	reference_crawl(20, 3);
}

Test(site, max_depth_limits_the_model)
{
	struct site *s = site_new(300, 5);
	struct site_expect *e;
	size_t n, i;

	e = site_expected(s, 0, &n);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(e[0].path, "/p/0.html");
	free(e);
	e = site_expected(s, 2, &n);
	/* 1 + 5 + 25 tree pages; item, pdf, empty, broken, base at depth 2
	 * (hosts 1-5); nofollow and missing hang off depth-2 pages. */
	cr_assert_eq(n, 31 + 5);
	for (i = 0; i < n; i++)
		cr_assert_leq(e[i].depth, 2);
	free(e);
	site_free(s);
}

Test(site, finds_only_exact_paths)
{
	struct site *s = site_new(10, 3);

	cr_assert_eq(site_find(s, "/p/7.html"), 7);
	cr_assert_eq(site_find(s, "/p/07.html"), -1);
	cr_assert_eq(site_find(s, "/p/10.html"), -1);
	cr_assert_eq(site_find(s, "/p/7.html?x"), -1);
	cr_assert_eq(site_find(s, "/item?id=3&amp;v=1"), -1);
	cr_assert_geq(site_find(s, "/item?id=3&v=1"), 10);
	site_free(s);
}

Test(testsrv, logs_the_raw_request_target)
{
	struct site *s = site_new(10, 3);
	struct testsrv *srv = testsrv_start(s);
	CURL *h = curl_easy_init();
	struct testsrv_hit *log;
	struct resp r;
	char *url;
	size_t n;

	cr_assert_not_null(srv);
	url = testsrv_url(srv, "/item?id=3&amp;v=1");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 404);
	resp_release(&r);
	free(url);
	url = testsrv_url(srv, "/item?id=3&v=1");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 200);
	resp_release(&r);
	free(url);
	url = testsrv_url(srv, "/robots.txt");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 404);
	resp_release(&r);
	free(url);

	cr_assert_eq(testsrv_hits(srv, "/item?id=3&amp;v=1"), 1);
	cr_assert_eq(testsrv_hits(srv, "/item?id=3&v=1"), 1);
	cr_assert_eq(testsrv_page_hits(srv), 2);
	log = testsrv_log(srv, &n);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(log[0].method, "GET");
	cr_assert_str_eq(log[2].path, "/robots.txt");
	cr_assert_leq(log[0].ms, log[2].ms);
	testsrv_log_free(log, n);
	testsrv_log_clear(srv);
	cr_assert_eq(testsrv_page_hits(srv), 0);

	curl_easy_cleanup(h);
	testsrv_stop(srv);
	site_free(s);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
	free(path);
}

Test(testsrv, serves_a_directory_and_refuses_dotdot)
{
	char dir[] = "/tmp/trawl-testsrv-XXXXXX";
	struct testsrv *srv;
	CURL *h = curl_easy_init();
	struct resp r;
	char *url, *sub;

	cr_assert_not_null(mkdtemp(dir));
	sub = xasprintf("%s/sub", dir);
	cr_assert_eq(mkdir(sub, 0755), 0);
	write_file(dir, "index.html", "<title>home</title>");
	write_file(dir, "doc.pdf", "%PDF-1.4");
	write_file(dir, "sub/index.html", "<title>sub</title>");
	srv = testsrv_start_dir(dir);
	cr_assert_not_null(srv);

	url = testsrv_url(srv, "/");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "<title>home</title>");
	cr_assert_eq(strncmp(r.type, "text/html", 9), 0);
	resp_release(&r);
	free(url);

	url = testsrv_url(srv, "/sub/");
	fetch(h, url, &r);
	cr_assert_str_eq(r.body, "<title>sub</title>");
	resp_release(&r);
	free(url);

	url = testsrv_url(srv, "/doc.pdf");
	fetch(h, url, &r);
	cr_assert_str_eq(r.type, "application/pdf");
	resp_release(&r);
	free(url);

	url = testsrv_url(srv, "/sub/../../etc/passwd");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 403);
	resp_release(&r);
	free(url);

	url = testsrv_url(srv, "/%2e%2e/etc/passwd");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 403);
	resp_release(&r);
	free(url);

	url = testsrv_url(srv, "/nope.html");
	fetch(h, url, &r);
	cr_assert_eq(r.status, 404);
	resp_release(&r);
	free(url);

	curl_easy_cleanup(h);
	testsrv_stop(srv);
	proc_rm_rf(dir);
	free(sub);
}

Test(testsrv, stops_promptly_with_idle_keepalive_connections)
{
	struct site *s = site_new(5, 2);
	struct testsrv *srv = testsrv_start(s);
	CURL *h = curl_easy_init();
	struct resp r;
	long long t0;
	char *url;

	cr_assert_not_null(srv);
	url = testsrv_url(srv, "/p/0.html");
	fetch(h, url, &r);   /* leaves an idle keep-alive connection */
	resp_release(&r);
	free(url);
	t0 = now_ms();
	testsrv_stop(srv);
	cr_assert_lt(now_ms() - t0, 3000, "testsrv_stop took %lld ms",
		     now_ms() - t0);
	curl_easy_cleanup(h);
	site_free(s);
}
