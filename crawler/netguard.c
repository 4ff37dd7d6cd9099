/*
 * netguard.c - the address policy (see netguard.h).
 *
 * netguard_new() runs in the coordinator, once per config; the rest runs
 * in workers, from curl's open-socket callback: once per new connection
 * (keep-alive makes that far fewer than one per page), so a linear scan
 * of two short tables is all the speed it needs.
 */
#include "netguard.h"

#include "conf.h"
#include "log.h"
#include "url.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct netguard {
	unsigned classes;           /* 1 << enum netguard_class allowed */
	struct netguard_net *nets;  /* allow_networks */
	size_t nnets;
	uint64_t *names;            /* url_fingerprint() of each seed host
				       name (lower case), sorted, unique */
	size_t nnames, capnames;
};

struct range {
	uint8_t a, b, c, d;         /* IPv4 prefix */
	unsigned bits;
	enum netguard_class cls;
};

/* First match wins: the more specific ranges come first. */
static const struct range v4[] = {
	{ 169, 254, 169, 254, 32, NETGUARD_METADATA },
	{ 100, 100, 100, 200, 32, NETGUARD_METADATA },
	{ 168, 63, 129, 16, 32, NETGUARD_METADATA },
	{ 255, 255, 255, 255, 32, NETGUARD_MULTICAST },
	{ 0, 0, 0, 0, 8, NETGUARD_UNSPECIFIED },
	{ 10, 0, 0, 0, 8, NETGUARD_PRIVATE },
	{ 100, 64, 0, 0, 10, NETGUARD_PRIVATE },
	{ 127, 0, 0, 0, 8, NETGUARD_LOOPBACK },
	{ 169, 254, 0, 0, 16, NETGUARD_LINK_LOCAL },
	{ 172, 16, 0, 0, 12, NETGUARD_PRIVATE },
	{ 192, 0, 0, 0, 24, NETGUARD_RESERVED },
	{ 192, 0, 2, 0, 24, NETGUARD_RESERVED },
	{ 192, 88, 99, 0, 24, NETGUARD_RESERVED },
	{ 192, 168, 0, 0, 16, NETGUARD_PRIVATE },
	{ 198, 18, 0, 0, 15, NETGUARD_RESERVED },
	{ 198, 51, 100, 0, 24, NETGUARD_RESERVED },
	{ 203, 0, 113, 0, 24, NETGUARD_RESERVED },
	{ 224, 0, 0, 0, 4, NETGUARD_MULTICAST },
	{ 240, 0, 0, 0, 4, NETGUARD_RESERVED },
};

struct range6 {
	uint8_t p[16];
	unsigned bits;
	enum netguard_class cls;
};

/* Checked after the forms that embed IPv4 (see netguard_classify()). */
static const struct range6 v6[] = {
	{ { 0 }, 128, NETGUARD_UNSPECIFIED },
	{ { [15] = 1 }, 128, NETGUARD_LOOPBACK },
	{ { 0xfd, 0x00, 0x0e, 0xc2, [15] = 0x54, [14] = 0x02 }, 128,
	  NETGUARD_METADATA },
	{ { 0 }, 96, NETGUARD_RESERVED },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, NETGUARD_PRIVATE },
	{ { 0x01, 0x00 }, 64, NETGUARD_RESERVED },
	{ { 0x20, 0x01, 0x00, 0x02 }, 48, NETGUARD_RESERVED },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, NETGUARD_RESERVED },
	{ { 0x3f, 0xff }, 20, NETGUARD_RESERVED },
	{ { 0xfc }, 7, NETGUARD_PRIVATE },
	{ { 0xfe, 0x80 }, 10, NETGUARD_LINK_LOCAL },
	{ { 0xfe, 0xc0 }, 10, NETGUARD_PRIVATE },
	{ { 0xff }, 8, NETGUARD_MULTICAST },
};

static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
static const uint8_t translated[12] = { [8] = 0xff, [9] = 0xff };
static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, p, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ p[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static enum netguard_class classify4(const uint8_t *a)
{
	for (size_t i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		const uint8_t p[4] = { v4[i].a, v4[i].b, v4[i].c, v4[i].d };

		if (prefix_match(a, p, v4[i].bits))
			return v4[i].cls;
	}
	return NETGUARD_PUBLIC;
}

enum netguard_class netguard_classify(const uint8_t a[16])
{
	enum netguard_class c;

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, translated, 12) == 0)
		return classify4(a + 12);
	/* Through a NAT64 gateway or a 6to4 tunnel the packets reach the
	 * embedded IPv4 address: a special one keeps its class. */
	if (memcmp(a, nat64, 12) == 0 &&
	    (c = classify4(a + 12)) != NETGUARD_PUBLIC)
		return c;
	if (a[0] == 0x20 && a[1] == 0x02 &&
	    (c = classify4(a + 2)) != NETGUARD_PUBLIC)
		return c;
	for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++)
		if (prefix_match(a, v6[i].p, v6[i].bits))
			return v6[i].cls;
	if ((a[0] & 0xe0) != 0x20 && memcmp(a, nat64, 12) != 0)
		return NETGUARD_RESERVED; /* not global unicast 2000::/3 */
	return NETGUARD_PUBLIC;
}

const char *netguard_class_name(enum netguard_class c)
{
	static const char *const names[] = {
		"public", "loopback", "private", "link-local", "metadata",
		"unspecified", "multicast", "reserved",
	};

	return (unsigned)c < NETGUARD_NCLASSES ? names[c] : "?";
}

/* ---- addresses ---- */

int netguard_addr_parse(const char *s, size_t len, uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a + 12) == 1) {
		memcpy(a, mapped, 12);
		return 0;
	}
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1;
}

int netguard_addr_of(const struct sockaddr *sa, size_t len, uint8_t a[16])
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		memcpy(a, mapped, 12);
		memcpy(a + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		memcpy(a, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

char *netguard_addr_str(const uint8_t a[16], char *buf, size_t size)
{
	const char *ok;

	if (memcmp(a, mapped, 12) == 0)
		ok = inet_ntop(AF_INET, a + 12, buf, (socklen_t)size);
	else
		ok = inet_ntop(AF_INET6, a, buf, (socklen_t)size);
	if (!ok && size)
		snprintf(buf, size, "?");
	return buf;
}

int netguard_net_parse(const char *s, struct netguard_net *n, char *why,
		       size_t size)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	bool is4;
	unsigned long bits, max;
	char *end;

	memset(n, 0, sizeof *n);
	if (alen == 0 || s[0] == '[' ||
	    netguard_addr_parse(s, alen, n->addr) < 0) {
		snprintf(why, size, "\"%s\" is not a network; give an address "
			 "with a prefix length such as 10.0.0.0/8 or fd00::/8",
			 s);
		return -1;
	}
	is4 = memchr(s, ':', alen) == NULL;
	max = is4 ? 32 : 128;
	bits = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9' ||
		    (slash[1] == '0' && slash[2] != '\0') ||
		    (bits = strtoul(slash + 1, &end, 10), *end != '\0') ||
		    bits > max || end - slash > 4) {
			snprintf(why, size, "\"%s\": the prefix length must be "
				 "a number from 0 to %lu", s, max);
			return -1;
		}
	}
	n->bits = (unsigned)bits + (is4 ? 96 : 0);
	{
		struct netguard_net m = *n;
		char a[INET6_ADDRSTRLEN];

		for (unsigned i = n->bits; i < 128; i++)
			m.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		if (memcmp(m.addr, n->addr, 16) != 0) {
			snprintf(why, size, "\"%s\" has host bits set below "
				 "the /%lu prefix; did you mean %s/%lu?", s,
				 bits, netguard_addr_str(m.addr, a, sizeof a),
				 bits);
			return -1;
		}
	}
	return 0;
}

bool netguard_net_contains(const struct netguard_net *n, const uint8_t a[16])
{
	return prefix_match(a, n->addr, n->bits);
}

/* ---- the policy ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_localhost(const char *h, size_t n)
{
	return (n == 9 && strncmp(h, "localhost", 9) == 0) ||
	       (n > 10 && strncmp(h + n - 10, ".localhost", 10) == 0);
}

/* Widens G for a seed on host H (N bytes, as in a normalized URL). */
static void add_host(struct netguard *g, const char *h, size_t n)
{
	uint8_t a[16];

	if (netguard_addr_parse(h, n, a) == 0) {
		g->classes |= 1u << netguard_classify(a);
		return;
	}
	if (is_localhost(h, n))
		g->classes |= 1u << NETGUARD_LOOPBACK;
	if (g->nnames == g->capnames) {
		g->capnames = g->capnames ? g->capnames * 2 : 16;
		g->names = xrealloc(g->names, g->capnames * sizeof *g->names);
	}
	g->names[g->nnames++] = url_fingerprint(h, n);
}

/* Widens G for seed URL S as given.  A plain host (ASCII letters, digits,
 * '-', '.', not ending in a number or a dot) is taken as it is, lower-
 * cased; anything else goes through url_normalize(), which a seeds file
 * of a million lines could not afford for every line. */
static void add_seed(struct netguard *g, const char *s)
{
	const char *p = strstr(s, "://"), *end, *at, *h, *label;
	char buf[256], *u;
	uint8_t a[16];
	size_t n, i;
	bool plain = true;

	if (!p || !((p - s == 4 && strncasecmp(s, "http", 4) == 0) ||
		    (p - s == 5 && strncasecmp(s, "https", 5) == 0)))
		return;
	p += 3;
	end = p + strcspn(p, "/?#\\");
	while ((at = memchr(p, '@', (size_t)(end - p))))
		p = at + 1;
	if (*p == '[') {
		plain = false;
		n = (size_t)(end - p);
	} else {
		n = strcspn(p, ":/?#\\");
		if (p + n > end)
			n = (size_t)(end - p);
	}
	if (n == 0 || n >= sizeof buf)
		plain = false;
	for (i = 0; plain && i < n; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			plain = false;
		buf[i] = c;
	}
	/* "1.2.3.4" is an address; "0x7f.1" or "127.1" (a last label that
	 * starts with a digit) one spelled as browsers read it, for
	 * url_normalize() to decode. */
	if (plain && n > 0 && buf[n - 1] != '.') {
		label = memrchr(buf, '.', n);
		label = label ? label + 1 : buf;
		if (!(*label >= '0' && *label <= '9') ||
		    netguard_addr_parse(buf, n, a) == 0) {
			add_host(g, buf, n);
			return;
		}
	}
	u = url_normalize(s);
	h = u ? url_host(u, &n) : NULL;
	if (h && n > 0)
		add_host(g, h, n);
	free(u);
}

/* Widens G for each URL in seeds file PATH (one a line, blank lines and
 * '#' comments skipped).  Only a regular file: a pipe read here would be
 * empty for the coordinator.  A file that cannot be read is left to the
 * coordinator to report. */
static void add_seeds_file(struct netguard *g, const char *path)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *s = line;

		while (n > 0 && strchr("\r\n \t", s[n - 1]))
			s[--n] = '\0';
		s += strspn(s, " \t");
		if (*s && *s != '#')
			add_seed(g, s);
	}
	free(line);
	fclose(f);
}

struct netguard *netguard_new(const struct conf_list *seeds,
			      const char *seeds_file,
			      const struct conf_list *allow)
{
	struct netguard *g = xcalloc(1, sizeof *g);
	size_t i, j;
	char why[200];

	if (allow && allow->n > 0) {
		g->nets = xcalloc(allow->n, sizeof *g->nets);
		for (i = 0; i < allow->n; i++)
			if (netguard_net_parse(allow->v[i], &g->nets[g->nnets],
					       why, sizeof why) == 0)
				g->nnets++;
		return g;
	}
	for (i = 0; seeds && i < seeds->n; i++)
		add_seed(g, seeds->v[i]);
	if (seeds_file)
		add_seeds_file(g, seeds_file);
	g->classes &= ~(1u << NETGUARD_PUBLIC);
	if (g->nnames > 1) {
		qsort(g->names, g->nnames, sizeof *g->names, cmp_u64);
		for (i = j = 1; i < g->nnames; i++)
			if (g->names[i] != g->names[j - 1])
				g->names[j++] = g->names[i];
		g->nnames = j;
	}
	return g;
}

void netguard_free(struct netguard *g)
{
	if (!g)
		return;
	free(g->names);
	free(g->nets);
	free(g);
}

unsigned netguard_classes(const struct netguard *g)
{
	return g ? g->classes : 0;
}

/* True if HOST (LEN bytes, lower case) is one of the seeds' host names. */
static bool trusted_host(const struct netguard *g, const char *host, size_t len)
{
	uint64_t fp = url_fingerprint(host, len);

	return bsearch(&fp, g->names, g->nnames, sizeof fp, cmp_u64) != NULL;
}

bool netguard_allows(const struct netguard *g, const uint8_t a[16],
		     const char *host, size_t len)
{
	enum netguard_class c = netguard_classify(a);

	if (c == NETGUARD_PUBLIC)
		return true;
	if (!g)
		return false;
	if (g->classes & (1u << c))
		return true;
	for (size_t i = 0; i < g->nnets; i++)
		if (netguard_net_contains(&g->nets[i], a))
			return true;
	return host && len > 0 && g->nnames > 0 && trusted_host(g, host, len);
}
