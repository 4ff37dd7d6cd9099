/*
 * fuzz_css.c - libFuzzer target for crawler/css.c: selectors from a
 * hostile config compiled to XPath.
 *
 * The input (up to its first NUL) is the selector.  What css.h promises:
 *   - refused: a non-empty one-line message of printable characters;
 *   - accepted: at most CSS_MAX_XPATH bytes that libxml2's xmlXPathCompile
 *     takes, and that evaluate to a node-set of elements, text nodes or
 *     attributes on a small fixed page, both from the document and from a
 *     scope element inside it.
 */
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "css.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char page[] =
	"<html><body><div id=d class='a b' lang=en-US title=\"it's &quot;x&quot;\">"
	"<h2>T <b>b</b> t</h2><p id=p1 class=a>one</p><p class='x\ty'>two</p>"
	"<ul id=u><li>1</li><li class=odd>2</li><li>3</li><li>4</li></ul>"
	"<a href='http://h/a.pdf' data-x=1>A</a><svg:rect X=1></svg:rect>"
	"</div><div id=e class=a><p>three</p></div></body></html>";

static htmlDocPtr doc;
static xmlNodePtr scope;

/* Swallows libxml2's messages; a failure is caught by its return value. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr res;

	(void)argc;
	(void)argv;
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	doc = htmlReadMemory(page, (int)strlen(page), "http://h/", "utf-8",
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET |
				     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	if (!doc)
		abort();
	ctx = xmlXPathNewContext(doc);
	res = xmlXPathEvalExpression((const xmlChar *)"//*[@id='d']", ctx);
	if (!res || !res->nodesetval || res->nodesetval->nodeNr != 1)
		abort();
	scope = res->nodesetval->nodeTab[0];
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	return 0;
}

static void eval_at(xmlXPathCompExprPtr comp, xmlNodePtr node)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr res;

	FUZZ_CHECK(ctx != NULL);
	ctx->node = node;
	res = xmlXPathCompiledEval(comp, ctx);
	FUZZ_CHECK(res != NULL && res->type == XPATH_NODESET);
	for (int i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
		xmlElementType t = res->nodesetval->nodeTab[i]->type;

		FUZZ_CHECK(t == XML_ELEMENT_NODE || t == XML_TEXT_NODE ||
			   t == XML_ATTRIBUTE_NODE);
	}
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sel = fuzz_strndup(data, size), *x;
	char err[256];
	xmlXPathCompExprPtr comp;

	memset(err, 'X', sizeof err);
	x = css_to_xpath(sel, err, sizeof err);
	if (!x) {
		size_t n = strnlen(err, sizeof err);

		FUZZ_CHECK(n > 0 && n < sizeof err);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
		free(sel);
		return 0;
	}
	FUZZ_CHECK(strlen(x) <= CSS_MAX_XPATH);
	comp = xmlXPathCompile((const xmlChar *)x);
	FUZZ_CHECK(comp != NULL);
	eval_at(comp, (xmlNodePtr)doc);
	eval_at(comp, scope);
	xmlXPathFreeCompExpr(comp);
	free(x);
	free(sel);
	return 0;
}
