/*
 * scrape.c - extraction rules (see scrape.h).
 *
 * scrape_compile() runs once in the coordinator; every selector becomes a
 * compiled libxml2 XPath expression, tried once on an empty document so
 * that an unknown function or a wrong argument count is a config error,
 * not a surprise on the first page.  scrape_page() runs in workers, only
 * for pages an extractor's "match" accepts: it builds a DOM (the link
 * extractor's SAX pass builds none) and evaluates the rules on it.
 */
#include "scrape.h"

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "css.h"
#include "log.h"
#include "url.h"
#include "utf8.h"
#include "value.h"

/* Text taken from one node, at most; longer text is cut there. */
#define TEXT_MAX (64 * 1024)
/* Characters of a value quoted in a validation error. */
#define QUOTE_MAX 40

struct field {
	char *name;
	xmlXPathCompExprPtr xp;
	char *attr;              /* NULL: the node's text */
	bool all, normalize, required;
	enum value_type type;
	bool has_re;
	regex_t re;
	json_t *def;             /* NULL: none */
};

struct rule {
	char *name;
	bool has_match;
	regex_t match;
	xmlXPathCompExprPtr scope; /* NULL: one item per page */
	struct field *f;
	size_t nf;
};

struct scrape {
	struct rule *r;
	size_t nr;
};

/* ---- compiling ---- */

static int fail(struct scrape_err *err, const char *option, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static int fail(struct scrape_err *err, const char *option, const char *fmt,
		...)
{
	va_list ap;

	snprintf(err->option, sizeof err->option, "%s", option ? option : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* libxml2 reports XPath errors through its error handler: caught here
 * while compiling, so that the config error can quote them. */
static void keep_error(void *ctx, xmlErrorPtr e)
{
	char *buf = ctx;

	if (buf[0] == '\0' && e && e->message) {
		size_t n;

		snprintf(buf, 200, "%s", e->message);
		n = strlen(buf);
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			buf[--n] = '\0';
	}
}

static void drop_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* Some XPath messages (an unknown function) go to the generic handler,
 * which prints to stderr; the structured one already has them. */
static void drop_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void quiet_begin(void *ctx, xmlStructuredErrorFunc fn)
{
	xmlSetStructuredErrorFunc(ctx, fn);
	xmlSetGenericErrorFunc(NULL, drop_generic);
}

static void quiet_end(void)
{
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
}

/* Compiles XPath EXPR and tries it on an empty page.  Returns the
 * expression, or NULL with the reason in WHY. */
static xmlXPathCompExprPtr xpath_compile(const char *expr, char *why, size_t sz)
{
	static const char probe[] = "<html><head></head><body></body></html>";
	char msg[200] = "";
	xmlXPathCompExprPtr xp;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr res = NULL;
	htmlDocPtr doc = NULL;

	quiet_begin(msg, keep_error);
	xp = xmlXPathCompile((const xmlChar *)expr);
	if (xp) {
		doc = htmlReadMemory(probe, sizeof probe - 1, "http://x.invalid/",
				     "UTF-8", HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				     HTML_PARSE_NOWARNING);
		ctx = doc ? xmlXPathNewContext(doc) : NULL;
		res = ctx ? xmlXPathCompiledEval(xp, ctx) : NULL;
		if (!res) {
			xmlXPathFreeCompExpr(xp);
			xp = NULL;
		}
	}
	quiet_end();
	if (!xp)
		snprintf(why, sz, "%s", msg[0] ? msg : "not a valid XPath 1.0 expression");
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return xp;
}

/* A selector: a string is CSS, an object holds "css" or "xpath". */
static xmlXPathCompExprPtr selector(const json_t *v, const char *where,
				    struct scrape_err *err)
{
	const char *css = NULL, *xpath = NULL;
	char why[300], *expr = NULL;
	xmlXPathCompExprPtr xp;

	if (json_is_string(v)) {
		css = json_string_value(v);
	} else if (json_is_object(v)) {
		css = json_string_value(json_object_get(v, "css"));
		xpath = json_string_value(json_object_get(v, "xpath"));
	}
	if (css && css[0] == '\0')
		css = NULL;
	if (xpath && xpath[0] == '\0')
		xpath = NULL;
	if (!css && !xpath) {
		fail(err, where, "give a CSS selector as a string, or "
		     "{\"css\": \"...\"} or {\"xpath\": \"...\"}");
		return NULL;
	}
	if (css) {
		expr = css_to_xpath(css, why, sizeof why);
		if (!expr) {
			fail(err, json_is_string(v) ? where : "css",
			     "invalid CSS selector \"%.200s\": %s", css, why);
			return NULL;
		}
		xp = xpath_compile(expr, why, sizeof why);
		if (!xp)
			fail(err, json_is_string(v) ? where : "css",
			     "CSS selector \"%.200s\" gives an XPath libxml2 "
			     "refuses (%s); please report it", css, why);
		free(expr);
		return xp;
	}
	xp = xpath_compile(xpath, why, sizeof why);
	if (!xp)
		fail(err, "xpath", "invalid XPath \"%.200s\": %s", xpath, why);
	return xp;
}

static const char *const field_keys[] = {
	"css", "xpath", "attr", "all", "type", "normalize", "regex",
	"default", "required", NULL,
};

static const char *const rule_keys[] = {
	"name", "match", "scope", "fields", NULL,
};

static bool known(const char *const *keys, const char *k)
{
	for (; *keys; keys++)
		if (strcmp(*keys, k) == 0)
			return true;
	return false;
}

static void list_keys(const char *const *keys, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *keys && n < sz; keys++)
		n += (size_t)snprintf(buf + n, sz - n, "%s\"%s\"",
				      n ? ", " : "", *keys);
}

/* Fails on the first member of object V that is not one of KEYS: names
 * the closest key, or else lists them all.  WORD is what a member is
 * called ("option"), WHAT the object that takes them ("a field"). */
static int check_keys(const json_t *v, const char *const *keys, const char *word,
		      const char *what, struct scrape_err *err)
{
	const char *k, *near;
	json_t *o;
	char list[600];

	json_object_foreach((json_t *)v, k, o) {
		if (known(keys, k))
			continue;
		near = conf_closest(k, keys);
		if (near)
			return fail(err, k, "unknown %s \"%s\"; did you mean \"%s\"?",
				    word, k, near);
		list_keys(keys, list, sizeof list);
		return fail(err, k, "unknown %s \"%s\"; %s takes %s", word, k,
			    what, list);
	}
	return 0;
}

static bool default_fits(const json_t *d, enum value_type t)
{
	if (json_is_null(d))
		return true;
	switch (t) {
	case VALUE_INT:
		return json_is_integer(d);
	case VALUE_NUMBER:
		return json_is_number(d);
	case VALUE_BOOL:
		return json_is_boolean(d);
	default:
		return json_is_string(d);
	}
}

static int field_compile(struct field *f, const char *name, const json_t *v,
			 struct scrape_err *err)
{
	const char *s;
	json_t *o;
	char why[600];

	f->name = xstrdup(name);
	f->normalize = true;
	f->type = VALUE_STRING;
	if (!json_is_string(v) && !json_is_object(v))
		return fail(err, NULL, "a field is a CSS selector (a string) or "
			    "an object of options");
	if (json_is_object(v)) {
		if (check_keys(v, field_keys, "option", "a field", err) < 0)
			return -1;
		if (json_object_get(v, "css") && json_object_get(v, "xpath"))
			return fail(err, "xpath", "give \"css\" or \"xpath\", not both");
		if ((o = json_object_get(v, "css")) && !json_is_string(o))
			return fail(err, "css", "\"css\" must be a string");
		if ((o = json_object_get(v, "xpath")) && !json_is_string(o))
			return fail(err, "xpath", "\"xpath\" must be a string");
		if ((o = json_object_get(v, "attr"))) {
			s = json_string_value(o);
			if (!s || !*s || strpbrk(s, " \t\r\n\"'=<>/"))
				return fail(err, "attr", "\"attr\" must be an "
					    "attribute name such as \"href\"");
			f->attr = xstrdup(s[0] == '@' ? s + 1 : s);
		}
		if ((o = json_object_get(v, "type"))) {
			if (!json_is_string(o) ||
			    value_type_parse(json_string_value(o), &f->type) < 0)
				return fail(err, "type", "\"type\" must be one of "
					    "\"string\", \"int\", \"number\", "
					    "\"bool\", \"url\", \"datetime\"");
		}
		if ((o = json_object_get(v, "all"))) {
			if (!json_is_boolean(o))
				return fail(err, "all", "\"all\" must be true or false");
			f->all = json_is_true(o);
		}
		if ((o = json_object_get(v, "normalize"))) {
			if (!json_is_boolean(o))
				return fail(err, "normalize", "\"normalize\" must "
					    "be true or false");
			f->normalize = json_is_true(o);
		}
		if ((o = json_object_get(v, "required"))) {
			if (!json_is_boolean(o))
				return fail(err, "required", "\"required\" must "
					    "be true or false");
			f->required = json_is_true(o);
		}
		if ((o = json_object_get(v, "regex"))) {
			if (!json_is_string(o) || !*json_string_value(o))
				return fail(err, "regex", "\"regex\" must be a "
					    "POSIX extended regular expression");
			if (conf_regex_compile(&f->re, json_string_value(o), 0,
					       why, sizeof why) < 0)
				return fail(err, "regex", "%s", why);
			f->has_re = true;
		}
		if ((o = json_object_get(v, "default"))) {
			bool ok = true;

			if (f->all && !json_is_null(o)) {
				size_t i;
				json_t *e;

				ok = json_is_array(o);
				json_array_foreach(o, i, e)
					ok = ok && !json_is_null(e) && default_fits(e, f->type);
			} else {
				ok = default_fits(o, f->type);
			}
			if (!ok)
				return fail(err, "default", "\"default\" must be "
					    "%s of the field's type (%s), or null",
					    f->all ? "an array of values" : "a value",
					    value_type_name(f->type));
			/* Numbers keep one JSON type: 3 becomes 3.0. */
			if (f->type == VALUE_NUMBER && json_is_integer(o))
				f->def = json_real((double)json_integer_value(o));
			else
				f->def = json_deep_copy(o);
		}
	}
	f->xp = selector(v, "", err);
	return f->xp ? 0 : -1;
}

static void field_release(struct field *f)
{
	free(f->name);
	free(f->attr);
	if (f->xp)
		xmlXPathFreeCompExpr(f->xp);
	if (f->has_re)
		regfree(&f->re);
	json_decref(f->def);
}

static int rule_compile(struct scrape *s, struct rule *r, const json_t *v,
			struct scrape_err *err)
{
	const char *k, *name;
	json_t *o, *fields;
	char why[600];

	if (!json_is_object(v))
		return fail(err, NULL, "an extractor is an object with \"name\" "
			    "and \"fields\" (see config/README.md)");
	if (check_keys(v, rule_keys, "key", "an extractor", err) < 0)
		return -1;
	name = json_string_value(json_object_get(v, "name"));
	if (!name || !*name || strlen(name) > 63 || !utf8_valid(name, strlen(name)))
		return fail(err, "name", "an extractor needs a \"name\": text "
			    "of 1 to 63 bytes, used in exports");
	for (const struct rule *prev = s->r; prev < r; prev++)
		if (strcmp(prev->name, name) == 0)
			return fail(err, "name", "two extractors are named \"%s\"; "
				    "names must differ", name);
	r->name = xstrdup(name);
	if ((o = json_object_get(v, "match"))) {
		if (!json_is_string(o) || !*json_string_value(o))
			return fail(err, "match", "\"match\" must be a regular "
				    "expression over page URLs");
		if (conf_regex_compile(&r->match, json_string_value(o), REG_NOSUB,
				       why, sizeof why) < 0)
			return fail(err, "match", "%s", why);
		r->has_match = true;
	}
	if ((o = json_object_get(v, "scope"))) {
		r->scope = selector(o, "scope", err);
		if (!r->scope) {
			/* The scope's own keys are not field options. */
			if (strcmp(err->option, "css") == 0 ||
			    strcmp(err->option, "xpath") == 0)
				snprintf(err->option, sizeof err->option, "scope");
			return -1;
		}
	}
	fields = json_object_get(v, "fields");
	if (!json_is_object(fields) || json_object_size(fields) == 0)
		return fail(err, "fields", "\"fields\" must be an object of at "
			    "least one field: {\"title\": \"h1\", ...}");
	r->f = xcalloc(json_object_size(fields), sizeof *r->f);
	json_object_foreach(fields, k, o) {
		snprintf(err->field, sizeof err->field, "%s", k);
		if (!*k || strlen(k) >= sizeof err->field)
			return fail(err, NULL, "a field name must be 1 to %zu bytes",
				    sizeof err->field - 1);
		if (field_compile(&r->f[r->nf++], k, o, err) < 0)
			return -1;
	}
	err->field[0] = '\0';
	return 0;
}

struct scrape *scrape_compile(const json_t *v, struct scrape_err *err)
{
	struct scrape *s;
	size_t i;
	json_t *e;

	memset(err, 0, sizeof *err);
	err->rule = -1;
	if (!json_is_array(v)) {
		fail(err, NULL, "\"extractors\" must be an array of extractors");
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->r = xcalloc(json_array_size(v) + 1, sizeof *s->r);
	json_array_foreach(v, i, e) {
		err->rule = (int)i;
		if (rule_compile(s, &s->r[s->nr++], e, err) < 0) {
			scrape_free(s);
			return NULL;
		}
	}
	err->rule = -1;
	return s;
}

void scrape_free(struct scrape *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr; i++) {
		struct rule *r = &s->r[i];

		free(r->name);
		if (r->has_match)
			regfree(&r->match);
		if (r->scope)
			xmlXPathFreeCompExpr(r->scope);
		for (size_t j = 0; j < r->nf; j++)
			field_release(&r->f[j]);
		free(r->f);
	}
	free(s->r);
	free(s);
}

/* ---- applying ---- */

static bool rule_wants(const struct rule *r, const char *url)
{
	return !r->has_match || regexec(&r->match, url, 0, NULL, 0) == 0;
}

bool scrape_wants(const struct scrape *s, const char *url)
{
	for (size_t i = 0; s && i < s->nr; i++)
		if (rule_wants(&s->r[i], url))
			return true;
	return false;
}

/* What one field's evaluation gave. */
struct found {
	json_t *v;            /* the first value, or the array for "all" */
	size_t n;             /* values taken */
	const char *why;      /* a value that did not convert, and why */
	char bad[QUOTE_MAX + 1];
};

/* Valid UTF-8 text of at most TEXT_MAX bytes from S; caller frees. */
static char *text_copy(const char *s)
{
	size_t n = strnlen(s, TEXT_MAX);

	/* Cut at a character boundary. */
	while (n > 0 && n == TEXT_MAX && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	if (utf8_valid(s, n))
		return xstrndup(s, n);
	return utf8_clean(s, n);
}

/* Turns one piece of text into the field's value: normalized, regex, type.
 * Adds it to F->v (or sets it) and returns 1; 0 if the text gives nothing
 * (empty, or the regex does not match); -1 if it does not convert (F->why
 * and F->bad say why, for the first such text). */
static int take_text(const struct field *fd, const struct url_base *base,
		     const char *raw, struct found *f)
{
	char *t = text_copy(raw), *pick = t;
	regmatch_t m[2];
	json_t *v = NULL;
	const char *why = NULL;
	int ret = 0;

	if (fd->normalize)
		value_normalize_space(t);
	if (fd->has_re) {
		if (regexec(&fd->re, t, 2, m, 0) != 0)
			goto out;
		if (fd->re.re_nsub < 1 || m[1].rm_so < 0)
			m[1] = m[0];
		t[m[1].rm_eo] = '\0';
		pick = t + m[1].rm_so;
	}
	if (fd->type == VALUE_BOOL) {
		/* A match is true unless its text says false. */
		v = *pick ? value_convert(VALUE_BOOL, pick, &why) : NULL;
		if (!v)
			v = json_true();
	} else if (*pick == '\0') {
		goto out;
	} else if (fd->type == VALUE_STRING) {
		/* The regex may have cut inside a character. */
		v = json_string(pick);
		if (!v) {
			char *c = utf8_clean(pick, strlen(pick));
			v = json_string(c);
			free(c);
		}
	} else if (fd->type == VALUE_URL) {
		char *u = base ? url_resolve(base, pick, strlen(pick)) : NULL;

		if (u)
			v = json_string(u);
		else
			why = "not an http(s) URL";
		free(u);
	} else {
		v = value_convert(fd->type, pick, &why);
	}
	if (!v) {
		if (!f->why) {
			f->why = why ? why : "cannot convert";
			snprintf(f->bad, sizeof f->bad, "%s", pick);
			/* Do not leave half a character at the cut. */
			for (size_t n = strlen(f->bad); n > 0 && !utf8_valid(f->bad, n); n--)
				f->bad[n - 1] = '\0';
		}
		ret = -1;
		goto out;
	}
	if (fd->all) {
		json_array_append_new(f->v, v);
	} else {
		json_decref(f->v);
		f->v = v;
	}
	f->n++;
	ret = 1;
out:
	free(t);
	return ret;
}

/* The text of a node: an attribute's value, a text node's content, an
 * element's string value (all its text), or the element's attribute ATTR.
 * Caller frees with xmlFree(); NULL if there is none. */
static xmlChar *node_text(xmlNodePtr n, const char *attr)
{
	if (attr)
		return n->type == XML_ELEMENT_NODE ?
			xmlGetProp(n, (const xmlChar *)attr) : NULL;
	return xmlNodeGetContent(n);
}

static void eval_field(const struct field *fd, xmlXPathContextPtr ctx,
		       xmlNodePtr node, const struct url_base *base,
		       struct found *f)
{
	xmlXPathObjectPtr res;
	char num[64];

	memset(f, 0, sizeof *f);
	if (fd->all)
		f->v = json_array();
	ctx->node = node;
	res = xmlXPathCompiledEval(fd->xp, ctx);
	if (!res)
		return;
	switch (res->type) {
	case XPATH_NODESET:
		for (int i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
			xmlChar *t = node_text(res->nodesetval->nodeTab[i], fd->attr);

			if (t && take_text(fd, base, (const char *)t, f) > 0 && !fd->all) {
				xmlFree(t);
				break;
			}
			xmlFree(t);
		}
		break;
	case XPATH_STRING:
		if (res->stringval)
			take_text(fd, base, (const char *)res->stringval, f);
		break;
	case XPATH_NUMBER:
		if (isnan(res->floatval) || isinf(res->floatval))
			break;
		if (res->floatval == (double)(long long)res->floatval)
			snprintf(num, sizeof num, "%lld", (long long)res->floatval);
		else
			snprintf(num, sizeof num, "%.17g", res->floatval);
		take_text(fd, base, num, f);
		break;
	case XPATH_BOOLEAN:
		take_text(fd, base, res->boolval ? "true" : "false", f);
		break;
	default:
		break;
	}
	xmlXPathFreeObject(res);
}

static void add_error(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(char *buf, size_t sz, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 3 >= sz)
		return;
	if (n) {
		strcpy(buf + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, sz - n, fmt, ap);
	va_end(ap);
}

/* One item of rule R with NODE as the context node. */
static json_t *make_item(const struct rule *r, xmlXPathContextPtr ctx,
			 xmlNodePtr node, const struct url_base *base)
{
	json_t *item = json_object(), *fields = json_object();
	char err[1024] = "";
	struct found f;

	for (size_t i = 0; i < r->nf; i++) {
		const struct field *fd = &r->f[i];
		json_t *v;

		eval_field(fd, ctx, node, base, &f);
		if (f.n > 0) {
			v = f.v;
			f.v = NULL;
		} else if (fd->def) {
			v = json_deep_copy(fd->def);
		} else if (fd->all) {
			v = json_array();
		} else {
			v = fd->type == VALUE_BOOL ? json_false() : json_null();
		}
		if (fd->required && f.n == 0 && !fd->def) {
			if (f.why)
				add_error(err, sizeof err, "field \"%s\": %s: \"%s\"",
					  fd->name, f.why, f.bad);
			else
				add_error(err, sizeof err, "missing required field \"%s\"",
					  fd->name);
		}
		json_decref(f.v);
		json_object_set_new(fields, fd->name, v);
	}
	json_object_set_new(item, "extractor", json_string(r->name));
	json_object_set_new(item, "fields", fields);
	json_object_set_new(item, "error", err[0] ? json_string(err) : json_null());
	return item;
}

char *scrape_page(const struct scrape *s, const char *body, size_t len,
		  const char *url, const char *charset)
{
	htmlDocPtr doc = NULL;
	xmlXPathContextPtr ctx = NULL;
	xmlXPathObjectPtr res = NULL;
	struct url_base base;
	bool have_base = false;
	json_t *items = NULL;
	char *out = NULL;
	size_t nitems = 0;

	if (!scrape_wants(s, url) || len > INT32_MAX)
		return NULL;
	quiet_begin(NULL, drop_error);
	doc = htmlReadMemory(body, (int)len, url, charset,
			     HTML_PARSE_RECOVER | HTML_PARSE_NONET |
			     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
			     HTML_PARSE_COMPACT);
	if (!doc)
		goto out;
	ctx = xmlXPathNewContext(doc);
	if (!ctx)
		goto out;
	/* "url" fields resolve against <base href> when the page has one. */
	res = xmlXPathEvalExpression((const xmlChar *)"string(//base[@href][1]/@href)", ctx);
	if (res && res->type == XPATH_STRING && res->stringval && res->stringval[0]) {
		struct url_base page;

		if (url_base_init(&page, url) == 0) {
			const char *h = (const char *)res->stringval;
			char *b = url_resolve(&page, h, strlen(h));

			have_base = b && url_base_init(&base, b) == 0;
			free(b);
			url_base_release(&page);
		}
	}
	xmlXPathFreeObject(res);
	res = NULL;
	if (!have_base)
		have_base = url_base_init(&base, url) == 0;

	items = json_array();
	for (size_t i = 0; i < s->nr && nitems < SCRAPE_MAX_ITEMS; i++) {
		const struct rule *r = &s->r[i];

		if (!rule_wants(r, url))
			continue;
		if (!r->scope) {
			json_array_append_new(items, make_item(r, ctx, (xmlNodePtr)doc,
							       have_base ? &base : NULL));
			nitems++;
			continue;
		}
		ctx->node = (xmlNodePtr)doc;
		res = xmlXPathCompiledEval(r->scope, ctx);
		if (res && res->type == XPATH_NODESET && res->nodesetval) {
			for (int j = 0; j < res->nodesetval->nodeNr &&
			     nitems < SCRAPE_MAX_ITEMS; j++) {
				xmlNodePtr n = res->nodesetval->nodeTab[j];

				if (n->type != XML_ELEMENT_NODE)
					continue;
				json_array_append_new(items, make_item(r, ctx, n,
								       have_base ? &base : NULL));
				nitems++;
			}
		}
		xmlXPathFreeObject(res);
		res = NULL;
	}
	if (nitems > 0)
		/* 15 digits: a price read as 4.7 is written 4.7, not
		 * 4.7000000000000002. */
		out = json_dumps(items, JSON_COMPACT | JSON_REAL_PRECISION(15));
out:
	if (have_base)
		url_base_release(&base);
	json_decref(items);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	quiet_end();
	return out;
}
