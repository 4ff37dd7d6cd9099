/*
 * test_netguard.c - the address guard: address and network parsing,
 * every special range (IPv4, IPv6, IPv6 forms carrying IPv4), and the
 * policy built from seeds and allow_networks.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "netguard.h"

static void addr(const char *s, uint8_t a[16])
{
	cr_assert_eq(netguard_addr_parse(s, strlen(s), a), 0,
		     "\"%s\" should parse as an address", s);
}

static enum netguard_class class_of(const char *s)
{
	uint8_t a[16];

	addr(s, a);
	return netguard_classify(a);
}

/* ---- classification: one row per range, its edges and a neighbour ---- */

/* By value: Criterion may run each parameter in a new process. */
struct case_ {
	char addr[48];
	enum netguard_class cls;
};

static struct case_ cases[] = {
	/* IPv4 */
	{ "0.0.0.0", NETGUARD_UNSPECIFIED },
	{ "0.255.255.255", NETGUARD_UNSPECIFIED },
	{ "1.0.0.0", NETGUARD_PUBLIC },
	{ "9.255.255.255", NETGUARD_PUBLIC },
	{ "10.0.0.0", NETGUARD_PRIVATE },
	{ "10.255.255.255", NETGUARD_PRIVATE },
	{ "11.0.0.0", NETGUARD_PUBLIC },
	{ "100.63.255.255", NETGUARD_PUBLIC },
	{ "100.64.0.0", NETGUARD_PRIVATE },
	{ "100.127.255.255", NETGUARD_PRIVATE },
	{ "100.128.0.0", NETGUARD_PUBLIC },
	{ "100.100.100.200", NETGUARD_METADATA },
	{ "126.255.255.255", NETGUARD_PUBLIC },
	{ "127.0.0.1", NETGUARD_LOOPBACK },
	{ "127.0.0.2", NETGUARD_LOOPBACK },
	{ "127.255.255.255", NETGUARD_LOOPBACK },
	{ "128.0.0.0", NETGUARD_PUBLIC },
	{ "168.63.129.16", NETGUARD_METADATA },
	{ "168.63.129.17", NETGUARD_PUBLIC },
	{ "169.253.255.255", NETGUARD_PUBLIC },
	{ "169.254.0.0", NETGUARD_LINK_LOCAL },
	{ "169.254.169.253", NETGUARD_LINK_LOCAL },
	{ "169.254.169.254", NETGUARD_METADATA },
	{ "169.254.169.255", NETGUARD_LINK_LOCAL },
	{ "169.254.255.255", NETGUARD_LINK_LOCAL },
	{ "169.255.0.0", NETGUARD_PUBLIC },
	{ "172.15.255.255", NETGUARD_PUBLIC },
	{ "172.16.0.0", NETGUARD_PRIVATE },
	{ "172.31.255.255", NETGUARD_PRIVATE },
	{ "172.32.0.0", NETGUARD_PUBLIC },
	{ "192.0.0.0", NETGUARD_RESERVED },
	{ "192.0.0.255", NETGUARD_RESERVED },
	{ "192.0.1.0", NETGUARD_PUBLIC },
	{ "192.0.2.1", NETGUARD_RESERVED },
	{ "192.88.99.1", NETGUARD_RESERVED },
	{ "192.167.255.255", NETGUARD_PUBLIC },
	{ "192.168.0.0", NETGUARD_PRIVATE },
	{ "192.168.255.255", NETGUARD_PRIVATE },
	{ "192.169.0.0", NETGUARD_PUBLIC },
	{ "198.17.255.255", NETGUARD_PUBLIC },
	{ "198.18.0.0", NETGUARD_RESERVED },
	{ "198.19.255.255", NETGUARD_RESERVED },
	{ "198.20.0.0", NETGUARD_PUBLIC },
	{ "198.51.100.7", NETGUARD_RESERVED },
	{ "203.0.113.9", NETGUARD_RESERVED },
	{ "8.8.8.8", NETGUARD_PUBLIC },
	{ "93.184.216.34", NETGUARD_PUBLIC },
	{ "223.255.255.255", NETGUARD_PUBLIC },
	{ "224.0.0.0", NETGUARD_MULTICAST },
	{ "239.255.255.255", NETGUARD_MULTICAST },
	{ "240.0.0.0", NETGUARD_RESERVED },
	{ "255.255.255.254", NETGUARD_RESERVED },
	{ "255.255.255.255", NETGUARD_MULTICAST },
	/* IPv6 */
	{ "::", NETGUARD_UNSPECIFIED },
	{ "::1", NETGUARD_LOOPBACK },
	{ "::2", NETGUARD_RESERVED },
	{ "::7f00:1", NETGUARD_RESERVED },          /* IPv4-compatible */
	{ "fe80::", NETGUARD_LINK_LOCAL },
	{ "fe80::1", NETGUARD_LINK_LOCAL },
	{ "febf:ffff::1", NETGUARD_LINK_LOCAL },
	{ "fec0::1", NETGUARD_PRIVATE },
	{ "fc00::", NETGUARD_PRIVATE },
	{ "fd12:3456::1", NETGUARD_PRIVATE },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NETGUARD_PRIVATE },
	{ "fd00:ec2::254", NETGUARD_METADATA },
	{ "fd00:ec2::253", NETGUARD_PRIVATE },
	{ "ff02::1", NETGUARD_MULTICAST },
	{ "ff0e::1", NETGUARD_MULTICAST },
	{ "2001:db8::1", NETGUARD_RESERVED },
	{ "2001:2::1", NETGUARD_RESERVED },
	{ "3fff::1", NETGUARD_RESERVED },
	{ "100::1", NETGUARD_RESERVED },
	{ "100:0:0:1::1", NETGUARD_RESERVED },      /* outside 2000::/3 */
	{ "4000::1", NETGUARD_RESERVED },
	{ "64:ff9b:1::1", NETGUARD_PRIVATE },
	{ "2001:4860:4860::8888", NETGUARD_PUBLIC },
	{ "2606:4700:4700::1111", NETGUARD_PUBLIC },
	{ "2a00:1450:4001:80b::200e", NETGUARD_PUBLIC },
	{ "2001::1", NETGUARD_PUBLIC },             /* Teredo: not judged */
	/* IPv6 carrying IPv4 */
	{ "::ffff:127.0.0.1", NETGUARD_LOOPBACK },
	{ "::ffff:7f00:2", NETGUARD_LOOPBACK },
	{ "::ffff:10.1.2.3", NETGUARD_PRIVATE },
	{ "::ffff:169.254.169.254", NETGUARD_METADATA },
	{ "::ffff:0.0.0.0", NETGUARD_UNSPECIFIED },
	{ "::ffff:8.8.8.8", NETGUARD_PUBLIC },
	{ "::ffff:0:127.0.0.1", NETGUARD_LOOPBACK },   /* translated */
	{ "::ffff:0:8.8.8.8", NETGUARD_PUBLIC },
	{ "64:ff9b::a9fe:a9fe", NETGUARD_METADATA },   /* NAT64 */
	{ "64:ff9b::192.168.1.1", NETGUARD_PRIVATE },
	{ "64:ff9b::8.8.8.8", NETGUARD_PUBLIC },
	{ "2002:7f00:1::", NETGUARD_LOOPBACK },        /* 6to4 */
	{ "2002:a9fe:a9fe::1", NETGUARD_METADATA },
	{ "2002:0808:0808::1", NETGUARD_PUBLIC },
};

ParameterizedTestParameters(netguard, classifies_every_range)
{
	return cr_make_param_array(struct case_, cases,
				   sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct case_ *c, netguard, classifies_every_range)
{
	enum netguard_class got = class_of(c->addr);

	cr_assert_eq(got, c->cls, "%s is %s, expected %s", c->addr,
		     netguard_class_name(got), netguard_class_name(c->cls));
}

/* ---- addresses ---- */

Test(netguard, parses_ip_literals_with_and_without_brackets)
{
	uint8_t a[16], b[16];

	addr("::1", a);
	addr("[::1]", b);
	cr_assert_eq(memcmp(a, b, 16), 0);
	addr("127.0.0.1", a);
	addr("::ffff:127.0.0.1", b);
	cr_assert_eq(memcmp(a, b, 16), 0, "IPv4 is stored as IPv4-mapped");
	cr_assert_eq(netguard_addr_parse("example.com", 11, a), -1);
	cr_assert_eq(netguard_addr_parse("", 0, a), -1);
	cr_assert_eq(netguard_addr_parse("[]", 2, a), -1);
	cr_assert_eq(netguard_addr_parse("127.1", 5, a), -1);
	cr_assert_eq(netguard_addr_parse("1.2.3.4.5", 9, a), -1);
	cr_assert_eq(netguard_addr_parse("[1.2.3.4]", 9, a), 0);
	/* Not NUL-terminated: only LEN bytes count. */
	cr_assert_eq(netguard_addr_parse("10.0.0.1:80", 8, a), 0);
	cr_assert_eq(netguard_classify(a), NETGUARD_PRIVATE);
}

Test(netguard, reads_socket_addresses_of_both_families)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	struct sockaddr_un { unsigned short f; char p[108]; } su;
	uint8_t a[16];
	char buf[64];

	memset(&s4, 0, sizeof s4);
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "169.254.169.254", &s4.sin_addr);
	cr_assert_eq(netguard_addr_of((struct sockaddr *)&s4, sizeof s4, a), 0);
	cr_assert_eq(netguard_classify(a), NETGUARD_METADATA);
	cr_assert_str_eq(netguard_addr_str(a, buf, sizeof buf), "169.254.169.254");
	cr_assert_eq(netguard_addr_of((struct sockaddr *)&s4, 4, a), -1);

	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "fe80::1", &s6.sin6_addr);
	cr_assert_eq(netguard_addr_of((struct sockaddr *)&s6, sizeof s6, a), 0);
	cr_assert_eq(netguard_classify(a), NETGUARD_LINK_LOCAL);
	cr_assert_str_eq(netguard_addr_str(a, buf, sizeof buf), "fe80::1");

	memset(&su, 0, sizeof su);
	su.f = AF_UNIX;
	cr_assert_eq(netguard_addr_of((struct sockaddr *)&su, sizeof su, a), -1);
}

/* ---- networks ---- */

static struct netguard_net net(const char *s)
{
	struct netguard_net n;
	char why[200];

	cr_assert_eq(netguard_net_parse(s, &n, why, sizeof why), 0,
		     "\"%s\": %s", s, why);
	return n;
}

static bool in(const char *cidr, const char *a)
{
	struct netguard_net n = net(cidr);
	uint8_t x[16];

	addr(a, x);
	return netguard_net_contains(&n, x);
}

static void refused(const char *s, const char *want)
{
	struct netguard_net n;
	char why[200] = "";

	cr_assert_eq(netguard_net_parse(s, &n, why, sizeof why), -1,
		     "\"%s\" should be refused", s);
	cr_assert(strstr(why, want), "\"%s\": \"%s\" does not say \"%s\"", s,
		  why, want);
}

Test(netguard, matches_ipv4_networks_at_their_edges)
{
	cr_assert(in("10.0.0.0/8", "10.0.0.0"));
	cr_assert(in("10.0.0.0/8", "10.255.255.255"));
	cr_assert_not(in("10.0.0.0/8", "11.0.0.0"));
	cr_assert_not(in("10.0.0.0/8", "9.255.255.255"));
	cr_assert(in("172.16.0.0/12", "172.31.0.1"));
	cr_assert_not(in("172.16.0.0/12", "172.32.0.1"));
	cr_assert(in("127.0.0.1/32", "127.0.0.1"));
	cr_assert_not(in("127.0.0.1/32", "127.0.0.2"));
	cr_assert(in("127.0.0.1", "127.0.0.1"), "a bare address is one host");
	cr_assert_not(in("127.0.0.1", "127.0.0.2"));
	cr_assert(in("0.0.0.0/0", "8.8.8.8"));
	cr_assert(in("0.0.0.0/0", "::ffff:1.2.3.4"));
	cr_assert_not(in("0.0.0.0/0", "2001:db8::1"), "IPv4 nets hold no IPv6");
	cr_assert(in("192.168.1.128/25", "192.168.1.200"));
	cr_assert_not(in("192.168.1.128/25", "192.168.1.127"));
}

Test(netguard, matches_ipv6_networks_at_their_edges)
{
	cr_assert(in("fd00::/8", "fd12::1"));
	cr_assert_not(in("fd00::/8", "fc00::1"));
	cr_assert(in("fc00::/7", "fc00::1"));
	cr_assert(in("fc00::/7", "fdff::1"));
	cr_assert_not(in("fc00::/7", "fe00::1"));
	cr_assert(in("::1", "::1"));
	cr_assert_not(in("::1", "::2"));
	cr_assert(in("::/0", "2001:db8::1"));
	cr_assert(in("::/0", "127.0.0.1"), "::/0 holds IPv4-mapped too");
	cr_assert(in("2001:db8:abcd:12::/63", "2001:db8:abcd:13::1"));
	cr_assert_not(in("2001:db8:abcd:12::/63", "2001:db8:abcd:14::1"));
	cr_assert(in("::ffff:10.0.0.0/104", "10.9.9.9"));
}

Test(netguard, refuses_malformed_networks_saying_why)
{
	refused("", "not a network");
	refused("localhost", "not a network");
	refused("10.0.0.0/", "prefix length");
	refused("10.0.0.0/33", "from 0 to 32");
	refused("10.0.0.0/-1", "prefix length");
	refused("10.0.0.0/8x", "prefix length");
	refused("10.0.0.0/08", "prefix length");
	refused("fd00::/129", "from 0 to 128");
	refused("[fd00::]/8", "not a network");
	refused("10.0.0/8", "not a network");
	refused("10.1.2.3/8", "did you mean 10.0.0.0/8?");
	refused("fd00::1/8", "did you mean fd00::/8?");
	refused("192.168.1.1/24", "did you mean 192.168.1.0/24?");
}

/* ---- the policy ---- */

static struct conf_list list(const char *a, const char *b, const char *c)
{
	struct conf_list l = { 0 };

	if (a)
		conf_list_push(&l, a);
	if (b)
		conf_list_push(&l, b);
	if (c)
		conf_list_push(&l, c);
	return l;
}

static void list_free(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Does G allow address A for a URL on HOST (NULL: unknown)? */
static bool allows(const struct netguard *g, const char *a, const char *host)
{
	uint8_t x[16];

	addr(a, x);
	return netguard_allows(g, x, host, host ? strlen(host) : 0);
}

Test(netguard, refuses_every_special_class_without_seeds_or_rules)
{
	struct netguard *g = netguard_new(NULL, NULL, NULL);
	static const char *const special[] = {
		"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.0.1",
		"100.64.0.1", "169.254.1.1", "169.254.169.254", "0.0.0.0",
		"224.0.0.1", "255.255.255.255", "240.0.0.1", "192.0.2.1",
		"::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
		"2002:c0a8:101::1", NULL,
	};

	for (size_t i = 0; special[i]; i++) {
		cr_assert_not(allows(g, special[i], NULL), "%s allowed", special[i]);
		cr_assert_not(allows(NULL, special[i], NULL), "%s allowed by NULL",
			      special[i]);
	}
	cr_assert(allows(g, "8.8.8.8", NULL));
	cr_assert(allows(g, "2001:4860:4860::8888", NULL));
	cr_assert(allows(NULL, "93.184.216.34", "example.com"));
	cr_assert_eq(netguard_classes(g), 0);
	netguard_free(g);
}

Test(netguard, ip_literal_seed_allows_its_whole_class_only)
{
	struct conf_list seeds = list("http://127.0.0.1:8080/", NULL, NULL);
	struct netguard *g = netguard_new(&seeds, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_LOOPBACK);
	cr_assert(allows(g, "127.0.0.1", NULL));
	cr_assert(allows(g, "127.0.0.2", NULL));
	cr_assert(allows(g, "::1", NULL));
	cr_assert(allows(g, "::ffff:127.9.9.9", NULL));
	cr_assert_not(allows(g, "10.0.0.1", NULL));
	cr_assert_not(allows(g, "169.254.169.254", NULL));
	cr_assert_not(allows(g, "fe80::1", NULL));
	netguard_free(g);
	list_free(&seeds);
}

Test(netguard, private_seed_does_not_open_metadata_or_link_local)
{
	struct conf_list seeds = list("http://10.1.2.3/", "https://[fd12::5]/x",
				      "http://8.8.8.8/");
	struct netguard *g = netguard_new(&seeds, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_PRIVATE,
		     "a public seed adds nothing, IPv6 unique-local is private");
	cr_assert(allows(g, "192.168.7.7", NULL));
	cr_assert(allows(g, "100.64.1.1", NULL));
	cr_assert(allows(g, "fd00::1", NULL));
	cr_assert_not(allows(g, "fd00:ec2::254", NULL));
	cr_assert_not(allows(g, "100.100.100.200", NULL));
	cr_assert_not(allows(g, "169.254.169.254", NULL));
	cr_assert_not(allows(g, "127.0.0.1", NULL));
	netguard_free(g);
	list_free(&seeds);
}

Test(netguard, seed_host_name_is_trusted_by_name_only)
{
	struct conf_list seeds = list("http://Wiki.Corp:8080/start",
				      "http://other.example/", NULL);
	struct netguard *g = netguard_new(&seeds, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 0);
	cr_assert(allows(g, "10.9.8.7", "wiki.corp"));
	cr_assert(allows(g, "169.254.169.254", "wiki.corp"),
		  "a seed's host goes wherever it resolves");
	cr_assert(allows(g, "10.9.8.7", "other.example"));
	cr_assert_not(allows(g, "10.9.8.7", "wiki.corp.evil.example"));
	cr_assert_not(allows(g, "10.9.8.7", "wiki.cor"));
	cr_assert_not(allows(g, "10.9.8.7", "iki.corp"));
	cr_assert_not(allows(g, "10.9.8.7", "intranet.corp"));
	cr_assert_not(allows(g, "10.9.8.7", NULL));
	netguard_free(g);
	list_free(&seeds);
}

Test(netguard, localhost_seed_allows_loopback)
{
	struct conf_list seeds = list("http://localhost:3000/", NULL, NULL);
	struct conf_list seeds2 = list("http://app.localhost/", NULL, NULL);
	struct netguard *g = netguard_new(&seeds, NULL, NULL);
	struct netguard *g2 = netguard_new(&seeds2, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_LOOPBACK);
	cr_assert_eq(netguard_classes(g2), 1u << NETGUARD_LOOPBACK);
	cr_assert(allows(g, "127.0.0.1", "127.0.0.1"));
	cr_assert(allows(g, "::1", NULL));
	cr_assert_not(allows(g, "10.0.0.1", NULL));
	netguard_free(g);
	netguard_free(g2);
	list_free(&seeds);
	list_free(&seeds2);
}

Test(netguard, mapped_seed_counts_as_its_ipv4_class)
{
	struct conf_list seeds = list("http://[::ffff:192.168.1.1]/", NULL, NULL);
	struct netguard *g = netguard_new(&seeds, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_PRIVATE);
	netguard_free(g);
	list_free(&seeds);
}

Test(netguard, allow_networks_replace_the_seed_allowance)
{
	struct conf_list seeds = list("http://127.0.0.1:8080/",
				      "http://wiki.corp/", NULL);
	struct conf_list allow = list("127.0.0.1/32", "fd00::/8", NULL);
	struct netguard *g = netguard_new(&seeds, NULL, &allow);

	cr_assert_eq(netguard_classes(g), 0);
	cr_assert(allows(g, "127.0.0.1", NULL));
	cr_assert(allows(g, "::ffff:127.0.0.1", NULL));
	cr_assert_not(allows(g, "127.0.0.2", NULL), "loopback is not a whole "
		      "class any more");
	cr_assert_not(allows(g, "::1", NULL));
	cr_assert(allows(g, "fd12::1", NULL));
	cr_assert_not(allows(g, "fc00::1", NULL));
	cr_assert_not(allows(g, "10.0.0.1", "wiki.corp"), "seed names are "
		      "not trusted either");
	cr_assert(allows(g, "8.8.8.8", NULL), "public stays allowed");
	netguard_free(g);
	list_free(&seeds);
	list_free(&allow);
}

Test(netguard, allow_everything_turns_the_guard_off)
{
	struct conf_list allow = list("0.0.0.0/0", "::/0", NULL);
	struct netguard *g = netguard_new(NULL, NULL, &allow);

	cr_assert(allows(g, "169.254.169.254", NULL));
	cr_assert(allows(g, "fe80::1", NULL));
	cr_assert(allows(g, "::ffff:10.0.0.1", NULL));
	netguard_free(g);
	list_free(&allow);
}

Test(netguard, allows_metadata_only_when_named)
{
	struct conf_list allow = list("169.254.0.0/16", NULL, NULL);
	struct netguard *g = netguard_new(NULL, NULL, &allow);

	cr_assert(allows(g, "169.254.169.254", NULL), "inside the named network");
	cr_assert(allows(g, "169.254.3.3", NULL));
	netguard_free(g);
	list_free(&allow);
}

Test(netguard, ignores_unparsable_seeds)
{
	struct conf_list seeds = list("not a url", "ftp://10.0.0.1/",
				      "http://10.0.0.1/");
	struct netguard *g = netguard_new(&seeds, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_PRIVATE);
	netguard_free(g);
	list_free(&seeds);
}

Test(netguard, reads_odd_seed_hosts_as_the_normalizer_does)
{
	struct conf_list seeds = list("HTTP://LOCALHOST:80/x", "http://0x7f000001/",
				      "http://user:pw@10.0.0.1:8080/");
	struct conf_list seeds2 = list("http://127.1/", "https://M\xc3\xbcnchen.Example/",
				       "http://Wiki.Corp./");
	struct netguard *g = netguard_new(&seeds, NULL, NULL);
	struct netguard *g2 = netguard_new(&seeds2, NULL, NULL);

	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_LOOPBACK |
		     1u << NETGUARD_PRIVATE);
	cr_assert(allows(g, "10.0.0.1", "localhost"));
	cr_assert_eq(netguard_classes(g2), 1u << NETGUARD_LOOPBACK,
		     "127.1 is 127.0.0.1");
	cr_assert(allows(g2, "10.0.0.1", "xn--mnchen-3ya.example"),
		  "an IDN seed is trusted under its punycode name");
	netguard_free(g);
	netguard_free(g2);
	list_free(&seeds);
	list_free(&seeds2);
}

Test(netguard, reads_a_seeds_file_but_not_a_pipe)
{
	char dir[] = "/tmp/netguard-XXXXXX", path[64], fifo[64];
	struct netguard *g;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/seeds.txt", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "# comment\n\n  http://192.168.1.5/a  \r\nnot a url\n"
		"http://intranet.corp/\n");
	fclose(f);
	g = netguard_new(NULL, path, NULL);
	cr_assert_eq(netguard_classes(g), 1u << NETGUARD_PRIVATE);
	cr_assert(allows(g, "10.1.1.1", "intranet.corp"));
	cr_assert_not(allows(g, "127.0.0.1", NULL));
	netguard_free(g);

	g = netguard_new(NULL, "/nonexistent/seeds.txt", NULL);
	cr_assert_eq(netguard_classes(g), 0);
	netguard_free(g);

	/* A FIFO is not opened for reading at all: nobody writes to it, and
	 * opening it would block. */
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	g = netguard_new(NULL, fifo, NULL);
	cr_assert_eq(netguard_classes(g), 0);
	netguard_free(g);
	unlink(fifo);
	unlink(path);
	rmdir(dir);
}

Test(netguard, frees_null)
{
	netguard_free(NULL);
}

/* ---- the config keys ---- */

Test(netguard, conf_finish_builds_the_policy_from_seeds_and_allow_networks)
{
	struct conf c;

	conf_init(&c);
	cr_assert_eq(conf_set(&c, "seeds", "http://127.0.0.1:9/"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_not_null(c.netguard);
	cr_assert_eq(netguard_classes(c.netguard), 1u << NETGUARD_LOOPBACK);
	conf_release(&c);

	conf_init(&c);
	cr_assert_eq(conf_set(&c, "seeds", "http://127.0.0.1:9/"), 0);
	cr_assert_eq(conf_set_option(&c, "--allow-network", "127.0.0.1/32"), 0);
	cr_assert_eq(conf_finish(&c), 0);
	cr_assert_eq(netguard_classes(c.netguard), 0);
	cr_assert(allows(c.netguard, "127.0.0.1", NULL));
	cr_assert_not(allows(c.netguard, "127.0.0.2", NULL));
	conf_release(&c);
}
