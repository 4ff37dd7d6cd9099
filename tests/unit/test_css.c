/*
 * test_css.c - crawler/css.c: each selector construct compiled to XPath and
 * run by libxml2 against a fixture page parsed by its HTML parser, from the
 * document and from a scope element; the exact nodes matched, in document
 * order.  Then the messages for selectors it refuses, and its limits.
 *
 * A match list names elements by id, text nodes as 'text' and attribute
 * nodes as @name=value, separated by spaces: "p1 p2", "'3'", "@href=/x".
 */
#include "css.h"

#include <criterion/criterion.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char page[] =
	"<!DOCTYPE html><html><head><title>t</title></head><body id=body>\n"
	"<div id=d1 class='product  Featured' data-x=\"a'b&quot;c\" lang=en-US"
	" title='hello world'>\n"
	"<h2 id=h1>Title <b id=b1>bold</b> tail</h2>\n"
	"<p id=p1 class=x>first</p>\n"
	"<p id=p2 class='x y'>second</p>\n"
	"<span id=s1 class='\tlead\nnews '></span>\n"
	"<p id=p3 class=xy>third</p>\n"
	"</div>\n"
	"<DIV id=d2 class=product>\n"
	"<ul id=ul><li id=l1>1</li><li id=l2 class=odd>2</li><li id=l3>3</li>"
	"<li id=l4>4</li><li id=l5>5</li><li id=l6>6</li><li id=l7>7</li></ul>\n"
	"<a id=a1 HREF='http://x.com/a.pdf' lang=en>A</a>\n"
	"<a id=a2 href='https://x.com/b.PDF' lang=english>B</a>\n"
	"<a id=a3 href='/c.pdf?x' lang=en-GB>C</a>\n"
	"<i id=123 class='md:flex w-1/2' title='caf\xc3\xa9'></i>\n"
	"<i id=q1 lang=de-en-CH title='say \"hi\"'></i><i id=q2 lang=fr-en title=\"it's\"></i>\n"
	"</DIV>\n"
	"</body></html>\n";

static htmlDocPtr doc;
static char got[4096];

static void setup(void)
{
	doc = htmlReadMemory(page, (int)strlen(page), "http://h.com/", "utf-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET |
				     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	cr_assert_not_null(doc);
}

static void teardown(void)
{
	xmlFreeDoc(doc);
}

TestSuite(css, .init = setup, .fini = teardown, .timeout = 10);

/* Compiles SEL, which must succeed and give an XPath libxml2 compiles.
 * Caller frees with free(). */
static char *compile(const char *sel)
{
	char err[256] = "";
	char *x = css_to_xpath(sel, err, sizeof err);
	xmlXPathCompExprPtr comp;

	cr_assert_not_null(x, "%s: %s", sel, err);
	comp = xmlXPathCompile((const xmlChar *)x);
	cr_assert_not_null(comp, "%s: libxml2 cannot compile %s", sel, x);
	xmlXPathFreeCompExpr(comp);
	return x;
}

static void append(const char *s)
{
	size_t n = strlen(got);

	snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "", s);
}

/* The nodes SEL matches from context node CTXNODE, as a match list in
 * got (see the file comment). */
static const char *run_at(xmlNodePtr ctxnode, const char *sel)
{
	char *x = compile(sel);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;

	cr_assert_not_null(ctx);
	ctx->node = ctxnode;
	res = xmlXPathEvalExpression((const xmlChar *)x, ctx);
	cr_assert_not_null(res, "%s: evaluating %s failed", sel, x);
	cr_assert_eq(res->type, XPATH_NODESET, "%s: %s is not a node-set", sel, x);
	got[0] = '\0';
	for (int i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
		xmlNodePtr n = res->nodesetval->nodeTab[i];
		xmlChar *v;
		char buf[512];

		switch (n->type) {
		case XML_ELEMENT_NODE:
			v = xmlGetProp(n, (const xmlChar *)"id");
			append(v ? (const char *)v : (const char *)n->name);
			break;
		case XML_TEXT_NODE:
			v = xmlNodeGetContent(n);
			snprintf(buf, sizeof buf, "'%s'", (const char *)v);
			append(buf);
			break;
		case XML_ATTRIBUTE_NODE:
			v = xmlNodeGetContent(n);
			snprintf(buf, sizeof buf, "@%s=%s", (const char *)n->name,
				 (const char *)v);
			append(buf);
			break;
		default:
			v = NULL;
			append("?");
		}
		xmlFree(v);
	}
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	free(x);
	return got;
}

/* From the document node. */
static const char *run(const char *sel)
{
	return run_at((xmlNodePtr)doc, sel);
}

/* From the element with id SCOPE. */
static const char *run_in(const char *scope, const char *sel)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	char expr[128];
	xmlXPathObjectPtr res;
	xmlNodePtr n;

	snprintf(expr, sizeof expr, "//*[@id='%s']", scope);
	res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	cr_assert(res && res->nodesetval && res->nodesetval->nodeNr == 1, "%s", expr);
	n = res->nodesetval->nodeTab[0];
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	return run_at(n, sel);
}

#define MATCH(sel, want) cr_expect_str_eq(run(sel), want, "%s", sel)
#define MATCH_IN(scope, sel, want) \
	cr_expect_str_eq(run_in(scope, sel), want, "in #%s: %s", scope, sel)

/* The message for SEL, which must be refused. */
static const char *error_of(const char *sel)
{
	static char err[256];
	char *x;

	strcpy(err, "(not written)");
	x = css_to_xpath(sel, err, sizeof err);
	cr_assert_null(x, "%s compiled to %s", sel, x);
	return err;
}

#define REFUSES(sel, msg) cr_expect_str_eq(error_of(sel), msg, "%s", sel)

/* ---- simple selectors ---- */

Test(css, type_selector_matches_elements_of_that_name)
{
	MATCH("p", "p1 p2 p3");
	MATCH("li", "l1 l2 l3 l4 l5 l6 l7");
	MATCH("div", "d1 d2");
	MATCH("title", "title");
}

Test(css, type_selector_is_case_insensitive)
{
	MATCH("P", "p1 p2 p3");
	MATCH("Div", "d1 d2");
}

Test(css, universal_selector_matches_every_element)
{
	MATCH("#d1 > *", "h1 p1 p2 s1 p3");
	MATCH_IN("ul", "*", "ul l1 l2 l3 l4 l5 l6 l7");
}

Test(css, class_matches_a_whole_whitespace_separated_token)
{
	MATCH(".x", "p1 p2");
	MATCH(".y", "p2");
	MATCH(".lead", "s1");
	MATCH(".news", "s1");
	MATCH("[class~=news]", "s1");
	MATCH(".xy", "p3");
	MATCH(".product", "d1 d2");
	MATCH(".x.y", "p2");
	MATCH("p.x", "p1 p2");
	MATCH("span.x", "");
}

Test(css, class_is_case_sensitive)
{
	MATCH(".Featured", "d1");
	MATCH(".featured", "");
}

Test(css, id_matches_exactly_and_case_sensitively)
{
	MATCH("#p2", "p2");
	MATCH("#P2", "");
	MATCH("#p", "");
	MATCH("p#p2.x", "p2");
	MATCH("li#p2", "");
}

Test(css, escapes_in_class_and_id)
{
	MATCH(".md\\:flex", "123");
	MATCH(".w-1\\/2", "123");
	MATCH("#\\31 23", "123");
	MATCH("#123", "123");
	MATCH("\\70 ", "p1 p2 p3");
}

/* ---- attributes ---- */

Test(css, attribute_presence)
{
	MATCH("[href]", "a1 a2 a3");
	MATCH("[HREF]", "a1 a2 a3");
	MATCH("a[title]", "");
	MATCH("[data-x]", "d1");
}

Test(css, attribute_equals)
{
	MATCH("[lang=en]", "a1");
	MATCH("[lang=\"en\"]", "a1");
	MATCH("[lang='en']", "a1");
	MATCH("[lang='EN']", "");
	MATCH("[lang=e]", "");
	MATCH("[ lang = en ]", "a1");
	MATCH("i[title='caf\xc3\xa9']", "123");
}

Test(css, attribute_includes_word)
{
	MATCH("[title~=world]", "d1");
	MATCH("[title~=hello]", "d1");
	MATCH("[title~=wor]", "");
	MATCH("[title~='hello world']", "");
	MATCH("[class~=x]", "p1 p2");
	MATCH("[class~='']", "");
}

Test(css, attribute_dash_match)
{
	MATCH("[lang|=en]", "d1 a1 a3");
	MATCH("[lang|=en-us]", "");
	MATCH("[lang|=en-US]", "d1");
}

Test(css, attribute_prefix)
{
	MATCH("[href^=https]", "a2");
	MATCH("[href^='http']", "a1 a2");
	MATCH("[href^='/']", "a3");
	MATCH("[href^='']", "");
}

Test(css, attribute_suffix)
{
	MATCH("[href$='.pdf']", "a1");
	MATCH("[href$=f]", "a1");
	MATCH("[href$=\"PDF\"]", "a2");
	MATCH("[lang$=en]", "a1 q2");
	MATCH("[lang$=GB]", "a3");
	/* Longer than the attribute: no match, not a wrap-around. */
	MATCH("[lang$=xen]", "");
	MATCH("[lang$='x-en-GB']", "");
	/* Counted in characters, not bytes. */
	MATCH("[title$='\xc3\xa9']", "123");
	MATCH("[title$='f\xc3\xa9']", "123");
	MATCH("[href$='']", "");
}

Test(css, attribute_substring)
{
	MATCH("[href*='x.com']", "a1 a2");
	MATCH("[href*=pdf]", "a1 a3");
	MATCH("[href*=\"\"]", "");
}

Test(css, attribute_values_holding_both_quotes_use_concat)
{
	char *x = compile("[data-x=\"a'b\\\"c\"]");

	cr_expect(strstr(x, "concat(") != NULL, "%s", x);
	free(x);
	MATCH("[data-x=\"a'b\\\"c\"]", "d1");
	MATCH("[data-x='a\\'b\"c']", "d1");
	MATCH("[data-x*='\\'b\"']", "d1");
	MATCH("[data-x$='\\'b\"c']", "d1");
	MATCH("[title='say \"hi\"']", "q1");
	MATCH("[title=\"it's\"]", "q2");
	MATCH("[title=\"it\\27 s\"]", "q2");
}

/* ---- combinators ---- */

Test(css, descendant_combinator)
{
	MATCH("#d1 b", "b1");
	MATCH("div p", "p1 p2 p3");
	MATCH("body   li", "l1 l2 l3 l4 l5 l6 l7");
	MATCH("ul p", "");
	MATCH("div div", "");
}

Test(css, child_combinator)
{
	MATCH("#d1 > p", "p1 p2 p3");
	MATCH("div>b", "");
	MATCH("h2 > b", "b1");
	MATCH("body > * > h2", "h1");
}

Test(css, adjacent_sibling_combinator)
{
	MATCH("h2 + p", "p1");
	MATCH("p + p", "p2");
	MATCH("span + p", "p3");
	MATCH("#p1 + .x", "p2");
	MATCH("#p2 + p", "");
	MATCH("li + *", "l2 l3 l4 l5 l6 l7");
	MATCH("#l1 + li:last-child", "");
}

Test(css, general_sibling_combinator)
{
	MATCH("h2 ~ p", "p1 p2 p3");
	MATCH("#p2 ~ *", "s1 p3");
	MATCH("span ~ p", "p3");
	MATCH("#p3 ~ *", "");
}

Test(css, combinators_chain)
{
	MATCH("body > div.product ul > li + li ~ #l5", "l5");
	MATCH("div > h2 + p ~ span", "s1");
}

Test(css, group_is_a_union_in_document_order)
{
	MATCH("#p3, #p1", "p1 p3");
	MATCH("b, h2", "h1 b1");
	MATCH("#p1,#p1", "p1");
	MATCH("li:first-child , li:last-child", "l1 l7");
}

/* ---- pseudo-classes ---- */

Test(css, first_child)
{
	MATCH("li:first-child", "l1");
	MATCH("#d1 > :first-child", "h1");
	MATCH("p:first-child", "");
}

Test(css, last_child)
{
	MATCH("li:last-child", "l7");
	MATCH("#d1 > :last-child", "p3");
	MATCH("li:LAST-CHILD", "l7");
}

Test(css, nth_child_odd_even_and_integer)
{
	MATCH("li:nth-child(odd)", "l1 l3 l5 l7");
	MATCH("li:nth-child(even)", "l2 l4 l6");
	MATCH("li:nth-child(EVEN)", "l2 l4 l6");
	MATCH("li:nth-child(3)", "l3");
	MATCH("li:nth-child(+5)", "l5");
	MATCH("li:nth-child(0)", "");
	MATCH("li:nth-child(-1)", "");
	MATCH("li:nth-child(8)", "");
	MATCH("#d1 > :nth-child(2)", "p1");
}

Test(css, nth_child_an_plus_b)
{
	MATCH("li:nth-child(2n+1)", "l1 l3 l5 l7");
	MATCH("li:nth-child(2n)", "l2 l4 l6");
	MATCH("li:nth-child(n)", "l1 l2 l3 l4 l5 l6 l7");
	MATCH("li:nth-child(n+5)", "l5 l6 l7");
	MATCH("li:nth-child(3n+2)", "l2 l5");
	MATCH("li:nth-child(3n-1)", "l2 l5");
	MATCH("li:nth-child(3n+5)", "l5");
	MATCH("li:nth-child(4n-7)", "l1 l5");
	MATCH("li:nth-child( 2N + 1 )", "l1 l3 l5 l7");
	MATCH("li:nth-child(0n+4)", "l4");
	MATCH("li:nth-child(2n+10)", "");
}

Test(css, nth_child_negative_a)
{
	MATCH("li:nth-child(-n+3)", "l1 l2 l3");
	MATCH("li:nth-child(-2n+5)", "l1 l3 l5");
	MATCH("li:nth-child(-3n+7)", "l1 l4 l7");
	MATCH("li:nth-child(-n+0)", "");
	MATCH("li:nth-child(-n)", "");
}

/* Against the definition, for every small a and b: child p matches when
 * p = a*n + b for some n >= 0. */
Test(css, nth_child_agrees_with_its_definition)
{
	for (int a = -4; a <= 4; a++) {
		for (int b = -5; b <= 9; b++) {
			char sel[64], want[64] = "";

			snprintf(sel, sizeof sel, "li:nth-child(%dn%+d)", a, b);
			for (int p = 1; p <= 7; p++) {
				bool hit = a == 0 ? p == b : (p - b) % a == 0 && (p - b) / a >= 0;

				if (hit)
					snprintf(want + strlen(want), sizeof want - strlen(want),
						 "%sl%d", want[0] ? " " : "", p);
			}
			MATCH(sel, want);
		}
	}
}

Test(css, not_negates_a_compound)
{
	MATCH("li:not(.odd)", "l1 l3 l4 l5 l6 l7");
	MATCH("#d1 > :not(p)", "h1 s1");
	MATCH("p:not(.x)", "p3");
	MATCH("p:not([class~=y])", "p1 p3");
	MATCH("p:not(p.x)", "p3");
	MATCH("li:not(:first-child):not(:last-child):not(:nth-child(odd))", "l2 l4 l6");
	MATCH("p:not( #p1 )", "p2 p3");
	MATCH("li:not(*)", "");
	MATCH("li:not(:not(#l2))", "l2");
}

/* ---- pseudo-elements ---- */

Test(css, text_gives_the_direct_text_children)
{
	MATCH("h2::text", "'Title ' ' tail'");
	MATCH("#l3::text", "'3'");
	MATCH("li:nth-child(-n+2)::text", "'1' '2'");
	MATCH("span::text", "");
	MATCH("#d1 b::text, #l7::text", "'bold' '7'");
	MATCH("h2 ::text", "'bold'");
}

Test(css, attr_gives_the_attribute_node)
{
	MATCH("a::attr(href)", "@href=http://x.com/a.pdf @href=https://x.com/b.PDF "
			       "@href=/c.pdf?x");
	MATCH("a[lang=en]::attr(HREF)", "@href=http://x.com/a.pdf");
	MATCH("[data-x]::attr(data-x)", "@data-x=a'b\"c");
	MATCH("#l1::attr(class)", "");
	MATCH("#b1 ::attr( id )", "");
	MATCH("h2 ::attr(id)", "@id=b1");
	MATCH("::attr(lang)", "@lang=en-US @lang=en @lang=english @lang=en-GB @lang=de-en-CH @lang=fr-en");
}

/* ---- context node ---- */

Test(css, matches_inside_a_scope_element)
{
	MATCH_IN("d2", "li:nth-child(odd)", "l1 l3 l5 l7");
	MATCH_IN("d2", "p", "");
	MATCH_IN("d1", ".x", "p1 p2");
	MATCH_IN("d1", "a::attr(href)", "");
	MATCH_IN("d1", "p::text", "'first' 'second' 'third'");
	MATCH_IN("d2", "a, #p1", "a1 a2 a3");
	MATCH_IN("h1", "::text", "'Title ' 'bold' ' tail'");
}

Test(css, scope_element_itself_can_match)
{
	/* descendant-or-self, as parsel does. */
	MATCH_IN("d1", "div", "d1");
	MATCH_IN("ul", ":first-child", "ul l1");
	MATCH_IN("d2", ".product ul", "ul");
	MATCH_IN("l3", "li", "l3");
}

/* ---- refusals ---- */

Test(css, refuses_empty_selectors)
{
	REFUSES("", "empty selector");
	REFUSES("  \t", "empty selector");
	REFUSES("p,", "expected a selector after ',' at column 3");
	REFUSES("p, ,a", "expected a selector after ',' at column 4");
	REFUSES(",p", "unexpected ',' at column 1");
}

Test(css, refuses_bad_simple_selectors)
{
	REFUSES(".", "expected a class name after '.' at column 2");
	REFUSES("p.", "expected a class name after '.' at column 3");
	REFUSES("p. x", "expected a class name after '.', found ' ' at column 3");
	REFUSES("#", "expected an id after '#' at column 2");
	REFUSES("1p", "unexpected '1' at column 1");
	REFUSES("ns|p", "namespace prefixes ('|') are not supported at column 3");
	REFUSES("p)", "unexpected ')' at column 2");
	REFUSES("p/q", "unexpected '/' at column 2");
}

Test(css, refuses_trailing_and_leading_combinators)
{
	REFUSES("div >", "expected a selector after '>' at column 6");
	REFUSES("div +  ", "expected a selector after '+' at column 8");
	REFUSES("div ~", "expected a selector after '~' at column 6");
	REFUSES("> p", "expected a selector before '>' at column 1");
	REFUSES("a > > b", "unexpected '>' at column 5");
}

Test(css, refuses_unbalanced_brackets_and_strings)
{
	REFUSES("[a", "expected ']' or one of = ~= |= ^= $= *= at column 3");
	REFUSES("[a=b", "expected ']' at column 5");
	REFUSES("[a='b'", "expected ']' at column 7");
	REFUSES("[a='b]", "unterminated string at column 4");
	REFUSES("a]", "unexpected ']' at column 2");
	REFUSES("[]", "expected an attribute name after '[', found ']' at column 2");
	REFUSES("[a=]", "expected a value after '=', found ']' at column 4");
	REFUSES("[a!=b]", "expected ']' or one of = ~= |= ^= $= *=, found '!' at column 3");
	REFUSES("[a=b i]", "attribute selector flags ('i') are not supported at column 6");
	REFUSES("[a='x\ny']", "newline in a string (escape it as \\a) at column 6");
	REFUSES("li:nth-child(2", "expected ')' after the :nth-child() argument at column 15");
	REFUSES("p:not(.x", "expected ')' at column 9");
	REFUSES("a::attr(href", "expected ')' after the ::attr() name at column 13");
}

Test(css, refuses_unsupported_pseudo_classes)
{
	REFUSES("a:hover", "unsupported pseudo-class ':hover' at column 2");
	REFUSES("p:nth-of-type(2)", "unsupported pseudo-class ':nth-of-type()' at column 2");
	REFUSES("p:", "expected a pseudo-class name after ':' at column 3");
	REFUSES("li:nth-child", "expected '(' after ':nth-child' at column 13");
	REFUSES("li:nth-child()", "expected an+b, 'odd' or 'even' in :nth-child() at column 14");
	REFUSES("li:nth-child(- n)", "expected an+b, 'odd' or 'even' in :nth-child() at column 14");
	REFUSES("li:nth-child(2x)", "expected an+b, 'odd' or 'even' in :nth-child() at column 14");
	REFUSES("li:nth-child(2n+)", "expected a number in :nth-child(), found ')' at column 17");
	REFUSES("li:nth-child(1234567890)", "number too large in :nth-child() at column 14");
	REFUSES("li:nth-child(2n of p)", "expected ')' after the :nth-child() argument, "
				       "found 'o' at column 17");
	REFUSES("p:text", "'::text' is a pseudo-element, with two colons at column 2");
}

Test(css, refuses_complex_not)
{
	REFUSES("p:not(div p)", ":not() takes a compound selector, without combinators at column 11");
	REFUSES("p:not(div > p)", ":not() takes a compound selector, without combinators at column 11");
	REFUSES("p:not(.a, .b)", ":not() takes one compound selector, not a list at column 9");
	REFUSES("p:not()", "expected a selector in :not(), found ')' at column 7");
	REFUSES("p:not(::text)", "pseudo-elements are not allowed in :not() at column 7");
	REFUSES(":not(:not(:not(:not(:not(:not(:not(:not(:not(p)))))))))",
		":not() nested more than 8 deep at column 41");
}

Test(css, refuses_pseudo_elements_not_at_the_end)
{
	REFUSES("p::text b", "a pseudo-element must end the selector at column 9");
	REFUSES("p::text > b", "a pseudo-element must end the selector at column 9");
	REFUSES("p::text.x", "a pseudo-element must end the selector at column 8");
	REFUSES("p::attr(id)::text", "a pseudo-element must end the selector at column 12");
	REFUSES("p::before", "unsupported pseudo-element '::before' at column 2");
	REFUSES("p::text()", "unsupported pseudo-element '::text()' at column 2");
	REFUSES("p::attr", "expected '(' after '::attr' at column 8");
	REFUSES("p::attr()", "expected an attribute name in ::attr(), found ')' at column 9");
}

Test(css, refuses_what_xpath_cannot_hold)
{
	REFUSES("[a='\x01']", "character U+0001 cannot be used at column 5");
	REFUSES("[a='\xff']", "invalid UTF-8 byte 0xff at column 5");
	REFUSES("p\xc3", "invalid UTF-8 byte 0xc3 at column 2");
	REFUSES("[a='\xed\xa0\x80']", "invalid UTF-8 byte 0xed at column 5");
	REFUSES(".\\0", "escape '\\0' is not a character XPath can hold at column 2");
	REFUSES(".\\d800", "escape '\\d800' is not a character XPath can hold at column 2");
	REFUSES(".\\110000", "escape '\\110000' is not a character XPath can hold at column 2");
	REFUSES("[a='\\", "unterminated string at column 4");
}

Test(css, error_columns_count_characters)
{
	REFUSES("\xc3\xa9\xc3\xa9.", "expected a class name after '.' at column 4");
}

Test(css, error_is_truncated_to_its_buffer)
{
	char err[10];

	cr_assert_null(css_to_xpath("p:hover", err, sizeof err));
	cr_expect_str_eq(err, "unsupport");
	cr_assert_null(css_to_xpath("p:hover", NULL, 0));
}

/* ---- limits and output ---- */

Test(css, refuses_selectors_over_the_length_cap)
{
	char *s = malloc(CSS_MAX_LEN + 2), *x;

	memset(s, 'a', CSS_MAX_LEN + 1);
	s[CSS_MAX_LEN + 1] = '\0';
	REFUSES(s, "selector longer than 4096 bytes");
	s[CSS_MAX_LEN] = '\0';
	x = css_to_xpath(s, NULL, 0);
	cr_expect_not_null(x);
	free(x);
	free(s);
}

Test(css, refuses_selectors_whose_xpath_is_over_the_cap)
{
	char *s = malloc(CSS_MAX_LEN + 1);

	for (int i = 0; i < CSS_MAX_LEN; i += 2)
		memcpy(s + i, ".a", 2);
	s[CSS_MAX_LEN] = '\0';
	REFUSES(s, "selector too complex: its XPath would exceed 65536 bytes");
	free(s);
}

Test(css, translation_is_relative_and_readable)
{
	static const char *const rows[][2] = {
		{ "div", "descendant-or-self::div" },
		{ "div p", "descendant-or-self::div/descendant::p" },
		{ "div > p", "descendant-or-self::div/p" },
		{ "h1 + p", "descendant-or-self::h1/following-sibling::*[1][self::p]" },
		{ "h1 ~ p", "descendant-or-self::h1/following-sibling::p" },
		{ "#a", "descendant-or-self::*[@id = 'a']" },
		{ "a, b", "descendant-or-self::a | descendant-or-self::b" },
		{ "p::text", "descendant-or-self::p/text()" },
		{ "::attr(href)", "descendant-or-self::*/@href" },
		{ "[a$=bc]", "descendant-or-self::*[substring(@a, string-length(@a) - 1) = 'bc']" },
		{ "[x='\"\\'']", "descendant-or-self::*[@x = concat('\"', \"'\")]" },
		{ "[xml\\:lang]", "descendant-or-self::*[@*[name() = 'xml:lang']]" },
		{ "\\31 a", "descendant-or-self::*[name() = '1a']" },
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *x = compile(rows[i][0]);

		cr_expect_str_eq(x, rows[i][1], "%s", rows[i][0]);
		free(x);
	}
}

Test(css, every_accepted_selector_compiles_in_libxml2)
{
	static const char *const sels[] = {
		"*", "*::text", "::text", "a::attr(b)", "[a|='']", "[a='']",
		"[a=\"'\\\"\"]", "[a='\\\"\\'\\\"']", "p:not(:nth-child(n))",
		"p:nth-child(-0n-0)", "p:nth-child(999999999n-999999999)",
		"\\2a", ".\\20", "#\\\"", "[\\[=\\]]", "[a='\\a']",
		"[a='\\\n']", "text", "node", "comment", "and", "or", "div",
		"mod", "child", "p:not(text)", "processing-instruction",
		"a\\.b", "-x", "--", "_", "\xc3\xa9l\xc3\xa9ment",
		"\xf0\x9f\x98\x80", "[\xf0\x9f\x98\x80$='\xf0\x9f\x98\x80']",
		"::attr(\\31)", "a ::text", "a > * + * ~ *",
	};

	for (size_t i = 0; i < sizeof sels / sizeof sels[0]; i++)
		free(compile(sels[i]));
}
