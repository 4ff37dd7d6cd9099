/*
 * test_items.c - integration tests of extraction rules: the real trawl
 * binary crawls the bundled shop (demo/shop/, hand-written HTML) with the
 * extractors of demo/shop.json, served on 127.0.0.1 by the in-process test
 * server, and the tests check what came out against what the pages hold:
 *
 *   - exactly one "product" item per product page (14, two of them broken:
 *     no price at all, and "Call for price"), one "listing" item per
 *     div.product card of the five category pages (14), and none from any
 *     other page (the home page and the product pages hold div.product
 *     cards too, but the listing extractor's "match" excludes them);
 *   - typed values: non-ASCII and &amp; in names, prices as JSON reals,
 *     tags as arrays, image and link URLs resolved to absolute
 *     http://127.0.0.1:PORT/ URLs (one page has a <base href>), datetimes
 *     in UTC, defaults;
 *   - the broken products stored with an error naming the field;
 *   - robots.txt obeyed: /cart/ and /search never requested;
 *   - a finished job crawled again, or a crawl killed with SIGKILL and
 *     resumed, stores each item exactly once (read from SQLite directly).
 *
 * The paths demo/shop.json and demo/shop are relative to the repository
 * root, where make integ runs the tests.  trawl comes from $TRAWL_BIN
 * (unset: the tests skip).  Each trawl run has a hard limit of 60 s times
 * $TRAWL_SLOW; a test takes well under a second in release.  Each test
 * works in its own /tmp/trawl-items-XXXXXX (fixture.h), removed when it
 * passes and kept, with its path printed, when it fails.
 */
#include "fixture.h"
#include "log.h"
#include "proc.h"
#include "testsrv.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHOP_CONFIG "demo/shop.json"
#define SHOP_DIR "demo/shop"

/* The shop's pages a crawl fetches, each exactly once; /cart/ and /search
 * are disallowed by its robots.txt, images are never linked with <a>. */
static const char *const shop_pages[] = {
	"/", "/about.html", "/contact.html", "/shipping.html",
	"/category/coffee.html", "/category/coffee-page-2.html",
	"/category/cookware.html", "/category/cookware-page-2.html",
	"/category/linens.html",
	"/product/cafe-creme-cups.html", "/product/espresso-machine.html",
	"/product/burr-grinder.html", "/product/pour-over-kettle.html",
	"/product/coffee-beans-ethiopia.html", "/product/moka-pot.html",
	"/product/roaster.html", "/product/cast-iron-skillet.html",
	"/product/dutch-oven.html", "/product/creme-brulee-torch.html",
	"/product/pots-and-pans-set.html", "/product/copper-saucepan.html",
	"/product/linen-apron.html", "/product/tea-towels.html",
};
#define NPAGES (sizeof shop_pages / sizeof shop_pages[0])
#define NPRODUCTS 14
#define NCARDS 14

/* Cards per category page. */
static const struct {
	const char *path;
	size_t cards;
} shop_listings[] = {
	{ "/category/coffee.html", 4 },
	{ "/category/coffee-page-2.html", 3 },
	{ "/category/cookware.html", 3 },
	{ "/category/cookware-page-2.html", 2 },
	{ "/category/linens.html", 2 },
};

/* The shop's server; each Criterion test runs in its own process. */
static struct fixture_web fx;

/* origin + PATH, kept. */
static const char *at(const char *path)
{
	return fixture_keep(xasprintf("%s%s", fx.origin, path));
}

TestSuite(items, .init = fixture_init, .fini = fixture_fini, .timeout = 300);

/* Serve demo/shop on an ephemeral port; make the temp dir. */
static void shop_start(void)
{
	fixture_trawl_bin();
	cr_assert_eq(access(SHOP_CONFIG, R_OK), 0, "%s: %s (run the tests "
		     "from the repository root, as make integ does)",
		     SHOP_CONFIG, strerror(errno));
	fixture_mkdtemp("items");
	fixture_serve(&fx, testsrv_start_dir(SHOP_DIR), "/");
	fx.db = fixture_path("shop.db");
}

/* The crawl of the shop with its config; the seed on the command line
 * replaces the config's. */
static void crawl_shop(const char *tag)
{
	struct proc_result *r;

	r = fixture_trawl(tag, "crawl", "-c", SHOP_CONFIG, "--db", fx.db,
			  fx.seed, NULL);
	fixture_expect_exit(r, 0, "trawl crawl -c " SHOP_CONFIG);
}

/* ---- reading items ------------------------------------------------- */

/* `trawl export --what items` with up to two more arguments (NULL for
 * none), as JSON Lines; returns the array of records (kept). */
static json_t *export_items(const char *tag, const char *a1, const char *a2)
{
	char *out = fixture_path("%s.jsonl", tag);
	struct proc_result *r;
	size_t len;
	char *buf;

	r = fixture_trawl(tag, "export", "--db", fx.db, "--job", "shop",
			  "--what", "items", "-o", out, a1, a2, NULL);
	fixture_expect_exit(r, 0, "trawl export --what items");
	buf = fixture_read(out, &len);
	return fixture_jsonl(buf, len, out);
}

static const char *str_of(const json_t *rec, const char *key)
{
	const json_t *v = json_object_get(rec, key);

	cr_assert(json_is_string(v), "a record has no string \"%s\"", key);
	return json_string_value(v);
}

static bool str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* Items of EXTRACTOR whose page is origin + PATH. */
static size_t count_items(const json_t *items, const char *extractor,
			  const char *path)
{
	const char *url = at(path);
	size_t i, n = 0;

	for (i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);

		if (strcmp(str_of(it, "extractor"), extractor) == 0 &&
		    strcmp(str_of(it, "url"), url) == 0)
			n++;
	}
	return n;
}

/* The one item of EXTRACTOR from origin + PATH whose field "name" is NAME
 * (NULL: any); its "fields" object. */
static const json_t *item(const json_t *items, const char *extractor,
			  const char *path, const char *name)
{
	const json_t *found = NULL;
	const char *url = at(path);
	size_t i, n = 0;

	for (i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);
		const json_t *f = json_object_get(it, "fields");

		if (strcmp(str_of(it, "extractor"), extractor) != 0 ||
		    strcmp(str_of(it, "url"), url) != 0)
			continue;
		cr_assert(json_is_object(f), "%s: \"fields\" is not an object",
			  url);
		if (name && !str_is(json_object_get(f, "name"), name))
			continue;
		found = it;
		n++;
	}
	cr_assert_eq(n, 1, "%zu %s items from %s named \"%s\", expected 1",
		     n, extractor, url, name ? name : "(any)");
	return found;
}

static const json_t *field(const json_t *it, const char *key)
{
	const json_t *v = json_object_get(json_object_get(it, "fields"), key);

	cr_assert_not_null(v, "%s: item has no field \"%s\"",
			   str_of(it, "url"), key);
	return v;
}

static void expect_str(const json_t *it, const char *key, const char *want)
{
	const json_t *v = field(it, key);

	cr_assert(json_is_string(v), "%s: \"%s\" is not a string",
		  str_of(it, "url"), key);
	cr_assert_str_eq(json_string_value(v), want,
			 "%s: \"%s\" is \"%s\", expected \"%s\"",
			 str_of(it, "url"), key, json_string_value(v), want);
}

/* A JSON real, never an integer, even for 34.0. */
static void expect_real(const json_t *it, const char *key, double want)
{
	const json_t *v = field(it, key);

	cr_assert(json_is_real(v), "%s: \"%s\" is not a JSON real",
		  str_of(it, "url"), key);
	cr_assert(fabs(json_real_value(v) - want) < 1e-9,
		  "%s: \"%s\" is %.17g, expected %g", str_of(it, "url"), key,
		  json_real_value(v), want);
}

static void expect_int(const json_t *it, const char *key, long long want)
{
	const json_t *v = field(it, key);

	cr_assert(json_is_integer(v), "%s: \"%s\" is not a JSON integer",
		  str_of(it, "url"), key);
	cr_assert_eq(json_integer_value(v), want, "%s: \"%s\" is %lld, "
		     "expected %lld", str_of(it, "url"), key,
		     (long long)json_integer_value(v), want);
}

static void expect_bool(const json_t *it, const char *key, bool want)
{
	const json_t *v = field(it, key);

	cr_assert(json_is_boolean(v), "%s: \"%s\" is not a boolean",
		  str_of(it, "url"), key);
	cr_assert_eq(json_is_true(v), want, "%s: \"%s\" is %s",
		     str_of(it, "url"), key, json_is_true(v) ? "true" : "false");
}

static void expect_null(const json_t *it, const char *key)
{
	cr_assert(json_is_null(field(it, key)), "%s: \"%s\" should be null",
		  str_of(it, "url"), key);
}

/* A JSON array of exactly the strings WANT (NULL-terminated). */
static void expect_strs(const json_t *it, const char *key,
			const char *const *want)
{
	const json_t *v = field(it, key);
	char *got = fixture_keep(json_dumps(v, JSON_COMPACT));
	size_t n = 0;

	cr_assert(json_is_array(v), "%s: \"%s\" is not an array",
		  str_of(it, "url"), key);
	for (; want[n]; n++)
		cr_assert(str_is(json_array_get(v, n), want[n]),
			  "%s: \"%s\"[%zu] should be \"%s\"; \"%s\" is %s",
			  str_of(it, "url"), key, n, want[n], key, got);
	cr_assert_eq(json_array_size(v), n, "%s: \"%s\" is %s, expected %zu "
		     "strings", str_of(it, "url"), key, got, n);
}

/* The item's "error": NULL for a valid item. */
static const char *error_of(const json_t *it)
{
	const json_t *e = json_object_get(it, "error");

	cr_assert(json_is_null(e) || json_is_string(e),
		  "%s: \"error\" is neither null nor a string",
		  str_of(it, "url"));
	return json_is_string(e) ? json_string_value(e) : NULL;
}

/* ---- reading the database directly --------------------------------- */

/* The one integer SQL gives, from the database, read-only. */
static long long db_int(const char *sql)
{
	return fixture_db_int(fx.db, "%s", sql);
}

/* Stored exactly once: 28 item rows, and no two alike. */
static void expect_items_stored_once(const char *when)
{
	cr_assert_eq(db_int("SELECT count(*) FROM items"), NPRODUCTS + NCARDS,
		     "%s: %lld item rows, expected %d", when,
		     db_int("SELECT count(*) FROM items"), NPRODUCTS + NCARDS);
	cr_assert_eq(db_int("SELECT count(*) FROM (SELECT 1 FROM items "
			    "GROUP BY url_id, extractor, fields "
			    "HAVING count(*) > 1)"), 0,
		     "%s: an item is stored twice", when);
	cr_assert_eq(db_int("SELECT count(*) FROM items "
			    "WHERE extractor = 'product'"), NPRODUCTS);
	cr_assert_eq(db_int("SELECT count(DISTINCT url_id) FROM items "
			    "WHERE extractor = 'product'"), NPRODUCTS);
}

/* ---- tests --------------------------------------------------------- */

Test(items, one_product_item_per_product_page_one_listing_item_per_card)
{
	json_t *items;
	size_t i, nproduct = 0, nlisting = 0;

	shop_start();
	crawl_shop("crawl");
	items = export_items("items", NULL, NULL);

	for (i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);
		const char *ex = str_of(it, "extractor");
		const char *url = str_of(it, "url");
		size_t n = strlen(fx.origin);

		cr_assert_eq(strncmp(url, fx.origin, n), 0, "item from %s",
			     url);
		cr_assert_str_eq(str_of(it, "job"), "shop");
		if (strcmp(ex, "product") == 0) {
			nproduct++;
			cr_assert_eq(strncmp(url + n, "/product/", 9), 0,
				     "a product item from %s", url);
		} else if (strcmp(ex, "listing") == 0) {
			nlisting++;
			cr_assert_eq(strncmp(url + n, "/category/", 10), 0,
				     "a listing item from %s, which is not a "
				     "category page (its \"match\" should "
				     "exclude it)", url);
		} else {
			cr_assert_fail("an item of unknown extractor \"%s\"",
				       ex);
		}
	}
	cr_assert_eq(nproduct, NPRODUCTS, "%zu product items, expected %d",
		     nproduct, NPRODUCTS);
	cr_assert_eq(nlisting, NCARDS, "%zu listing items, expected %d",
		     nlisting, NCARDS);
	for (i = 0; i < NPAGES; i++)
		if (strncmp(shop_pages[i], "/product/", 9) == 0)
			cr_assert_eq(count_items(items, "product",
						 shop_pages[i]), 1,
				     "%s: not one product item", shop_pages[i]);
	for (i = 0; i < sizeof shop_listings / sizeof shop_listings[0]; i++)
		cr_assert_eq(count_items(items, "listing",
					 shop_listings[i].path),
			     shop_listings[i].cards, "%s: %zu listing items, "
			     "expected %zu", shop_listings[i].path,
			     count_items(items, "listing", shop_listings[i].path),
			     shop_listings[i].cards);
	/* The home page's featured cards are div.product too. */
	cr_assert_eq(count_items(items, "listing", "/"), 0);
	cr_assert_eq(count_items(items, "product", "/"), 0);
	cr_assert_eq(count_items(items, "listing", "/about.html"), 0);
	fixture_pass();
}

Test(items, fields_have_their_types_and_urls_are_absolute)
{
	static const char *const cup_tags[] = { "porcelain", "cups",
						"gift ideas", NULL };
	static const char *const machine_tags[] = { "espresso", "machines",
						    NULL };
	const json_t *it;
	json_t *items;

	shop_start();
	crawl_shop("crawl");
	items = export_items("items", NULL, NULL);

	/* Non-ASCII, a sale price after a struck-out one, relative src. */
	it = item(items, "product", "/product/cafe-creme-cups.html", NULL);
	cr_assert_null(error_of(it), "%s", error_of(it));
	expect_str(it, "name", "Caf\xc3\xa9 cr\xc3\xa8me cups, set of 4");
	expect_real(it, "price", 34.0);
	expect_str(it, "currency", "$");
	expect_str(it, "sku", "CK-1042");
	expect_strs(it, "tags", cup_tags);
	expect_str(it, "image", at("/images/ck-1042.jpg"));
	expect_bool(it, "in_stock", true);
	expect_real(it, "rating", 4.5);
	expect_int(it, "reviews", 123);
	expect_str(it, "released", "2023-09-14");
	expect_str(it, "canonical", at("/product/cafe-creme-cups.html"));

	/* "$1,299.00", "1,204 reviews", a time with an offset, a relative
	 * canonical. */
	it = item(items, "product", "/product/espresso-machine.html", NULL);
	expect_str(it, "name", "Barista Pro espresso machine");
	expect_real(it, "price", 1299.0);
	expect_strs(it, "tags", machine_tags);
	expect_str(it, "image", at("/images/ck-2001.jpg"));
	expect_real(it, "rating", 4.7);
	expect_int(it, "reviews", 1204);
	expect_str(it, "released", "2022-11-01T08:00:00Z");
	expect_str(it, "canonical", at("/product/espresso-machine.html"));

	/* Out of stock, whitespace around the name, no canonical. */
	it = item(items, "product", "/product/burr-grinder.html", NULL);
	expect_str(it, "name", "Conical burr grinder");
	expect_bool(it, "in_stock", false);
	expect_real(it, "rating", 4.2);
	expect_null(it, "canonical");

	/* &amp; and &nbsp; in names; no reviews: the default. */
	it = item(items, "product", "/product/pots-and-pans-set.html", NULL);
	expect_str(it, "name", "Pots & Pans starter set");
	it = item(items, "product", "/product/cast-iron-skillet.html", NULL);
	expect_str(it, "name", "Cast-iron skillet, 26 cm");
	expect_int(it, "reviews", 0);
	expect_null(it, "rating");
	it = item(items, "product", "/product/moka-pot.html", NULL);
	expect_int(it, "reviews", 1);
	expect_bool(it, "in_stock", true);

	/* Listing cards: relative links, and a page with <base href>. */
	it = item(items, "listing", "/category/coffee.html",
		  "Caf\xc3\xa9 cr\xc3\xa8me cups, set of 4");
	expect_real(it, "price", 34.0);
	expect_str(it, "link", at("/product/cafe-creme-cups.html"));
	expect_str(it, "sku", "CK-1042");
	expect_bool(it, "on_sale", true);
	it = item(items, "listing", "/category/coffee.html",
		  "Barista Pro espresso machine");
	expect_bool(it, "on_sale", false);
	it = item(items, "listing", "/category/linens.html",
		  "Tea towels, set of 3");
	expect_str(it, "link", at("/product/tea-towels.html"));
	expect_real(it, "price", 18.0);
	it = item(items, "listing", "/category/coffee-page-2.html",
		  "Drum roaster (commercial, 5 kg)");
	expect_null(it, "price");
	cr_assert_null(error_of(it), "price is not required in a listing");
	fixture_pass();
}

Test(items, broken_products_are_stored_with_an_error_naming_the_field)
{
	const json_t *it;
	const char *err;
	json_t *items, *invalid;
	size_t i;

	shop_start();
	crawl_shop("crawl");
	items = export_items("items", NULL, NULL);

	it = item(items, "product", "/product/roaster.html", NULL);
	err = error_of(it);
	cr_assert_not_null(err, "a price of \"Call for price\" is valid");
	cr_assert(strstr(err, "\"price\"") && strstr(err, "Call for price"),
		  "the error should name the field and quote the text: %s",
		  err);
	expect_null(it, "price");
	expect_str(it, "name", "Drum roaster (commercial, 5 kg)");
	expect_int(it, "reviews", 0);

	it = item(items, "product", "/product/copper-saucepan.html", NULL);
	err = error_of(it);
	cr_assert_not_null(err, "a product without a price is valid");
	cr_assert(strstr(err, "\"price\""), "the error should name the "
		  "field: %s", err);
	expect_null(it, "price");
	expect_str(it, "sku", "CK-3410");

	/* Every other item is valid, and --status invalid selects these. */
	for (i = 0; i < json_array_size(items); i++) {
		const json_t *rec = json_array_get(items, i);
		const char *url = str_of(rec, "url");

		if (strcmp(url, at("/product/roaster.html")) != 0 &&
		    strcmp(url, at("/product/copper-saucepan.html")) != 0)
			cr_assert_null(error_of(rec), "%s: %s", url,
				       error_of(rec));
	}
	invalid = export_items("invalid", "--status", "invalid");
	cr_assert_eq(json_array_size(invalid), 2, "--status invalid gave %zu "
		     "items", json_array_size(invalid));
	cr_assert_eq(db_int("SELECT count(*) FROM items "
			    "WHERE error IS NOT NULL"), 2);
	fixture_pass();
}

Test(items, robots_txt_keeps_the_crawl_out_of_cart_and_search)
{
	struct testsrv_hit *log;
	size_t n, i;

	shop_start();
	crawl_shop("crawl");
	cr_assert_geq(testsrv_hits(fx.srv, "/robots.txt"), 1,
		      "trawl never asked for /robots.txt");
	log = testsrv_log(fx.srv, &n);
	for (i = 0; i < n; i++) {
		bool bad = strncmp(log[i].path, "/cart/", 6) == 0 ||
			   strncmp(log[i].path, "/search", 7) == 0;

		if (bad) {
			char *p = fixture_keep(xstrdup(log[i].path));
			testsrv_log_free(log, n);
			cr_assert_fail("trawl requested %s, which robots.txt "
				       "disallows", p);
		}
	}
	testsrv_log_free(log, n);
	/* Every page once, nothing else. */
	for (i = 0; i < NPAGES; i++)
		cr_assert_eq(testsrv_hits(fx.srv, shop_pages[i]), 1,
			     "%s requested %zu times", shop_pages[i],
			     testsrv_hits(fx.srv, shop_pages[i]));
	cr_assert_eq(testsrv_page_hits(fx.srv), NPAGES, "%zu page requests, "
		     "expected %zu", testsrv_page_hits(fx.srv), NPAGES);
	cr_assert_eq(db_int("SELECT count(*) FROM urls "
			    "WHERE url LIKE '%/cart/%' AND reason = 'robots'"),
		     12, "/cart/ and its 11 add-to-cart links should be "
		     "skipped for robots");
	fixture_pass();
}

Test(items, crawling_a_finished_job_again_adds_no_items)
{
	size_t hits;

	shop_start();
	crawl_shop("crawl1");
	expect_items_stored_once("after the first crawl");
	hits = testsrv_page_hits(fx.srv);

	crawl_shop("crawl2");
	cr_assert_eq(testsrv_page_hits(fx.srv), hits, "the second crawl of a "
		     "finished job fetched %zu pages",
		     testsrv_page_hits(fx.srv) - hits);
	expect_items_stored_once("after the second crawl");
	cr_assert_eq(json_array_size(export_items("items", NULL, NULL)),
		     NPRODUCTS + NCARDS);
	fixture_pass();
}

Test(items, crawl_killed_and_resumed_stores_each_item_once)
{
	struct proc_opts fault = { .sig = SIGKILL };
	struct fixture_hits when = { .at = 10 };
	struct proc_result *r;

	shop_start();
	testsrv_set_delay(fx.srv, 40);
	when.srv = fx.srv;
	fault.ready = fixture_hits_reach;
	fault.ready_arg = &when;
	/* kill -9 of the coordinator once 10 pages were asked for: some
	 * pages are fetched but not yet committed, and are fetched again. */
	r = fixture_trawl_with("crawl1", &fault, "crawl", "-c", SHOP_CONFIG,
			       "--db", fx.db, fx.seed, NULL);
	fixture_expect_killed(r);
	cr_assert_lt(testsrv_page_hits(fx.srv), NPAGES);

	testsrv_set_delay(fx.srv, 0);
	crawl_shop("crawl2");
	expect_items_stored_once("after kill -9 and resume");
	fixture_pass();
}
