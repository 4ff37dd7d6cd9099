/*
 * css.h - CSS selectors compiled to XPath 1.0, for extraction rules.
 *
 * A rule's selector is compiled once, when the config is loaded; libxml2
 * then evaluates the XPath against pages parsed by its HTML parser, where
 * element and attribute names are lower-case.  The expression is relative:
 * evaluated with the document or a scope element (each "div.product") as
 * context node, it selects the matching elements among that node and its
 * descendants, as Scrapy/parsel do ("descendant-or-self::...").  A group
 * "a, b" gives one XPath union; nodes come back in document order.
 *
 * Supported (anything else is refused with a message, never passed on as
 * an XPath libxml2 cannot compile):
 *   div  *  .class  #id  (names may use CSS escapes: .md\:flex)
 *   [a] [a=v] [a~=v] [a|=v] [a^=v] [a$=v] [a*=v]   v quoted or a bare word
 *   A B   A > B   A + B   A ~ B   A, B
 *   :first-child  :last-child  :nth-child(an+b | odd | even)
 *   :not(compound)    a compound without combinators, e.g. :not(p.x[y])
 *   ::text            the element's own text node children
 *   ::attr(name)      the attribute node
 * Type and attribute names match case-insensitively (they are lower-cased,
 * as the HTML parser does); classes, ids and attribute values match
 * case-sensitively.  Classes and ~= split on XPath white space (space,
 * tab, CR, LF).  A pseudo-element may only end a selector.  As in parsel,
 * the context node itself may match the first compound, so "h2 + p" run
 * from a scope h2 finds the p after it, outside the scope.
 *
 * Pure computation, no I/O; runs in the coordinator at config load.
 */
#ifndef TRAWL_CSS_H
#define TRAWL_CSS_H

#include <stddef.h>

/* Longest selector accepted, in bytes. */
#define CSS_MAX_LEN 4096
/* Longest XPath produced, in bytes (NUL excluded); a selector that would
 * compile to more is refused. */
#define CSS_MAX_XPATH 65536

/* Compiles selector group SEL (UTF-8) into an XPath 1.0 expression
 * relative to a context node.  Returns the expression, which the caller
 * frees with free(), or NULL after writing a one-line message naming the
 * problem and its column (1-based, in characters) into ERR, ERRLEN bytes,
 * e.g. "expected a class name after '.' at column 4".  ERR may be NULL
 * when ERRLEN is 0.  Does not log. */
char *css_to_xpath(const char *sel, char *err, size_t errlen);

#endif
