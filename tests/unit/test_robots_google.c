/*
 * test_robots_google.c - crawler/robots.c against the cases of Google's
 * open-source robots.txt parser (github.com/google/robotstxt, files
 * robots_test.cc and reporting_robots_test.cc).  Each Test() below names
 * the case it restates, so that the original can be found by that name.
 *
 * The cases are restated for trawl's interface: Google's tests hand a full
 * URL to the matcher, trawl's robots_allowed() takes the path and query of
 * a URL that url_normalize() already produced, so each URL is written here
 * as that path ("http://foo.bar/x/y" is "/x/y").  Google's parser reports
 * what it read to a callback; trawl only answers allowed or not, so the
 * cases that count parsed lines are restated as the verdicts those lines
 * must produce.
 *
 * Where trawl's answer differs from Google's, the test asserts trawl's and
 * says why.  The differences are of two kinds.
 *
 * Percent-encoding.  RFC 9309 section 2.2.2 compares patterns and paths
 * with their percent-encoding normalized, unreserved characters decoded
 * and non-ASCII bytes encoded, on both sides (its own table pairs
 * "/foo/bar/%62%61%7A" with "/foo/bar/baz").  Google encodes the pattern
 * only and leaves the URL to its caller; trawl normalizes both, so a
 * pattern "/foo/bar/%62%61%7A" does block "/foo/bar/baz" (ID_Encoding).
 *
 * Google's extensions to RFC 9309, taken or not:
 *  - A line without its colon, "Disallow /x" (ID_LineSyntax_Line): TAKEN,
 *    when the line has exactly two words, as Google does.  The intent is
 *    plain, such lines are nearly always Disallow lines, and honouring
 *    them keeps trawl off paths the webmaster meant to close.
 *  - Misspelt keys "useragent", "user agent", "dissallow", "dissalow",
 *    "disalow", "diasllow", "disallaw", "site-map" (reporting_robots_test
 *    LinesNumbersAreCountedCorrectly): TAKEN, as whole words.  Same reason:
 *    they are what the webmaster meant, and mostly close paths.  NOT taken:
 *    Google's reading of any key that merely starts with a known one
 *    ("Disallowed:", "allow-foo:"), which would turn a future record of
 *    another meaning into a rule.
 *  - A user-agent value with more after its token, "Foo Bar"
 *    (GoogleOnly_AcceptUserAgentUpToFirstSpace): TAKEN; the group names
 *    Foo.  trawl already matched "trawl/2.0" by its leading token; a
 *    webmaster who wrote "trawl crawler" meant trawl.  Likewise "* x"
 *    counts as "*".  trawl's tokens may hold digits (RFC 9110 tokens do,
 *    RFC 9309's identifier does not), so "Foobot2" is a whole token to
 *    trawl where Google would read "Foobot".
 *  - "/dir/index.html" allowed means "/dir/" allowed
 *    (GoogleOnly_IndexHTMLisDirectory): NOT taken.  It only ever widens
 *    what a webmaster allowed, on a guess about how their server maps
 *    directories; RFC 9309 has no such rule, and a crawler other than
 *    Google's should read Allow literally.
 *  - Lines cut at 8 * 2083 - 1 bytes (GoogleOnly_LineTooLong): TAKEN.
 *    trawl needs a ceiling on a line anyway (patterns are normalized into
 *    a fixed buffer), and cutting where Google cuts gives the same verdict
 *    as the crawler webmasters test against.
 *  - A byte order mark cut short at the start of the file
 *    (ID_UTF8ByteOrderMarkIsSkipped): TAKEN; it cannot start a record.
 *  - An empty path read as "/" (GoogleOnly_SystemTest): TAKEN, as
 *    robustness: trawl's callers always pass a path starting with '/'.
 */
#include "robots.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

TestSuite(robots_google, .timeout = 10);

static bool allowed_for(const char *txt, const char *agent, const char *path)
{
	struct robots *r = robots_parse(txt, strlen(txt), agent);
	bool ok = robots_allowed(r, path);

	robots_free(r);
	return ok;
}

#define ALLOWED(txt, agent, path) \
	cr_expect(allowed_for((txt), (agent), (path)), "%s should be allowed %.80s", (agent), (path))
#define DENIED(txt, agent, path) \
	cr_expect_not(allowed_for((txt), (agent), (path)), "%s should be denied %.80s", (agent), (path))

/* GoogleOnly_SystemTest: the degenerate inputs. */
Test(robots_google, empty_inputs)
{
	const char *t = "user-agent: FooBot\ndisallow: /\n";

	ALLOWED("", "FooBot", "/");
	ALLOWED(t, "", "/");     /* no agent names no group */
	DENIED(t, "FooBot", ""); /* an empty path is the root */
	ALLOWED("", "", "");
}

/* ID_LineSyntax_Line: "key: value"; unknown keys are ignored; a two-word
 * line missing its colon is still read (Google extension, taken). */
Test(robots_google, line_syntax)
{
	DENIED("user-agent: FooBot\ndisallow: /\n", "FooBot", "/x/y");
	ALLOWED("foo: FooBot\nbar: /\n", "FooBot", "/x/y");
	DENIED("user-agent FooBot\ndisallow /\n", "FooBot", "/x/y");
}

/* ID_LineSyntax_Groups: user-agent lines open a group (blank lines between
 * them do not split it), the first rule after them closes the run, groups
 * for one agent merge, and rules before any user-agent line belong to no
 * group. */
Test(robots_google, groups)
{
	const char *t = "allow: /foo/bar/\n"
			"\n"
			"user-agent: FooBot\n"
			"disallow: /\n"
			"allow: /x/\n"
			"user-agent: BarBot\n"
			"disallow: /\n"
			"allow: /y/\n"
			"\n"
			"\n"
			"allow: /w/\n"
			"user-agent: BazBot\n"
			"\n"
			"user-agent: FooBot\n"
			"allow: /z/\n"
			"disallow: /\n";

	ALLOWED(t, "FooBot", "/x/b");
	ALLOWED(t, "FooBot", "/z/d");
	DENIED(t, "FooBot", "/y/c");
	ALLOWED(t, "BarBot", "/y/c");
	ALLOWED(t, "BarBot", "/w/a");
	DENIED(t, "BarBot", "/z/d");
	ALLOWED(t, "BazBot", "/z/d");
	DENIED(t, "FooBot", "/foo/bar/");
	DENIED(t, "BarBot", "/foo/bar/");
	DENIED(t, "BazBot", "/foo/bar/");
}

/* ID_LineSyntax_Groups_OtherRules: a Sitemap or an unknown record between
 * two user-agent lines leaves them in one group (RFC 9309 2.2.4). */
Test(robots_google, other_records_do_not_split_a_group)
{
	const char *sitemap = "User-agent: BarBot\n"
			      "Sitemap: https://foo.bar/sitemap\n"
			      "User-agent: *\n"
			      "Disallow: /\n";
	const char *unknown = "User-agent: FooBot\n"
			      "Invalid-Unknown-Line: unknown\n"
			      "User-agent: *\n"
			      "Disallow: /\n";

	DENIED(sitemap, "FooBot", "/");
	DENIED(sitemap, "BarBot", "/");
	DENIED(unknown, "FooBot", "/");
	DENIED(unknown, "BarBot", "/");
}

/* ID_REPLineNamesCaseInsensitive */
Test(robots_google, keys_ignore_case)
{
	static const char *const files[] = {
		"USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n",
		"user-agent: FooBot\nallow: /x/\ndisallow: /\n",
		"uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n",
	};
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		ALLOWED(files[i], "FooBot", "/x/y");
		DENIED(files[i], "FooBot", "/a/b");
	}
}

/* A product token a crawler can obey is made of token characters only,
 * and is not empty: robots_agent_token() returns it whole. */
static bool obeyable(const char *s)
{
	char buf[64];

	robots_agent_token(s, buf, sizeof buf);
	return *buf && strcmp(buf, s) == 0;
}

/* ID_VerifyValidUserAgentsToObey, with trawl's robots_agent_token() in the
 * place of Google's IsValidUserAgentToObey(). */
Test(robots_google, which_agent_tokens_are_valid)
{
	cr_expect(obeyable("Foobot"));
	cr_expect(obeyable("Foobot-Bar"));
	cr_expect(obeyable("Foo_Bar"));
	cr_expect_not(obeyable(""));
	cr_expect_not(obeyable("\xe3\x83\x84"));
	cr_expect_not(obeyable("Foobot*"));
	cr_expect_not(obeyable(" Foobot "));
	cr_expect_not(obeyable("Foobot/2.1"));
	cr_expect_not(obeyable("Foobot Bar"));
	/* trawl's difference: digits belong to the token. */
	cr_expect(obeyable("Foobot2"));
}

/* ID_UserAgentValueCaseInsensitive: the user-agent value is compared
 * without case, by its leading token. */
Test(robots_google, agent_values_ignore_case)
{
	static const char *const files[] = {
		"User-Agent: FOO BAR\nAllow: /x/\nDisallow: /\n",
		"User-Agent: foo bar\nAllow: /x/\nDisallow: /\n",
		"User-Agent: FoO bAr\nAllow: /x/\nDisallow: /\n",
	};
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		ALLOWED(files[i], "Foo", "/x/y");
		DENIED(files[i], "Foo", "/a/b");
		ALLOWED(files[i], "foo", "/x/y");
		DENIED(files[i], "foo", "/a/b");
	}
}

/* GoogleOnly_AcceptUserAgentUpToFirstSpace (taken): "Foo Bar" names Foo;
 * an agent "Foo Bar" is no token, names nothing and gets the "*" group. */
Test(robots_google, agent_value_is_read_up_to_its_first_space)
{
	const char *t = "User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n";

	ALLOWED(t, "Foo", "/x/y");
	DENIED(t, "Foo Bar", "/x/y");
}

/* ID_GlobalGroups_Secondary: without a group of its own a crawler obeys
 * the "*" group; without that, nothing. */
Test(robots_google, star_group_is_the_fallback)
{
	const char *global = "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n";
	const char *specific = "user-agent: FooBot\nallow: /\n"
			       "user-agent: BarBot\ndisallow: /\n"
			       "user-agent: BazBot\ndisallow: /\n";

	ALLOWED("", "FooBot", "/x/y");
	DENIED(global, "FooBot", "/x/y");
	ALLOWED(global, "BarBot", "/x/y");
	ALLOWED(specific, "QuxBot", "/x/y");
}

/* ID_AllowDisallow_Value_CaseSensitive */
Test(robots_google, paths_are_compared_with_case)
{
	DENIED("user-agent: FooBot\ndisallow: /x/\n", "FooBot", "/x/y");
	ALLOWED("user-agent: FooBot\ndisallow: /X/\n", "FooBot", "/x/y");
}

/* ID_LongestMatch: the pattern with the most octets decides; of two as
 * long, Allow. */
Test(robots_google, longest_match)
{
	const char *page = "/x/page.html";

	DENIED("user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n", "FooBot", page);
	ALLOWED("user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n", "FooBot", page);
	DENIED("user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n", "FooBot", "/x/");
	ALLOWED("user-agent: FooBot\ndisallow: \nallow: \n", "FooBot", page);
	ALLOWED("user-agent: FooBot\ndisallow: /\nallow: /\n", "FooBot", page);
	DENIED("user-agent: FooBot\ndisallow: /x\nallow: /x/\n", "FooBot", "/x");
	ALLOWED("user-agent: FooBot\ndisallow: /x\nallow: /x/\n", "FooBot", "/x/");
	ALLOWED("user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n", "FooBot", page);
	DENIED("user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", "FooBot", "/page.html");
	ALLOWED("user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", "FooBot", "/page");
	ALLOWED("user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n", "FooBot", page);
	DENIED("user-agent: FooBot\nallow: /x/page.\ndisallow: /*.html\n", "FooBot", "/x/y.html");
	ALLOWED("User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n", "FooBot",
		"/x/page");
	DENIED("User-agent: *\nDisallow: /x/\nUser-agent: FooBot\nDisallow: /y/\n", "FooBot",
	       "/y/page");
}

/* ID_Encoding.  Google leaves the URL as its caller gave it; trawl
 * normalizes the path as it does the pattern (RFC 9309 2.2.2), so the two
 * spellings of one path get one answer. */
Test(robots_google, percent_encoding)
{
	const char *query = "User-agent: FooBot\nDisallow: /\n"
			    "Allow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n";
	const char *raw = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/\xe3\x83\x84\n";
	const char *enc = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n";
	const char *unres = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n";

	ALLOWED(query, "FooBot", "/foo/bar?qux=taz&baz=http://foo.bar?tar&par");
	ALLOWED(raw, "FooBot", "/foo/bar/%E3%83%84");
	ALLOWED(enc, "FooBot", "/foo/bar/%E3%83%84");
	/* Google: denied, its URL was not encoded.  trawl's normalizer never
	 * hands over a raw byte, and robots_allowed() encodes one anyway. */
	ALLOWED(raw, "FooBot", "/foo/bar/\xe3\x83\x84");
	ALLOWED(enc, "FooBot", "/foo/bar/\xe3\x83\x84");
	/* Google: denied ("should not be relied on").  RFC 9309 2.2.2 pairs
	 * %62%61%7A with baz, and trawl's normalizer writes "baz". */
	ALLOWED(unres, "FooBot", "/foo/bar/baz");
	ALLOWED(unres, "FooBot", "/foo/bar/%62%61%7A");
}

/* ID_SpecialCharacters: '*' is any run, '$' anchors only at the end, '#'
 * starts a comment. */
Test(robots_google, special_characters)
{
	const char *star = "User-agent: FooBot\nDisallow: /foo/bar/quz\nAllow: /foo/*/qux\n";
	const char *dollar = "User-agent: FooBot\nDisallow: /foo/bar$\nAllow: /foo/bar/qux\n";
	const char *hash = "User-agent: FooBot\n# Disallow: /\nDisallow: /foo/quz#qux\nAllow: /\n";

	DENIED(star, "FooBot", "/foo/bar/quz");
	ALLOWED(star, "FooBot", "/foo/quz");
	ALLOWED(star, "FooBot", "/foo//quz");
	ALLOWED(star, "FooBot", "/foo/bax/quz");
	DENIED(dollar, "FooBot", "/foo/bar");
	ALLOWED(dollar, "FooBot", "/foo/bar/qux");
	ALLOWED(dollar, "FooBot", "/foo/bar/");
	ALLOWED(dollar, "FooBot", "/foo/bar/baz");
	ALLOWED(hash, "FooBot", "/foo/bar");
	DENIED(hash, "FooBot", "/foo/quz");
}

/* GoogleOnly_IndexHTMLisDirectory (NOT taken): allowing ".../index.html"
 * allows that file, not its directory. */
Test(robots_google, index_html_is_not_its_directory)
{
	const char *t = "User-Agent: *\nAllow: /allowed-slash/index.html\nDisallow: /\n";

	DENIED(t, "foobot", "/allowed-slash/"); /* Google: allowed */
	DENIED(t, "foobot", "/allowed-slash/index.htm");
	ALLOWED(t, "foobot", "/allowed-slash/index.html");
	DENIED(t, "foobot", "/anyother-url");
}

/* A string of N bytes: PREFIX, then FILL up to N - strlen(SUFFIX) bytes,
 * then SUFFIX.  Caller frees with free(). */
static char *padded(const char *prefix, char fill, const char *suffix, size_t n)
{
	char *s = malloc(n + 1);
	size_t pl = strlen(prefix), sl = strlen(suffix);

	cr_assert(s && n >= pl + sl);
	memcpy(s, prefix, pl);
	memset(s + pl, fill, n - pl - sl);
	memcpy(s + n - sl, suffix, sl + 1);
	return s;
}

/* GoogleOnly_LineTooLong (taken): a line is read up to ROBOTS_MAX_LINE
 * bytes, what follows on it is dropped, and the next line is read. */
Test(robots_google, long_lines_are_cut)
{
	/* Each long pattern is "/x/" + filler, sized so that the cut keeps
	 * the pattern and the '/' after it: "key: " + pattern + "/". */
	size_t nd = ROBOTS_MAX_LINE - strlen("disallow: ") - 1;
	size_t na = ROBOTS_MAX_LINE - strlen("allow: ") - 1;
	char *d = padded("/x/", 'a', "", nd);
	char *a = padded("/x/", 'a', "", na), *b = padded("/x/", 'b', "", na);
	char *txt = malloc(3 * na + 200), *path = malloc(na + 10);
	struct robots *r;

	cr_assert_eq(ROBOTS_MAX_LINE, 2083 * 8 - 1);
	/* The Disallow is cut to d + "/", which still matches d + "/fux". */
	sprintf(txt, "user-agent: FooBot\ndisallow: %s/qux\n", d);
	ALLOWED(txt, "FooBot", "/fux");
	sprintf(path, "%s/fux", d);
	DENIED(txt, "FooBot", path);
	r = robots_parse(txt, strlen(txt), "FooBot");
	cr_expect(robots_cuts(r) & ROBOTS_CUT_LINE);
	robots_free(r);

	/* Two Allow lines cut likewise, after a short Disallow. */
	sprintf(txt, "user-agent: FooBot\ndisallow: /\nallow: %s/qux\nallow: %s/qux\n", a, b);
	DENIED(txt, "FooBot", "/");
	sprintf(path, "%s/qux", a);
	ALLOWED(txt, "FooBot", path);
	sprintf(path, "%s/fux", b);
	ALLOWED(txt, "FooBot", path);
	free(d);
	free(a);
	free(b);
	free(txt);
	free(path);
}

/* reporting_robots_test LinesTooLongReportedCorrectly: the line after a
 * cut one is read as usual. */
Test(robots_google, the_line_after_a_long_one_is_read)
{
	char *pat = padded("/x/", 'a', "", ROBOTS_MAX_LINE + 10);
	char *txt = malloc(strlen(pat) + 100);

	sprintf(txt, "user-agent: foo\ndisallow: %s\nallow: /\n", pat);
	ALLOWED(txt, "foo", "/x/b");
	DENIED(txt, "foo", pat);
	free(pat);
	free(txt);
}

/* GoogleOnly_DocumentationChecks: the examples of Google's robots.txt
 * documentation ("URL matching based on path values" and "Order of
 * precedence"), each pattern allowed under a "disallow: /". */
Test(robots_google, documentation_examples)
{
	const char *fish = "user-agent: FooBot\ndisallow: /\nallow: /fish\n";
	const char *fish_star = "user-agent: FooBot\ndisallow: /\nallow: /fish*\n";
	const char *fish_dir = "user-agent: FooBot\ndisallow: /\nallow: /fish/\n";
	const char *php = "user-agent: FooBot\ndisallow: /\nallow: /*.php\n";
	const char *php_end = "user-agent: FooBot\ndisallow: /\nallow: /*.php$\n";
	const char *fish_php = "user-agent: FooBot\ndisallow: /\nallow: /fish*.php\n";
	const char *const fishes[] = { fish, fish_star };
	size_t i;

	/* "/fish" and "/fish*" are the same rule. */
	for (i = 0; i < 2; i++) {
		const char *t = fishes[i];
		DENIED(t, "FooBot", "/bar");
		ALLOWED(t, "FooBot", "/fish");
		ALLOWED(t, "FooBot", "/fish.html");
		ALLOWED(t, "FooBot", "/fish/salmon.html");
		ALLOWED(t, "FooBot", "/fishheads");
		ALLOWED(t, "FooBot", "/fishheads/yummy.html");
		ALLOWED(t, "FooBot", "/fish.html?id=anything");
		DENIED(t, "FooBot", "/Fish.asp");
		DENIED(t, "FooBot", "/catfish");
		DENIED(t, "FooBot", "/?id=fish");
	}
	DENIED(fish_star, "FooBot", "/Fish.bar");

	/* "/fish/" is not "/fish". */
	DENIED(fish_dir, "FooBot", "/bar");
	ALLOWED(fish_dir, "FooBot", "/fish/");
	ALLOWED(fish_dir, "FooBot", "/fish/salmon");
	ALLOWED(fish_dir, "FooBot", "/fish/?salmon");
	ALLOWED(fish_dir, "FooBot", "/fish/salmon.html");
	ALLOWED(fish_dir, "FooBot", "/fish/?id=anything");
	DENIED(fish_dir, "FooBot", "/fish");
	DENIED(fish_dir, "FooBot", "/fish.html");
	DENIED(fish_dir, "FooBot", "/Fish/Salmon.html");

	DENIED(php, "FooBot", "/bar");
	ALLOWED(php, "FooBot", "/filename.php");
	ALLOWED(php, "FooBot", "/folder/filename.php");
	ALLOWED(php, "FooBot", "/folder/filename.php?parameters");
	ALLOWED(php, "FooBot", "//folder/any.php.file.html");
	ALLOWED(php, "FooBot", "/filename.php/");
	ALLOWED(php, "FooBot", "/index?f=filename.php/");
	DENIED(php, "FooBot", "/php/");
	DENIED(php, "FooBot", "/index?php");
	DENIED(php, "FooBot", "/windows.PHP");

	DENIED(php_end, "FooBot", "/bar");
	ALLOWED(php_end, "FooBot", "/filename.php");
	ALLOWED(php_end, "FooBot", "/folder/filename.php");
	DENIED(php_end, "FooBot", "/filename.php?parameters");
	DENIED(php_end, "FooBot", "/filename.php/");
	DENIED(php_end, "FooBot", "/filename.php5");
	DENIED(php_end, "FooBot", "/php/");
	DENIED(php_end, "FooBot", "/filename?php");
	DENIED(php_end, "FooBot", "/aaaphpaaa");
	DENIED(php_end, "FooBot", "//windows.PHP");

	DENIED(fish_php, "FooBot", "/bar");
	ALLOWED(fish_php, "FooBot", "/fish.php");
	ALLOWED(fish_php, "FooBot", "/fishheads/catfish.php?parameters");
	DENIED(fish_php, "FooBot", "/Fish.PHP");

	/* Order of precedence. */
	ALLOWED("user-agent: FooBot\nallow: /p\ndisallow: /\n", "FooBot", "/page");
	ALLOWED("user-agent: FooBot\nallow: /folder\ndisallow: /folder\n", "FooBot",
		"/folder/page");
	DENIED("user-agent: FooBot\nallow: /page\ndisallow: /*.htm\n", "FooBot", "/page.htm");
	ALLOWED("user-agent: FooBot\nallow: /$\ndisallow: /\n", "FooBot", "/");
	DENIED("user-agent: FooBot\nallow: /$\ndisallow: /\n", "FooBot", "/page.html");
}

/* ID_LinesNumbersAreCountedCorrectly: LF, CRLF and CR line ends, alone or
 * mixed, and a last line without one, all give the same four records:
 * foo's group ends at its Allow, bar's Disallow applies to bar only. */
Test(robots_google, every_line_ending)
{
	static const char *const files[] = {
		"User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /\n",
		"User-Agent: foo\r\nAllow: /some/path\r\nUser-Agent: bar\r\n\r\n\r\nDisallow: /\r\n",
		"User-Agent: foo\rAllow: /some/path\rUser-Agent: bar\r\r\rDisallow: /\r",
		"User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\nDisallow: /",
		"User-Agent: foo\nAllow: /some/path\r\nUser-Agent: bar\n\r\n\nDisallow: /",
	};
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		DENIED(files[i], "bar", "/x");
		ALLOWED(files[i], "foo", "/x");
		ALLOWED(files[i], "baz", "/x");
	}
}

/* ID_UTF8ByteOrderMarkIsSkipped: a byte order mark at the start, whole or
 * cut short, is skipped; a broken one, or one further on, spoils its own
 * line only. */
Test(robots_google, byte_order_marks)
{
	const char *rest = "User-Agent: foo\nDisallow: /AnyValue\n";
	static const char *const skipped[] = { "\xef\xbb\xbf", "\xef\xbb", "\xef" };
	char txt[128];
	size_t i;

	for (i = 0; i < sizeof skipped / sizeof skipped[0]; i++) {
		snprintf(txt, sizeof txt, "%s%s", skipped[i], rest);
		DENIED(txt, "foo", "/AnyValue");
	}
	/* The user-agent line is garbage, so the rule is in no group. */
	snprintf(txt, sizeof txt, "\xef\x11\xbf%s", rest);
	ALLOWED(txt, "foo", "/AnyValue");
	ALLOWED("User-Agent: foo\n\xef\xbb\xbf" "Disallow: /AnyValue\n", "foo", "/AnyValue");
}

static void expect_sitemaps(const char *txt, const char *agent, size_t n, const char *const *want)
{
	struct robots *r = robots_parse(txt, strlen(txt), agent);
	const char *const *urls;
	size_t i;

	cr_expect_eq(robots_sitemaps(r, &urls), n);
	for (i = 0; i < n && i < robots_sitemaps(r, &urls); i++)
		cr_expect_str_eq(urls[i], want[i]);
	robots_free(r);
}

/* ID_NonStandardLineExample_Sitemap: a Sitemap line anywhere in the file
 * is kept, whichever group applies. */
Test(robots_google, sitemap_anywhere)
{
	static const char *const want[] = { "http://foo.bar/sitemap.xml" };
	const char *groups = "User-Agent: foo\nAllow: /some/path\nUser-Agent: bar\n\n\n";
	char txt[256];

	snprintf(txt, sizeof txt, "%sSitemap: %s\n", groups, want[0]);
	expect_sitemaps(txt, "foo", 1, want);
	expect_sitemaps(txt, "other", 1, want);
	snprintf(txt, sizeof txt, "Sitemap: %s\n%s", want[0], groups);
	expect_sitemaps(txt, "foo", 1, want);
	expect_sitemaps(txt, "bar", 1, want);
}

/* reporting_robots_test LinesNumbersAreCountedCorrectly: a file of
 * well-formed, misspelt, colon-less, unknown and comment lines, read
 * through what each agent may fetch. */
Test(robots_google, typos_and_odd_lines)
{
	static const char *const maps[] = { "https://e/s.xml", "https://e/t.xml" };
	const char *t = "User-Agent: foo\n"
			"Allow: /some/path\n"
			"User-Agent bar # no\n"
			"absolutely random line\n"
			"#so comment, much wow\n"
			"\n"
			"unicorns: /extinct\n"
			"noarchive: /some\n"
			"Disallow: /\n"
			"Error #and comment\n"
			"useragent: baz\n"
			"disallaw: /some\n"
			"site-map: https://e/s.xml #comment\n"
			"sitemap: https://e/t.xml\n"
			"Noarchive: /someCapital\n";

	ALLOWED(t, "foo", "/x");
	DENIED(t, "bar", "/x");       /* colon-less user-agent, unknown lines between */
	DENIED(t, "baz", "/some");    /* "useragent", "disallaw" */
	ALLOWED(t, "baz", "/x");
	ALLOWED(t, "other", "/some"); /* no group, no "*" */
	expect_sitemaps(t, "foo", 2, maps);
}

/* Google's misspellings are taken as whole keys only. */
Test(robots_google, misspelt_keys_are_whole_words)
{
	static const char *const disallows[] = { "dissallow", "dissalow", "disalow", "diasllow",
						 "disallaw", "DISALOW" };
	char txt[128];
	size_t i;

	for (i = 0; i < sizeof disallows / sizeof disallows[0]; i++) {
		snprintf(txt, sizeof txt, "user-agent: a\n%s: /x\n", disallows[i]);
		DENIED(txt, "a", "/x");
	}
	DENIED("useragent: a\ndisallow: /x\n", "a", "/x");
	DENIED("user agent: a\ndisallow: /x\n", "a", "/x");
	/* Google reads these as Disallow, trawl as unknown records. */
	ALLOWED("user-agent: a\ndisallowed: /x\n", "a", "/x");
	ALLOWED("user-agent: a\ndisallow-ai-training: /x\n", "a", "/x");
}

/* The URL of TestGetPathParamsQuery as trawl's coordinator turns it into
 * the path robots_allowed() sees: normalized, then what follows the
 * authority ("/" when nothing does).  Caller frees with free(). */
static char *path_of(const char *url)
{
	char *u = url_normalize(url), *p;
	const char *a;
	size_t n;

	cr_assert(u, "%s does not normalize", url);
	a = url_authority(u, &n);
	cr_assert(a);
	p = strdup(a[n] ? a + n : "/");
	free(u);
	return p;
}

/* TestGetPathParamsQuery, for the absolute http URLs among its inputs
 * (the others, such as "example.com/a" or "//a/b/c", never reach trawl's
 * frontier): the path is everything after the authority but the
 * fragment. */
Test(robots_google, url_to_path)
{
	static const char *const rows[][2] = {
		{ "http://www.example.com", "/" },
		{ "http://www.example.com/", "/" },
		{ "http://www.example.com/a", "/a" },
		{ "http://www.example.com/a/", "/a/" },
		{ "http://www.example.com/a/b?c=http://d.e/", "/a/b?c=http://d.e/" },
		{ "http://www.example.com/a/b?c=d&e=f#fragment", "/a/b?c=d&e=f" },
		{ "http://example.com?a", "/?a" },
		{ "http://example.com/a;b#c", "/a;b" },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *p = path_of(rows[i][0]);
		cr_expect_str_eq(p, rows[i][1], "%s", rows[i][0]);
		free(p);
	}
}

/* TestMaybeEscapePattern: a pattern's non-ASCII bytes are percent-encoded
 * and its escapes upper-cased before it is compared. */
Test(robots_google, patterns_are_escaped)
{
	DENIED("user-agent: a\ndisallow: /a/b/c\n", "a", "/a/b/c");
	DENIED("user-agent: a\ndisallow: /\xc3\xa1\n", "a", "/%C3%A1");
	DENIED("user-agent: a\ndisallow: /%aa\n", "a", "/%AA");
	ALLOWED("user-agent: a\ndisallow: /%aa\n", "a", "/%AB");
}
