/*
 * test_scrape.c - extraction rules (crawler/scrape.c): every field option,
 * scopes, types, defaults, required fields, and rules refused at load.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "scrape.h"

static const char page[] =
	"<!doctype html><html><head><title>Shop</title>"
	"<base href=\"/catalog/\"></head><body>"
	"<h1>  Spring\n\t sale  </h1>"
	"<p id=\"updated\">Updated: <time datetime=\"2026-11-21T10:00:00+01:00\">"
	"yesterday</time></p>"
	"<div class=\"product featured\" data-sku=\"A-1\">"
	"  <h2><a href=\"tea.html\">Green tea</a></h2>"
	"  <span class=\"price\">$1,299.50</span>"
	"  <span class=\"stock\">in stock</span>"
	"  <ul><li class=\"tag\">hot</li><li class=\"tag\">green</li></ul>"
	"  <span class=\"reviews\">Reviews: 1,204</span>"
	"</div>"
	"<div class=\"product\" data-sku=\"B-2\">"
	"  <h2><a href=\"/coffee.html\">Coffee</a></h2>"
	"  <span class=\"price\">call us</span>"
	"  <span class=\"reviews\">Reviews: 12.5</span>"
	"</div>"
	"<div class=\"product\" data-sku=\"C-3\">"
	"  <h2><a href=\"http://other.invalid/x\">Cocoa &amp; milk</a></h2>"
	"  <span class=\"price\">4</span>"
	"  <span class=\"stock\">no</span>"
	"</div>"
	"</body></html>";

#define PAGE_URL "http://127.0.0.1:8080/shop/list.html"

/* Compiles RULES (JSON text), or fails the test with the error. */
static struct scrape *compile(const char *rules)
{
	json_error_t jerr;
	json_t *v = json_loads(rules, 0, &jerr);
	struct scrape_err err;
	struct scrape *s;

	cr_assert(v, "bad JSON in the test: %s", jerr.text);
	s = scrape_compile(v, &err);
	json_decref(v);
	cr_assert(s, "rules refused: rule %d field \"%s\" option \"%s\": %s",
		  err.rule, err.field, err.option, err.msg);
	return s;
}

/* The items RULES make of PAGE, as a JSON array (empty if none). */
static json_t *items_of(const char *rules, const char *body, const char *url)
{
	struct scrape *s = compile(rules);
	char *text = scrape_page(s, body, strlen(body), url, NULL);
	json_t *a = text ? json_loads(text, 0, NULL) : json_array();

	cr_assert(json_is_array(a), "items text is not an array: %s", text);
	free(text);
	scrape_free(s);
	return a;
}

static json_t *field(json_t *items, size_t i, const char *name)
{
	json_t *f = json_object_get(json_object_get(json_array_get(items, i), "fields"),
				    name);
	cr_assert(f, "item %zu has no field \"%s\"", i, name);
	return f;
}

/* Asserts that JSON value GOT equals the JSON text WANT. */
static void expect_json(json_t *got, const char *want, const char *what)
{
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
	char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);

	cr_assert(w, "bad expected JSON %s", want);
	cr_expect(json_equal(got, w), "%s: got %s, want %s", what, g, want);
	free(g);
	json_decref(w);
}

static const char *item_error(json_t *items, size_t i)
{
	return json_string_value(json_object_get(json_array_get(items, i), "error"));
}

Test(scrape, page_item_with_css_text_and_normalized_whitespace)
{
	json_t *a = items_of("[{\"name\":\"page\",\"fields\":{"
			     "\"title\":\"h1\","
			     "\"raw\":{\"css\":\"h1\",\"normalize\":false}}}]",
			     page, PAGE_URL);

	cr_assert_eq(json_array_size(a), 1);
	expect_json(json_object_get(json_array_get(a, 0), "extractor"), "\"page\"", "extractor");
	expect_json(field(a, 0, "title"), "\"Spring sale\"", "normalized text");
	expect_json(field(a, 0, "raw"), "\"  Spring\\n\\t sale  \"", "raw text");
	cr_expect_null(item_error(a, 0));
	json_decref(a);
}

Test(scrape, xpath_attr_and_css_attr_pseudo_element)
{
	json_t *a = items_of("[{\"name\":\"p\",\"fields\":{"
			     "\"x\":{\"xpath\":\"//div[@data-sku]/@data-sku\"},"
			     "\"attr\":{\"css\":\"div.product\",\"attr\":\"data-sku\"},"
			     "\"pseudo\":\"div.product::attr(data-sku)\","
			     "\"count\":{\"xpath\":\"count(//div[@class='product'])\",\"type\":\"int\"},"
			     "\"has\":{\"xpath\":\"boolean(//h1)\",\"type\":\"bool\"}}}]",
			     page, PAGE_URL);

	expect_json(field(a, 0, "x"), "\"A-1\"", "XPath attribute node");
	expect_json(field(a, 0, "attr"), "\"A-1\"", "attr option");
	expect_json(field(a, 0, "pseudo"), "\"A-1\"", "::attr()");
	expect_json(field(a, 0, "count"), "2", "XPath number result");
	expect_json(field(a, 0, "has"), "true", "XPath boolean result");
	json_decref(a);
}

Test(scrape, all_gives_arrays_first_gives_one)
{
	json_t *a = items_of("[{\"name\":\"p\",\"fields\":{"
			     "\"tags\":{\"css\":\"li.tag::text\",\"all\":true},"
			     "\"first\":\"li.tag\","
			     "\"none\":{\"css\":\"li.nothing\",\"all\":true}}}]",
			     page, PAGE_URL);

	expect_json(field(a, 0, "tags"), "[\"hot\",\"green\"]", "all");
	expect_json(field(a, 0, "first"), "\"hot\"", "first");
	expect_json(field(a, 0, "none"), "[]", "no match with all");
	json_decref(a);
}

Test(scrape, scope_makes_one_item_per_node_with_relative_fields)
{
	json_t *a = items_of("[{\"name\":\"product\",\"scope\":\"div.product\",\"fields\":{"
			     "\"name\":\"h2 a\","
			     "\"sku\":{\"xpath\":\"./@data-sku\"},"
			     "\"link\":{\"css\":\"h2 a::attr(href)\",\"type\":\"url\"}}}]",
			     page, PAGE_URL);

	cr_assert_eq(json_array_size(a), 3);
	expect_json(field(a, 0, "name"), "\"Green tea\"", "item 1 name");
	expect_json(field(a, 1, "name"), "\"Coffee\"", "item 2 name");
	expect_json(field(a, 2, "name"), "\"Cocoa & milk\"", "item 3 name, entity decoded");
	expect_json(field(a, 0, "sku"), "\"A-1\"", "relative XPath");
	expect_json(field(a, 2, "sku"), "\"C-3\"", "relative XPath, item 3");
	/* Resolved against <base href="/catalog/">. */
	expect_json(field(a, 0, "link"), "\"http://127.0.0.1:8080/catalog/tea.html\"", "url");
	expect_json(field(a, 1, "link"), "\"http://127.0.0.1:8080/coffee.html\"", "url");
	expect_json(field(a, 2, "link"), "\"http://other.invalid/x\"", "absolute url");
	json_decref(a);
}

Test(scrape, types_convert_and_keep_one_json_type)
{
	json_t *a = items_of("[{\"name\":\"product\",\"scope\":\"div.product\",\"fields\":{"
			     "\"price\":{\"css\":\".price\",\"type\":\"number\"},"
			     "\"reviews\":{\"css\":\".reviews\",\"type\":\"int\"},"
			     "\"in_stock\":{\"css\":\".stock\",\"type\":\"bool\"}}}]",
			     page, PAGE_URL);

	cr_assert_eq(json_array_size(a), 3);
	expect_json(field(a, 0, "price"), "1299.5", "number with separators");
	cr_expect(json_is_real(field(a, 2, "price")), "\"4\" as number is a real");
	expect_json(field(a, 2, "price"), "4.0", "number");
	expect_json(field(a, 1, "price"), "null", "unconvertible, not required");
	expect_json(field(a, 0, "reviews"), "1204", "int");
	expect_json(field(a, 1, "reviews"), "null", "12.5 is not an int");
	expect_json(field(a, 0, "in_stock"), "true", "bool: text not false");
	expect_json(field(a, 1, "in_stock"), "false", "bool: no match");
	expect_json(field(a, 2, "in_stock"), "false", "bool: \"no\"");
	for (size_t i = 0; i < 3; i++)
		cr_expect_null(item_error(a, i), "nothing required");
	json_decref(a);
}

Test(scrape, datetime_normalized_to_iso8601_utc)
{
	json_t *a = items_of("[{\"name\":\"p\",\"fields\":{"
			     "\"updated\":{\"css\":\"time::attr(datetime)\",\"type\":\"datetime\"}}}]",
			     page, PAGE_URL);

	expect_json(field(a, 0, "updated"), "\"2026-11-21T09:00:00Z\"", "datetime");
	json_decref(a);
}

Test(scrape, regex_takes_the_capture_group)
{
	json_t *a = items_of("[{\"name\":\"p\",\"fields\":{"
			     "\"group\":{\"css\":\".reviews\",\"regex\":\"Reviews: ([0-9,]+)\"},"
			     "\"whole\":{\"css\":\".price\",\"regex\":\"[0-9]+\"},"
			     "\"nomatch\":{\"css\":\".price\",\"regex\":\"EUR\"}}}]",
			     page, PAGE_URL);

	expect_json(field(a, 0, "group"), "\"1,204\"", "capture group 1");
	expect_json(field(a, 0, "whole"), "\"1\"", "whole match without a group");
	expect_json(field(a, 0, "nomatch"), "null", "regex without a match");
	json_decref(a);
}

Test(scrape, default_fills_a_missing_field)
{
	json_t *a = items_of("[{\"name\":\"p\",\"fields\":{"
			     "\"currency\":{\"css\":\".currency\",\"default\":\"USD\"},"
			     "\"n\":{\"css\":\".nothing\",\"type\":\"number\",\"default\":0},"
			     "\"req\":{\"css\":\".nothing\",\"required\":true,\"default\":\"x\"}}}]",
			     page, PAGE_URL);

	expect_json(field(a, 0, "currency"), "\"USD\"", "string default");
	expect_json(field(a, 0, "n"), "0.0", "number default stays a real");
	cr_expect_null(item_error(a, 0), "a default satisfies required");
	json_decref(a);
}

Test(scrape, required_fields_make_invalid_items_with_the_reason)
{
	json_t *a = items_of("[{\"name\":\"product\",\"scope\":\"div.product\",\"fields\":{"
			     "\"name\":{\"css\":\"h2\",\"required\":true},"
			     "\"price\":{\"css\":\".price\",\"type\":\"number\",\"required\":true},"
			     "\"stock\":{\"css\":\".stock\",\"required\":true}}}]",
			     page, PAGE_URL);
	const char *e;

	cr_assert_eq(json_array_size(a), 3);
	cr_expect_null(item_error(a, 0), "item 1 is complete");
	e = item_error(a, 1);
	cr_assert(e, "item 2 lacks stock and has a bad price");
	cr_expect(strstr(e, "field \"price\": no number: \"call us\""), "%s", e);
	cr_expect(strstr(e, "missing required field \"stock\""), "%s", e);
	cr_expect_null(item_error(a, 2), "item 3 is complete");
	/* The invalid item keeps what it has. */
	expect_json(field(a, 1, "name"), "\"Coffee\"", "invalid item keeps its fields");
	expect_json(field(a, 1, "price"), "null", "bad value is null");
	json_decref(a);
}

Test(scrape, match_selects_pages_by_url)
{
	const char *rules = "[{\"name\":\"p\",\"match\":\"/shop/\",\"fields\":{\"t\":\"h1\"}}]";
	struct scrape *s = compile(rules);
	json_t *a;

	cr_expect(scrape_wants(s, PAGE_URL));
	cr_expect_not(scrape_wants(s, "http://127.0.0.1:8080/blog/x.html"));
	cr_expect_null(scrape_page(s, page, strlen(page), "http://127.0.0.1:8080/blog/", NULL));
	scrape_free(s);
	a = items_of(rules, page, PAGE_URL);
	cr_expect_eq(json_array_size(a), 1);
	json_decref(a);
}

Test(scrape, broken_html_and_bad_bytes_still_give_valid_utf8)
{
	static const char broken[] = "<div class=product><h2>Caf\xe9 <b>cr\xc3\xa8me</h2>"
				     "<span class=price>3";
	json_t *a = items_of("[{\"name\":\"p\",\"scope\":\".product\",\"fields\":{"
			     "\"name\":\"h2\",\"price\":{\"css\":\".price\",\"type\":\"int\"}}}]",
			     broken, PAGE_URL);

	cr_assert_eq(json_array_size(a), 1);
	cr_expect(json_is_string(field(a, 0, "name")), "name is a valid string");
	expect_json(field(a, 0, "price"), "3", "unclosed tags recovered");
	json_decref(a);
}

/* Rules that must be refused: the error names where and what. */
static void expect_refused(const char *rules, int rule, const char *fieldname,
			   const char *option, const char *msg_part)
{
	json_t *v = json_loads(rules, 0, NULL);
	struct scrape_err err;
	struct scrape *s;

	cr_assert(v, "bad JSON in the test");
	s = scrape_compile(v, &err);
	json_decref(v);
	cr_assert_null(s, "rules accepted: %s", rules);
	scrape_free(s);
	cr_expect_eq(err.rule, rule, "%s: rule %d", rules, err.rule);
	cr_expect_str_eq(err.field, fieldname, "%s: field", rules);
	cr_expect_str_eq(err.option, option, "%s: option", rules);
	cr_expect(strstr(err.msg, msg_part), "%s: message \"%s\" lacks \"%s\"", rules,
		  err.msg, msg_part);
}

Test(scrape, bad_rules_are_refused_naming_rule_field_and_option)
{
	expect_refused("{}", -1, "", "", "must be an array");
	expect_refused("[{\"fields\":{\"a\":\"h1\"}}]", 0, "", "name", "needs a \"name\"");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":\"h1\"}},"
		       "{\"name\":\"a\",\"fields\":{\"t\":\"h1\"}}]", 1, "", "name", "two extractors");
	expect_refused("[{\"name\":\"a\",\"feilds\":{}}]", 0, "", "feilds",
		       "did you mean \"fields\"?");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"css\":\"h1\",\"al\":true}}}]", 0,
		       "t", "al", "did you mean \"all\"?");
	expect_refused("[{\"name\":\"a\",\"fields\":{}}]", 0, "", "fields", "at least one");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":\"h1[\"}}]", 0, "t", "",
		       "invalid CSS selector");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"xpath\":\"//h1[\"}}}]", 0, "t",
		       "xpath", "invalid XPath");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"xpath\":\"nosuch(//h1)\"}}}]", 0,
		       "t", "xpath", "invalid XPath");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"css\":\"h1\",\"typo\":1}}}]", 0,
		       "t", "typo", "unknown option");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"css\":\"h1\",\"type\":\"money\"}}}]",
		       0, "t", "type", "must be one of");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"css\":\"h1\",\"regex\":\"(\"}}}]",
		       0, "t", "regex", "regular expression");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"css\":\"h1\",\"type\":\"int\","
		       "\"default\":\"x\"}}}]", 0, "t", "default", "field's type");
	expect_refused("[{\"name\":\"a\",\"fields\":{\"t\":{\"css\":\"h1\",\"xpath\":\"//h1\"}}}]",
		       0, "t", "xpath", "not both");
	expect_refused("[{\"name\":\"a\",\"scope\":\"div..x\",\"fields\":{\"t\":\"h1\"}}]", 0, "",
		       "scope", "invalid CSS");
	expect_refused("[{\"name\":\"a\",\"match\":\"a(\",\"fields\":{\"t\":\"h1\"}}]", 0,
		       "", "match", "regular expression");
}

/* The value quoted in an error is cut at 40 bytes, never inside a
 * character: the error must stay a valid JSON string. */
Test(scrape, quoted_bad_value_is_cut_at_a_character_boundary)
{
	static const char body[] = "<p class=price>"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"xyz\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"</p>";
	json_t *a = items_of("[{\"name\":\"p\",\"fields\":{"
			     "\"price\":{\"css\":\".price\",\"type\":\"number\",\"required\":true}}}]",
			     body, PAGE_URL);
	const char *e = item_error(a, 0);

	cr_assert(e, "the error is a valid string");
	cr_expect(strstr(e, "no number: \"\xc3\xa9"), "%s", e);
	/* 20 bytes of é, "xyz", then 17 bytes: five whole euro signs (15)
	 * and two bytes of the sixth, which go. */
	cr_expect(strstr(e, "xyz\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\""), "%s", e);
	json_decref(a);
}
