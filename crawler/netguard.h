/*
 * netguard.h - which network addresses trawl may connect to: the guard
 * against server-side request forgery (SSRF).
 *
 * A page can link, or redirect, the crawler to http://169.254.169.254/
 * (cloud metadata) or to an intranet host.  The guard classifies every
 * address a worker is about to connect to and refuses the special ones
 * unless the policy allows them.  The check runs on the address itself
 * (worker.c calls it from curl's CURLOPT_OPENSOCKETFUNCTION, before the
 * socket exists), so neither a DNS answer nor a redirect can get around
 * it, and no packet is ever sent to a refused address.
 *
 * Special (refused by default) classes, IPv4 and IPv6:
 *
 *   loopback     127.0.0.0/8, ::1
 *   private      10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
 *                100.64.0.0/10 (CGNAT), fc00::/7 (unique local),
 *                fec0::/10 (old site-local), 64:ff9b:1::/48 (local NAT64)
 *   link-local   169.254.0.0/16, fe80::/10
 *   metadata     169.254.169.254, fd00:ec2::254 (AWS), 100.100.100.200
 *                (Alibaba), 168.63.129.16 (Azure)
 *   unspecified  0.0.0.0/8, ::
 *   multicast    224.0.0.0/4, 255.255.255.255, ff00::/8
 *   reserved     192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24,
 *                198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24,
 *                240.0.0.0/4, ::/96 (IPv4-compatible), 100::/64,
 *                2001:2::/48, 2001:db8::/32, 3fff::/20, and all IPv6
 *                outside 2000::/3 not named above
 *
 * An IPv6 address that carries an IPv4 one is judged by it: IPv4-mapped
 * ::ffff:a.b.c.d and IPv4-translated ::ffff:0:a.b.c.d always, NAT64
 * 64:ff9b::/96 and 6to4 2002::/16 when the IPv4 address is special.
 *
 * The policy (netguard_new()):
 *
 *   - allow_networks given (non-empty): exactly those networks are allowed
 *     besides public addresses; nothing is allowed automatically.
 *   - otherwise, each seed (config, command line, seeds file) widens it:
 *     a seed whose host is an IP literal in a special class allows that
 *     whole class (a seed on 127.0.0.1 allows loopback, one on 10.1.2.3
 *     allows private); a seed whose host is a name is trusted by name:
 *     connections for URLs on that exact host (any port) may go to any
 *     address, whatever it resolves to; "localhost" and names under
 *     ".localhost" also allow loopback.
 *
 * Built once in the coordinator (conf_finish()), before fork; workers
 * read it.  netguard_allows() costs a few 16-byte compares for a public
 * address and allocates nothing; it runs once per new connection.  Seed
 * names are kept as 64-bit fingerprints: 8 bytes a host.
 */
#ifndef TRAWL_NETGUARD_H
#define TRAWL_NETGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_list;
struct sockaddr;

enum netguard_class {
	NETGUARD_PUBLIC,
	NETGUARD_LOOPBACK,
	NETGUARD_PRIVATE,
	NETGUARD_LINK_LOCAL,
	NETGUARD_METADATA,
	NETGUARD_UNSPECIFIED,
	NETGUARD_MULTICAST,
	NETGUARD_RESERVED,
	NETGUARD_NCLASSES
};

/* An address is 16 bytes, IPv6 order; IPv4 a.b.c.d is ::ffff:a.b.c.d. */
struct netguard_net {
	uint8_t addr[16];
	unsigned bits;         /* prefix length over the 16 bytes, 0..128 */
};

struct netguard;

/* Parses an IP literal: dotted IPv4, or IPv6 with or without brackets.
 * Returns 0, or -1 if S is not one. */
int netguard_addr_parse(const char *s, size_t len, uint8_t addr[16]);

/* The address of SA (AF_INET or AF_INET6).  Returns 0, or -1 for any
 * other family or a short LEN. */
int netguard_addr_of(const struct sockaddr *sa, size_t len, uint8_t addr[16]);

/* Writes ADDR as text ("10.0.0.1", "fe80::1") to BUF; returns BUF. */
char *netguard_addr_str(const uint8_t addr[16], char *buf, size_t size);

/* Parses "ADDR/BITS" or a bare ADDR (one host) into *NET.  Host bits
 * set below the prefix are refused ("10.1.2.3/8": did you mean
 * 10.0.0.0/8?).  Returns 0, or -1 with the reason in WHY. */
int netguard_net_parse(const char *s, struct netguard_net *net, char *why,
		       size_t size);

bool netguard_net_contains(const struct netguard_net *net,
			   const uint8_t addr[16]);

enum netguard_class netguard_classify(const uint8_t addr[16]);

/* "public", "loopback", "private", ... */
const char *netguard_class_name(enum netguard_class c);

/* The policy for SEEDS (URLs as given; ones that do not parse are
 * ignored), the URLs of SEEDS_FILE (read here when it is a regular file,
 * ~0.2 s a million lines; a pipe or an unreadable file adds nothing) and
 * ALLOW (CIDRs netguard_net_parse() accepts; others are ignored), as the
 * header comment says.  Any may be NULL.  Caller frees with
 * netguard_free(). */
struct netguard *netguard_new(const struct conf_list *seeds,
			      const char *seeds_file,
			      const struct conf_list *allow);
void netguard_free(struct netguard *g);

/* May trawl connect to ADDR for a URL whose host is HOST (LEN bytes, as
 * in a normalized URL: lower case, IPv6 in brackets; NULL if unknown)?
 * A NULL G allows public addresses only. */
bool netguard_allows(const struct netguard *g, const uint8_t addr[16],
		     const char *host, size_t len);

/* Bit (1 << class) set for each class the seeds allowed, for tests and
 * the log. */
unsigned netguard_classes(const struct netguard *g);

#endif
