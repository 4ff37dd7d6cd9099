/*
 * gensite.c - writes the benchmark's synthetic static site.
 *
 *   gensite [-p PORT] DIR [PAGES [LINKS [SEED]]]
 *
 * Standalone tool (no trawl code, no libraries), run by bench/run.sh once
 * per parameter set; nginx then serves DIR on 127.0.0.1:PORT.  Tuned for
 * the default 20,000 pages of about 20 KB each, written in a few seconds.
 * The output is a pure function of the arguments.
 *
 * The site.  Page 0 is /index.html; the others live at /p/N.html,
 * /d/K/N.html (K = N % 16), or, for the "query pages", /q/N.html?a=N&b=2.
 * Every page carries a head (title, description, canonical, CSS, scripts),
 * a nav (home, previous, next), paragraphs of text with some links inline,
 * a "related" list with the rest, and a footer of links that are not to be
 * followed (mailto:, javascript:, http://127.0.0.2:PORT/, .invalid).
 *
 * Reachability.  Page i links to its children F*i+1 .. F*i+F (F = LINKS/2),
 * a tree rooted at /index.html, and to random pages up to LINKS in-scope
 * links in all.  Query pages are chosen among the tree's leaves and every
 * link to one spells its query "?a=N&amp;b=2": a crawler that does not
 * decode the entity requests a URL that is not the page's and misses it,
 * while nothing else on the site depends on reaching it.  The plain /q/N.html
 * is never linked.  Hrefs come in every common form: absolute, root-relative,
 * relative ("N.html", "./N.html", "../p/N.html"), some with a fragment.
 *
 * So, with URLs normalized (fragment dropped, "&amp;" decoded), the site has
 * exactly PAGES distinct in-scope URLs; DIR/expected-urls.txt lists their
 * paths (with query), sorted bytewise, one a line.  The count goes to stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_PAGE_BYTES 20480u	/* text is added until a page is this big */
#define GEN_BUF_CAP (4u << 20)	/* ceiling of one page buffer */
#define GEN_HREF_CAP 256	/* ceiling of one href or URL path */
#define GEN_MAX_PAGES 1000000u
#define GEN_MAX_LINKS 1000u
#define GEN_QUERY_EVERY 20u	/* every 20th leaf is a query page */
#define GEN_DIR_BUCKETS 16u	/* /d/0/ .. /d/15/ */

enum gen_kind { GEN_INDEX, GEN_P, GEN_D, GEN_Q };

struct gen_site {
	const char *dir;
	unsigned pages;
	unsigned links;	     /* in-scope body links per page */
	unsigned fanout;     /* children per tree node */
	unsigned first_leaf; /* pages at or past this id have no children */
	unsigned port;
	uint64_t seed;
};

/* A growable byte buffer with a hard ceiling. */
struct gen_buf {
	char *p;
	size_t len, cap, max;
};

/* Where a page lives: its directory as segments and its file name. */
struct gen_loc {
	const char *seg[2];
	char bucket[8];
	unsigned nseg;
	char name[24];
	enum gen_kind kind;
	unsigned id;
};

/* Titles and headings draw from the nouns; text draws from both lists, the
 * second of which also brings non-ASCII letters and character references. */
static const char *const gen_nouns[] = {
	"harbor", "signal", "ledger", "crawl", "meadow", "copper", "lantern",
	"river", "archive", "orbit", "thistle", "granite", "velvet", "beacon",
	"mosaic", "quarry", "willow", "ember", "canyon", "pixel", "saddle",
	"tundra", "violet", "falcon", "garnet", "harvest", "island", "juniper",
	"kettle", "lagoon", "marble", "nectar", "oyster", "pepper", "quartz",
	"raven", "summit", "timber", "umbra", "vessel", "walnut", "yarrow",
	"zephyr", "anchor", "bramble", "cobalt", "dune", "estuary", "fjord",
	"glacier", "heron", "indigo", "jasper", "kelp", "lichen", "mango",
	"nimbus", "olive", "prairie", "quill", "reef", "sparrow", "tulip",
	"upland", "valley", "wharf", "xylem", "yew", "zinc",
};
#define GEN_NNOUNS (sizeof gen_nouns / sizeof gen_nouns[0])

static const char *const gen_fillers[] = {
	"the", "of", "and", "a", "to", "in", "is", "for", "on", "with", "as",
	"by", "at", "from", "that", "this", "which", "its", "every", "some",
	"each", "more", "most", "than", "between", "under", "over", "after",
	"before", "while", "when", "index", "table", "report", "season",
	"market", "station", "network", "garden", "engine", "village",
	"library", "museum", "bridge", "tower", "method", "measure", "sample",
	"record", "survey", "result", "figure", "quickly", "slowly",
	"carefully", "rarely", "often", "early", "late", "bright", "quiet",
	"heavy", "narrow", "ancient", "modern", "local", "café", "naïve",
	"façade", "résumé", "Zürich", "smörgåsbord", "R&amp;D",
	"&lt;draft&gt;", "&quot;beta&quot;", "2026", "17", "4.5", "42%",
};
#define GEN_NFILLERS (sizeof gen_fillers / sizeof gen_fillers[0])

static void gen_die(const char *fmt, ...)
{
	va_list ap;

	fputs("gensite: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *gen_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		gen_die("out of memory allocating %zu bytes", n);
	return p;
}

/* splitmix64: small, fast, and good enough to pick words and links. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

static const char *gen_word(uint64_t *rng)
{
	unsigned r = rng_below(rng, GEN_NNOUNS + GEN_NFILLERS);

	return r < GEN_NNOUNS ? gen_nouns[r] : gen_fillers[r - GEN_NNOUNS];
}

/* An independent stream per (page, purpose), so pages can be generated in
 * any order and a page's title is the same wherever it is shown. */
static uint64_t rng_stream(const struct gen_site *s, unsigned id,
			   unsigned purpose)
{
	uint64_t st = s->seed ^ ((uint64_t)id << 20) ^ purpose;

	rng_next(&st);
	return rng_next(&st);
}

static void buf_init(struct gen_buf *b, size_t max)
{
	b->cap = 64 * 1024;
	b->p = gen_xmalloc(b->cap);
	b->len = 0;
	b->max = max;
}

static void buf_release(struct gen_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void buf_reserve(struct gen_buf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need > b->max)
		gen_die("page buffer over its %zu-byte ceiling", b->max);
	if (need <= b->cap)
		return;
	while (b->cap < need)
		b->cap *= 2;
	if (b->cap > b->max)
		b->cap = b->max;
	b->p = realloc(b->p, b->cap);
	if (!b->p)
		gen_die("out of memory growing a page buffer to %zu", b->cap);
}

static void buf_add(struct gen_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(struct gen_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct gen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		gen_die("vsnprintf failed");
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static enum gen_kind gen_kind_of(const struct gen_site *s, unsigned id)
{
	if (id == 0)
		return GEN_INDEX;
	if (id >= s->first_leaf && id % GEN_QUERY_EVERY == GEN_QUERY_EVERY - 1)
		return GEN_Q;
	if (id % 5 == 2)
		return GEN_D;
	return GEN_P;
}

static void gen_locate(const struct gen_site *s, unsigned id,
		       struct gen_loc *l)
{
	l->id = id;
	l->kind = gen_kind_of(s, id);
	l->nseg = 0;
	switch (l->kind) {
	case GEN_INDEX:
		snprintf(l->name, sizeof l->name, "index.html");
		return;
	case GEN_P:
		l->seg[l->nseg++] = "p";
		break;
	case GEN_D:
		snprintf(l->bucket, sizeof l->bucket, "%u",
			 id % GEN_DIR_BUCKETS);
		l->seg[l->nseg++] = "d";
		l->seg[l->nseg++] = l->bucket;
		break;
	case GEN_Q:
		l->seg[l->nseg++] = "q";
		break;
	}
	snprintf(l->name, sizeof l->name, "%u.html", id);
}

/* Appends the directory of L ("/", "/p/", "/d/7/") to OUT. */
static size_t gen_dir_path(const struct gen_loc *l, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "/");
	unsigned i;

	for (i = 0; i < l->nseg; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s/", l->seg[i]);
	return n;
}

/* The URL path of page L, query included, as a crawler should request it
 * (AMP is "&" for the URL, "&amp;" for an href in HTML). */
static void gen_url_path(const struct gen_loc *l, const char *amp, char *out,
			 size_t cap)
{
	size_t n = gen_dir_path(l, out, cap);

	n += (size_t)snprintf(out + n, cap - n, "%s", l->name);
	if (l->kind == GEN_Q)
		snprintf(out + n, cap - n, "?a=%u%sb=2", l->id, amp);
}

/* An href from page FROM to page TO in a form drawn from RNG: absolute,
 * root-relative or relative, sometimes with a fragment. */
static void gen_href(const struct gen_site *s, const struct gen_loc *from,
		     const struct gen_loc *to, uint64_t *rng, char *out,
		     size_t cap)
{
	unsigned form = rng_below(rng, 100);
	unsigned common = 0, i;
	size_t n = 0;

	if (form < 10) {
		n = (size_t)snprintf(out, cap, "http://127.0.0.1:%u", s->port);
		gen_url_path(to, "&amp;", out + n, cap - n);
	} else if (form < 50) {
		gen_url_path(to, "&amp;", out, cap);
	} else {
		while (common < from->nseg && common < to->nseg &&
		       strcmp(from->seg[common], to->seg[common]) == 0)
			common++;
		if (common == from->nseg && rng_below(rng, 2))
			n += (size_t)snprintf(out + n, cap - n, "./");
		for (i = common; i < from->nseg; i++)
			n += (size_t)snprintf(out + n, cap - n, "../");
		for (i = common; i < to->nseg; i++)
			n += (size_t)snprintf(out + n, cap - n, "%s/",
					      to->seg[i]);
		n += (size_t)snprintf(out + n, cap - n, "%s", to->name);
		if (to->kind == GEN_Q)
			snprintf(out + n, cap - n, "?a=%u&amp;b=2", to->id);
	}
	if (rng_below(rng, 100) < 15) {
		n = strlen(out);
		snprintf(out + n, cap - n, "#sec%u", 1 + rng_below(rng, 6));
	}
}

static void gen_sentence(struct gen_buf *b, uint64_t *rng)
{
	unsigned n = 6 + rng_below(rng, 11), i;
	const char *w;
	size_t at;

	for (i = 0; i < n; i++) {
		w = gen_word(rng);
		if (i > 0)
			buf_add(b, " ", 1);
		at = b->len;
		buf_puts(b, w);
		if (i == 0 && w[0] >= 'a' && w[0] <= 'z')
			b->p[at] = (char)(w[0] - 'a' + 'A');
	}
	buf_puts(b, rng_below(rng, 8) ? ". " : "? ");
}

/* "Page N: word word word", the same on the page and in links to it. */
static void gen_title(const struct gen_site *s, unsigned id, char *out,
		      size_t cap)
{
	uint64_t rng = rng_stream(s, id, 1);
	size_t n = (size_t)snprintf(out, cap, "Page %u:", id);
	unsigned i;

	for (i = 0; i < 3; i++)
		n += (size_t)snprintf(out + n, cap - n, " %s",
				      gen_nouns[rng_below(&rng, GEN_NNOUNS)]);
}

static void gen_anchor(struct gen_buf *b, const char *href, const char *text,
		       uint64_t *rng)
{
	if (rng_below(rng, 20) == 0)
		buf_printf(b, "<a class='ref' href='%s'>%s</a>", href, text);
	else
		buf_printf(b, "<a href=\"%s\">%s</a>", href, text);
}

/* The in-scope body links of page ID: its tree children, then random pages
 * up to s->links, shuffled.  Returns the count written to T. */
static unsigned gen_targets(const struct gen_site *s, unsigned id,
			    uint64_t *rng, unsigned *t)
{
	unsigned n = 0, c, i, j, tmp;
	uint64_t first = (uint64_t)id * s->fanout + 1;

	for (c = 0; c < s->fanout && first + c < s->pages; c++)
		t[n++] = (unsigned)(first + c);
	while (n < s->links && s->pages > 1) {
		c = rng_below(rng, s->pages);
		if (c != id)
			t[n++] = c;
	}
	for (i = n; i > 1; i--) {
		j = rng_below(rng, i);
		tmp = t[i - 1];
		t[i - 1] = t[j];
		t[j] = tmp;
	}
	return n;
}

static const char gen_css[] =
	"<style>\n"
	"body{font:16px/1.5 Georgia,serif;margin:0 auto;max-width:46em;"
	"color:#222;background:#fdfdfb}\n"
	"header,footer{padding:1em 0;border-bottom:1px solid #ddd}\n"
	"nav ul{list-style:none;padding:0;display:flex;gap:1em}\n"
	"aside{font-size:.9em;border-left:3px solid #9ab;padding-left:1em}\n"
	"a{color:#1a5fb4}a:visited{color:#613583}\n"
	"h1,h2{font-family:Helvetica,Arial,sans-serif;line-height:1.2}\n"
	"</style>\n";

/* Writes the HTML of page ID into B. */
static void gen_page(const struct gen_site *s, unsigned id, struct gen_buf *b,
		     struct gen_buf *tail, unsigned *targets)
{
	struct gen_loc self, to;
	uint64_t rng = rng_stream(s, id, 2);
	char title[128], ttitle[128], href[GEN_HREF_CAP], path[GEN_HREF_CAP];
	unsigned n, ninline, next, i, para, sec = 1;

	gen_locate(s, id, &self);
	gen_title(s, id, title, sizeof title);
	gen_url_path(&self, "&amp;", path, sizeof path);
	n = gen_targets(s, id, &rng, targets);
	ninline = n / 4;

	b->len = 0;
	buf_printf(b,
		   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n<title>%s</title>\n"
		   "<meta name=\"description\" content=\"", title);
	gen_sentence(b, &rng);
	b->len--; /* the sentence's trailing space */
	buf_printf(b,
		   "\">\n<meta name=\"viewport\" "
		   "content=\"width=device-width, initial-scale=1\">\n"
		   "<link rel=\"canonical\" href=\"http://127.0.0.1:%u%s\">\n"
		   "<link rel=\"stylesheet\" "
		   "href=\"http://static.invalid/css/site.css\">\n%s"
		   "<script src=\"http://127.0.0.2:%u/js/app.js\" defer>"
		   "</script>\n<script>\nwindow.dataLayer = window.dataLayer "
		   "|| [];\nfunction track(e) { dataLayer.push(e); }\n"
		   "track({page: %u, kind: \"article\"});\n</script>\n"
		   "</head>\n<body>\n<header>\n<h1>%s</h1>\n<nav><ul>\n",
		   s->port, path, gen_css, s->port, id, title);

	gen_locate(s, 0, &to);
	gen_url_path(&to, "&amp;", href, sizeof href);
	buf_printf(b, "<li><a href=\"%s\">Home</a></li>\n", href);
	gen_locate(s, id ? id - 1 : s->pages - 1, &to);
	gen_href(s, &self, &to, &rng, href, sizeof href);
	buf_printf(b, "<li><a href=\"%s\" rel=\"prev\">Previous</a></li>\n",
		   href);
	gen_locate(s, (id + 1) % s->pages, &to);
	gen_href(s, &self, &to, &rng, href, sizeof href);
	buf_printf(b, "<li><a href=\"%s\" rel=\"next\">Next</a></li>\n"
		      "<li><a href=\"#sec1\">Contents</a></li>\n"
		      "</ul></nav>\n</header>\n<main>\n<article>\n", href);

	/* The tail (related list and footer) first, so that the text can be
	 * sized to bring the page to GEN_PAGE_BYTES. */
	tail->len = 0;
	buf_puts(tail, "</article>\n<aside>\n<h2>Related pages</h2>\n<ul>\n");
	for (i = ninline; i < n; i++) {
		gen_locate(s, targets[i], &to);
		gen_href(s, &self, &to, &rng, href, sizeof href);
		gen_title(s, targets[i], ttitle, sizeof ttitle);
		buf_puts(tail, "<li>");
		gen_anchor(tail, href, ttitle, &rng);
		buf_puts(tail, "</li>\n");
	}
	buf_printf(tail,
		   "</ul>\n</aside>\n</main>\n<footer>\n<p>"
		   "<a href=\"mailto:webmaster@example.invalid\">Contact</a> | "
		   "<a href=\"javascript:void(0)\" onclick=\"track('cookies')\">"
		   "Cookie settings</a> | "
		   "<a href=\"http://127.0.0.2:%u/p/%u.html\">Mirror</a> | "
		   "<a href=\"http://example.invalid/partners?id=%u&amp;x=1\">"
		   "Partner</a> | <a href=\"tel:+15550100\">Call us</a></p>\n"
		   "<p>Copyright 2026 Example &amp; Co.</p>\n</footer>\n"
		   "</body>\n</html>\n",
		   s->port, id, id);

	next = 0;
	for (para = 0; next < ninline || b->len + tail->len < GEN_PAGE_BYTES;
	     para++) {
		if (para % 3 == 0)
			buf_printf(b, "<h2 id=\"sec%u\">%s</h2>\n", sec++,
				   gen_nouns[rng_below(&rng, GEN_NNOUNS)]);
		buf_puts(b, "<p>");
		for (i = 3 + rng_below(&rng, 4); i > 0; i--)
			gen_sentence(b, &rng);
		if (next < ninline) {
			gen_locate(s, targets[next], &to);
			gen_href(s, &self, &to, &rng, href, sizeof href);
			gen_title(s, targets[next], ttitle, sizeof ttitle);
			buf_puts(b, "See ");
			gen_anchor(b, href, ttitle, &rng);
			buf_puts(b, " for more. ");
			next++;
		}
		gen_sentence(b, &rng);
		buf_puts(b, "</p>\n");
	}
	buf_add(b, tail->p, tail->len);
}

static int gen_mkdir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "gensite: mkdir %s: %s\n", path, strerror(errno));
	return -1;
}

static int gen_write_file(const char *path, const char *data, size_t len)
{
	ssize_t w;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "gensite: open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "gensite: write %s: %s\n", path,
				strerror(errno));
			close(fd);
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "gensite: close %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int gen_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes DIR/expected-urls.txt. */
static int gen_expected(const struct gen_site *s, char *fpath, size_t cap)
{
	struct gen_loc l;
	char path[GEN_HREF_CAP], **urls = NULL;
	FILE *f = NULL;
	unsigned i;
	int ret = -1;

	urls = gen_xmalloc(sizeof *urls * s->pages);
	for (i = 0; i < s->pages; i++) {
		gen_locate(s, i, &l);
		gen_url_path(&l, "&", path, sizeof path);
		urls[i] = strdup(path);
		if (!urls[i])
			gen_die("out of memory");
	}
	qsort(urls, s->pages, sizeof *urls, gen_cmp_str);
	snprintf(fpath, cap, "%s/expected-urls.txt", s->dir);
	f = fopen(fpath, "w");
	if (!f) {
		fprintf(stderr, "gensite: open %s: %s\n", fpath,
			strerror(errno));
		goto out;
	}
	for (i = 0; i < s->pages; i++)
		fprintf(f, "%s\n", urls[i]);
	if (fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "gensite: write %s: %s\n", fpath,
			strerror(errno));
		goto out;
	}
	f = NULL;
	ret = 0;
out:
	if (f)
		fclose(f);
	for (i = 0; i < s->pages; i++)
		free(urls[i]);
	free(urls);
	return ret;
}

static unsigned long gen_number(const char *arg, const char *what,
				unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < lo || v > hi)
		gen_die("%s must be a number from %lu to %lu, not '%s'", what,
			lo, hi, arg);
	return v;
}

static void gen_usage(void)
{
	fprintf(stderr,
		"usage: gensite [-p PORT] DIR [PAGES [LINKS [SEED]]]\n"
		"  writes PAGES (default 20000) pages of ~20 KB with LINKS "
		"(default 40)\n  in-scope links each into DIR, and "
		"DIR/expected-urls.txt; absolute links\n  use "
		"http://127.0.0.1:PORT (default 8080); SEED defaults to 1.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct gen_site s = { .pages = 20000, .links = 40, .port = 8080,
			      .seed = 1 };
	struct gen_buf page, tail;
	struct gen_loc l;
	char path[4096], upath[GEN_HREF_CAP];
	unsigned *targets, i, nq = 0;
	unsigned long long bytes = 0;
	int opt;

	while ((opt = getopt(argc, argv, "p:h")) != -1) {
		switch (opt) {
		case 'p':
			s.port = (unsigned)gen_number(optarg, "PORT", 1, 65535);
			break;
		default:
			gen_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 4)
		gen_usage();
	s.dir = argv[0];
	if (argc > 1)
		s.pages = (unsigned)gen_number(argv[1], "PAGES", 1,
					       GEN_MAX_PAGES);
	if (argc > 2)
		s.links = (unsigned)gen_number(argv[2], "LINKS", 1,
					       GEN_MAX_LINKS);
	if (argc > 3)
		s.seed = gen_number(argv[3], "SEED", 0, 0xffffffffUL);
	if (strlen(s.dir) > sizeof path - 64)
		gen_die("DIR is too long");
	s.fanout = s.links / 2 ? s.links / 2 : 1;
	s.first_leaf = (s.pages - 1 + s.fanout - 1) / s.fanout;

	if (gen_mkdir(s.dir) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/p", s.dir);
	if (gen_mkdir(path) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/q", s.dir);
	if (gen_mkdir(path) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/d", s.dir);
	if (gen_mkdir(path) < 0)
		return 1;
	for (i = 0; i < GEN_DIR_BUCKETS; i++) {
		snprintf(path, sizeof path, "%s/d/%u", s.dir, i);
		if (gen_mkdir(path) < 0)
			return 1;
	}

	buf_init(&page, GEN_BUF_CAP);
	buf_init(&tail, GEN_BUF_CAP);
	targets = gen_xmalloc(sizeof *targets * (s.links + s.fanout));
	for (i = 0; i < s.pages; i++) {
		gen_locate(&s, i, &l);
		nq += l.kind == GEN_Q;
		gen_page(&s, i, &page, &tail, targets);
		gen_dir_path(&l, upath, sizeof upath);
		snprintf(path, sizeof path, "%s%s%s", s.dir, upath, l.name);
		if (gen_write_file(path, page.p, page.len) < 0)
			return 1;
		bytes += page.len;
	}
	free(targets);
	buf_release(&page);
	buf_release(&tail);

	if (gen_expected(&s, path, sizeof path) < 0)
		return 1;
	fprintf(stderr,
		"gensite: %u pages (%u reachable only through &amp; links), "
		"%.1f MB, in %s; URL list in %s\n",
		s.pages, nq, (double)bytes / 1e6, s.dir, path);
	printf("%u\n", s.pages);
	return 0;
}
